/**
 * The review view of a change: what each caller gains and loses between two
 * analyses (the map at a git revision and the working tree), request by request,
 * including conditions that were added or dropped, and whether the change widens
 * access, narrows it, or leaves it as it was. A pipeline decides on that
 * classification (the exit status of `npm run access -- --diff`); a person reads
 * diff.md, its JSON twin is diff.json.
 */
import { byText, groupBy, sortedUnique } from "./policy-json";
import type { Access } from "./types";

/** What a change does to access. A change is never `unchanged access`; a whole diff is when it has no change. */
export type Effect = "widens" | "narrows" | "unchanged access";

/** The conditions one allowed request needs, in words (`MFA`, `external id x`, `principal ARN`, `org o-…`, `TLS`), in that order. */
export function conditionsOf(a: Access): string[] {
  return [
    a.mfa ? "MFA" : undefined,
    a.externalId !== undefined ? `external id ${a.externalId}` : undefined,
    a.principalArn !== undefined ? "principal ARN" : undefined,
    a.organizationId !== undefined ? `org ${a.organizationId}` : undefined,
    a.tls === true ? "TLS" : undefined,
  ].filter((x): x is string => x !== undefined);
}

/** Actions that share the same conditions. */
export interface ActionGroup {
  readonly actions: readonly string[];
  readonly conditions: readonly string[];
}

/** One condition that changed on a pair, and the actions it changed on. */
export interface ConditionChange {
  readonly condition: string;
  readonly actions: readonly string[];
}

/** Everything that changed on one caller → target pair. */
export interface PairChange {
  readonly caller: string;
  readonly target: string;
  readonly effect: "widens" | "narrows";
  /** Actions allowed after and not before, with the conditions they are allowed under. */
  readonly gained: readonly ActionGroup[];
  /** Actions allowed before and not after, with the conditions they were allowed under. */
  readonly lost: readonly ActionGroup[];
  /** Actions allowed before and after. */
  readonly kept: readonly string[];
  /** Conditions an action still allowed no longer needs: a widening. */
  readonly dropped: readonly ConditionChange[];
  /** Conditions an action still allowed needs now and did not before: a narrowing. */
  readonly added: readonly ConditionChange[];
}

/** The whole comparison. */
export interface AccessDiff {
  readonly effect: Effect;
  readonly changes: readonly PairChange[];
}

const pairKey = (caller: string, target: string): string => `${caller}\u0000${target}`;

/** Groups actions by their conditions, in condition order then action order. */
function byConditions(list: readonly Access[]): ActionGroup[] {
  const groups = groupBy(list, (a) => conditionsOf(a).join("\u0000"));
  return [...groups.values()]
    .map((g) => ({ actions: sortedUnique(g.map((a) => a.action)), conditions: conditionsOf(g[0]) }))
    .sort((x, y) => byText(x.conditions.join("\u0000"), y.conditions.join("\u0000")) || byText(x.actions.join(" "), y.actions.join(" ")));
}

/** Condition → the actions it changed on, sorted by condition. */
function collect(entries: readonly [string, string][]): ConditionChange[] {
  return [...groupBy(entries, ([condition]) => condition)].map(([condition, list]) => ({ condition, actions: sortedUnique(list.map(([, action]) => action)) })).sort((x, y) => byText(x.condition, y.condition));
}

/** The changes of one pair; undefined when nothing changed. */
function pairChange(caller: string, target: string, before: readonly Access[], after: readonly Access[]): PairChange | undefined {
  const was = new Map(before.map((a) => [a.action, a]));
  const now = new Map(after.map((a) => [a.action, a]));
  const gained = after.filter((a) => !was.has(a.action));
  const lost = before.filter((a) => !now.has(a.action));
  const dropped: [string, string][] = [];
  const added: [string, string][] = [];
  for (const a of after) {
    const b = was.get(a.action);
    if (!b) continue;
    const x = conditionsOf(b);
    const y = conditionsOf(a);
    for (const c of x) if (!y.includes(c)) dropped.push([c, a.action]);
    for (const c of y) if (!x.includes(c)) added.push([c, a.action]);
  }
  if (gained.length + lost.length + dropped.length + added.length === 0) return undefined;
  return {
    caller,
    target,
    effect: gained.length > 0 || dropped.length > 0 ? "widens" : "narrows",
    gained: byConditions(gained),
    lost: byConditions(lost),
    kept: sortedUnique(after.filter((a) => was.has(a.action)).map((a) => a.action)),
    dropped: collect(dropped),
    added: collect(added),
  };
}

/**
 * Changes per caller → target pair, sorted by caller and target; pairs that did
 * not change are left out. A gained action (a new pair included) or a dropped
 * condition widens; a lost action or an added condition narrows; a change that
 * does both widens.
 */
