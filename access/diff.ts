/**
 * The review view of a change: what each caller gains and loses between two
 * analyses (the map at a git revision and the working tree), request by request,
 * including conditions that were added or dropped.
 */
import { reaches, conditionText, type Reach } from "./report";
import { byText, sortedUnique } from "./policy-json";
import type { Access } from "./types";

export interface PairChange {
  readonly caller: string;
  readonly target: string;
  readonly gained: readonly string[];
  readonly lost: readonly string[];
  /** Conditions before and after, when the pair exists on both sides and they differ. */
  readonly conditions?: { readonly before: string; readonly after: string };
}

/** Changes per caller → target pair, sorted; pairs that did not change are left out. */
export function diffAccess(before: readonly Access[], after: readonly Access[]): PairChange[] {
  const b = new Map(reaches(before).map((r) => [`${r.caller}\u0000${r.target}`, r]));
  const a = new Map(reaches(after).map((r) => [`${r.caller}\u0000${r.target}`, r]));
  const out: PairChange[] = [];
  for (const key of sortedUnique([...b.keys(), ...a.keys()])) {
    const x: Reach | undefined = b.get(key);
    const y: Reach | undefined = a.get(key);
    const [caller, target] = key.split("\u0000");
    const gained = (y?.actions ?? []).filter((act) => !(x?.actions ?? []).includes(act));
    const lost = (x?.actions ?? []).filter((act) => !(y?.actions ?? []).includes(act));
    const before = x ? conditionText(x) : undefined;
    const after = y ? conditionText(y) : undefined;
    const conditions = x && y && before !== after ? { before: before!, after: after! } : undefined;
    if (gained.length > 0 || lost.length > 0 || conditions) out.push({ caller, target, gained, lost, ...(conditions ? { conditions } : {}) });
  }
  return out.sort((p, q) => byText(`${p.caller}\u0000${p.target}`, `${q.caller}\u0000${q.target}`));
}

/** The changes as Markdown, grouped by caller. */
export function renderDiff(changes: readonly PairChange[], from: string, to: string): string {
  const lines = [`# Access changes from ${from} to ${to}`, ""];
  if (changes.length === 0) {
    lines.push("No caller gains or loses anything.");
    return `${lines.join("\n")}\n`;
  }
  const gains = changes.filter((c) => c.gained.length > 0).length;
  const losses = changes.filter((c) => c.lost.length > 0).length;
  lines.push(`${changes.length} caller → target pairs change: ${gains} gain, ${losses} lose, ${changes.filter((c) => c.conditions).length} change conditions.`, "");
  let caller = "";
  for (const c of changes) {
    if (c.caller !== caller) {
      caller = c.caller;
      lines.push(`## \`${caller}\``, "");
    }
    const parts: string[] = [];
    if (c.gained.length > 0) parts.push(`**gains** ${c.gained.join(", ")}`);
    if (c.lost.length > 0) parts.push(`**loses** ${c.lost.join(", ")}`);
    if (c.conditions) parts.push(`conditions: ${c.conditions.before} → ${c.conditions.after}`);
    lines.push(`- \`${c.target}\`: ${parts.join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}
