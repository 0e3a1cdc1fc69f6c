/**
 * Summaries of Terraform plans (`terraform show -json <planfile>`) for reviewers:
 * adds, changes, destroys and replacements per stack, with the destructive ones
 * spelled out. Pure functions; tools/plan.ts runs Terraform.
 */

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
  /** Set when Terraform could not plan the stack. */
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
  return { stack, add: add.sort(), change: change.sort(), destroy: destroy.sort(), replace: replace.sort() };
}

/** The table and the destructive changes, as printed for reviewers. */
export function renderSummary(summaries: readonly StackSummary[]): string {
  const rows = [...summaries].sort((a, b) => a.stack.localeCompare(b.stack));
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
  const destructive = rows.flatMap((r) => [
    ...r.destroy.map((a) => `  destroy  ${r.stack}: ${a}`),
    ...r.replace.map((a) => `  replace  ${r.stack}: ${a}`),
  ]);
  lines.push("", destructive.length ? "Destroys and replacements:" : "No destroys or replacements.", ...destructive);
  for (const r of rows.filter((x) => x.error)) lines.push("", `Plan of ${r.stack} failed:`, ...r.error!.split("\n").map((l) => `  ${l}`));
  return lines.join("\n");
}