export function diffAccess(before: readonly Access[], after: readonly Access[]): AccessDiff {
  const b = groupBy(before, (a) => pairKey(a.caller, a.target));
  const a = groupBy(after, (x) => pairKey(x.caller, x.target));
  const changes: PairChange[] = [];
  for (const key of sortedUnique([...b.keys(), ...a.keys()])) {
    const [caller, target] = key.split("\u0000");
    const c = pairChange(caller, target, b.get(key) ?? [], a.get(key) ?? []);
    if (c) changes.push(c);
  }
  const effect: Effect = changes.some((c) => c.effect === "widens") ? "widens" : changes.length > 0 ? "narrows" : "unchanged access";
  return { effect, changes };
}

/** The heading's words for each effect. */
const VERDICT: Readonly<Record<Effect, string>> = {
  widens: "widens access",
  narrows: "narrows access only",
  "unchanged access": "unchanged access",
};

/** What the diff compares, as diff.md and diff.json name it. */
export interface DiffNames {
  /** The map, relative to the repository root. */
  readonly map: string;
  /** The git revision compared with. */
  readonly from: string;
  /** `the working tree`. */
  readonly to: string;
  /** False when the map did not exist at `from`: everything after is a gain. */
  readonly fromExists: boolean;
  /** The working tree's gate in words (`clean`, `FAILED: 2 differences`). */
  readonly gate: string;
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const list = (actions: readonly string[]): string => actions.join(", ");
const under = (conditions: readonly string[]): string => (conditions.length > 0 ? ` (${conditions.join(", ")})` : " (no conditions)");

/** Nothing when a condition changed on every action the pair keeps, else on which. */
const onWhich = (c: ConditionChange, kept: readonly string[]): string => (c.actions.length === kept.length ? "" : ` on ${list(c.actions)}`);

/** One pair as a line of the list: dropped conditions first and in bold, then gains, then what narrows. */
export function changeLine(c: PairChange): string {
  const parts: string[] = [];
  for (const d of c.dropped) parts.push(`**drops ${d.condition}**${onWhich(d, c.kept)}`);
  for (const g of c.gained) parts.push(`gains ${list(g.actions)}${under(g.conditions)}`);
  for (const l of c.lost) parts.push(`loses ${list(l.actions)}`);
  for (const d of c.added) parts.push(`adds ${d.condition}${onWhich(d, c.kept)}`);
  return `- ${code(c.target)}: ${parts.join("; ")}`;
}

/**
 * The changes as Markdown for a pull-request comment: a heading with the
 * verdict, widenings first (pairs that drop a condition before the others),
 * then narrowings, each grouped by caller. Depends only on its arguments.
 */
export function renderDiff(d: AccessDiff, names: DiffNames): string {
  const widens = d.changes.filter((c) => c.effect === "widens");
  const narrows = d.changes.filter((c) => c.effect === "narrows");
  const dropping = widens.filter((c) => c.dropped.length > 0).length;
  const lines = [`## Access review: ${VERDICT[d.effect]}`, ""];
  const from = names.fromExists ? `${code(names.map)} at ${code(names.from)}` : `nothing (${code(names.map)} does not exist at ${code(names.from)})`;
  lines.push(`From ${from} to ${names.to}. Gate on ${names.to}: ${names.gate}.`, "");
  if (d.changes.length === 0) {
    lines.push("No caller gains or loses anything, and no condition changes.");
    return `${lines.join("\n")}\n`;
  }
  const pairs = (n: number) => `${n} caller → target pair${n === 1 ? "" : "s"}`;
  lines.push(
    `${pairs(d.changes.length)} change: ${widens.length} widen${widens.length === 1 ? "s" : ""}${dropping > 0 ? ` (${dropping} drop${dropping === 1 ? "s" : ""} a condition)` : ""}, ${narrows.length} narrow${narrows.length === 1 ? "s" : ""}.`,
    "",
  );
  const section = (title: string, changes: readonly PairChange[], first: (c: PairChange) => boolean) => {
    if (changes.length === 0) return;
    lines.push(`### ${title}`, "");
    const callers = [...groupBy(changes, (c) => c.caller)].sort(([x, a], [y, b]) => Number(b.some(first)) - Number(a.some(first)) || byText(x, y));
    for (const [caller, list] of callers) {
      lines.push(`#### ${code(caller)}`, "");
      const ordered = [...list.filter(first), ...list.filter((c) => !first(c))];
      for (const c of ordered) {
        lines.push(changeLine(c));
      }
      lines.push("");
    }
  };
  section("Widens", widens, (c) => c.dropped.length > 0);
  section("Narrows", narrows, () => false);
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}

/** The JSON twin of diff.md. */
export function renderDiffJson(d: AccessDiff, names: DiffNames): string {
  return `${JSON.stringify({ version: 1, map: names.map, from: names.from, fromExists: names.fromExists, to: names.to, gate: names.gate, effect: d.effect, changes: d.changes }, null, 2)}\n`;
}
