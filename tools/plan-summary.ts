/**
 * Summaries of Terraform plans (`terraform show -json <planfile>`) for reviewers:
 * adds, changes, destroys and replacements per stack, with the destructive ones
 * spelled out, and the first error of each plan that failed. Pure functions;
 * tools/plan.ts runs Terraform. Ordered by code point, as everything the program prints.
 */
import { byCodePoint } from "../config/order";

/** The part of Terraform's JSON plan format read here. */
export interface TerraformPlanJson {
  readonly resource_changes?: readonly { readonly address: string; readonly change: { readonly actions: readonly string[] } }[];
}

export interface StackSummary {
  readonly stack: string;
  readonly add: readonly string[];
  readonly change: readonly string[];
  readonly destroy: readonly string[];
  readonly replace: readonly string[];
  /** Set when Terraform could not plan the stack: its first error (see firstTerraformError). */
  readonly error?: string;
}

/** Sorts a plan's resource changes into adds, in-place changes, destroys and replacements. */
export function summarizePlan(stack: string, plan: TerraformPlanJson): StackSummary {
  const add: string[] = [];
  const change: string[] = [];
  const destroy: string[] = [];
  const replace: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const a = rc.change.actions.join(",");
    if (a === "create") add.push(rc.address);
    else if (a === "update") change.push(rc.address);
    else if (a === "delete") destroy.push(rc.address);
    else if (a === "delete,create" || a === "create,delete") replace.push(rc.address);
  }
  return { stack, add: add.sort(byCodePoint), change: change.sort(byCodePoint), destroy: destroy.sort(byCodePoint), replace: replace.sort(byCodePoint) };
}

/**
 * The first diagnostic in Terraform's output (run with -no-color): its `Error: ...`
 * line and the detail under it, up to the next diagnostic. Terraform prints the
 * cause first and its consequences after (a provider without credentials, then
 * every resource it could not read), so the first error is the one to read. Falls
 * back to the last lines of the output when it holds no `Error:` line.
 */
export function firstTerraformError(output: string, maxLines = 20): string {
  // Boxed diagnostics (without -no-color) start their lines with "│ " and open with "╷".
  const lines = output.split(/\r?\n/).map((l) => l.replace(/\s+$/, "").replace(/^[│╷╵]\s?/, ""));
  const start = lines.findIndex((l) => /^Error: /.test(l));
  if (start < 0) return lines.filter((l) => l.trim() !== "").slice(-15).join("\n");
  let end = lines.findIndex((l, i) => i > start && /^(Error|Warning): /.test(l));
  if (end < 0) end = lines.length;
  const block = lines.slice(start, end);
  while (block.length > 1 && block[block.length - 1].trim() === "") block.pop();
  return block.length > maxLines ? [...block.slice(0, maxLines), "..."].join("\n") : block.join("\n");
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/**
 * The table, the destructive changes and the failed plans, as printed for
 * reviewers. "No destroys or replacements." is said only when every stack
 * planned: a failed plan's changes are unknown, and are said to be.
 */
export function renderSummary(summaries: readonly StackSummary[]): string {
  const rows = [...summaries].sort((a, b) => byCodePoint(a.stack, b.stack));
  const width = Math.max(5, ...rows.map((r) => r.stack.length));
  const cell = (n: number | string) => String(n).padStart(7);
  const lines = [`${"stack".padEnd(width)} ${cell("add")} ${cell("change")} ${cell("destroy")} ${cell("replace")}`];
  for (const r of rows) {
    lines.push(
      r.error
        ? `${r.stack.padEnd(width)}   plan failed`
        : `${r.stack.padEnd(width)} ${cell(r.add.length)} ${cell(r.change.length)} ${cell(r.destroy.length)} ${cell(r.replace.length)}`,
    );
  }
  const failed = rows.filter((r) => r.error);
  const planned = rows.length - failed.length;
  const destructive = rows.flatMap((r) => [
    ...r.destroy.map((a) => `  destroy  ${r.stack}: ${a}`),
    ...r.replace.map((a) => `  replace  ${r.stack}: ${a}`),
  ]);
  lines.push("");
  if (destructive.length > 0) lines.push("Destroys and replacements:", ...destructive);
  else if (failed.length === 0) lines.push("No destroys or replacements.");
  else if (planned > 0) lines.push(`No destroys or replacements in the ${plural(planned, "stack", "stacks")} that planned.`);
  if (failed.length > 0) {
    if (destructive.length > 0 || planned > 0) lines.push("");
    lines.push(`${failed.length.toLocaleString("en-US")} of ${plural(rows.length, "stack", "stacks")} failed to plan, so ${failed.length === 1 ? "its" : "their"} changes are unknown: ${failed.map((r) => r.stack).join(", ")}`);
    for (const r of failed) lines.push("", `Plan of ${r.stack} failed:`, ...r.error!.split("\n").map((l) => (l ? `  ${l}` : "")));
  }
  return lines.join("\n");
}
