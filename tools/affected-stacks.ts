/**
 * Which stacks a change of the map affects, and why: pure functions from two
 * sets of synthesized stacks (and the plans they were built from) to one verdict
 * per stack. tools/affected.ts reads the map at a git revision and the working
 * tree's, synthesizes both and prints what these return.
 *
 * A stack's JSON decides whether it changed: it is exactly what Terraform would
 * apply. A stack whose key is the same on both sides is the same JSON, and is
 * unchanged without being synthesized (tools/affected-synth.ts). The reasons come from the plans: every grant whose either half lands in
 * the stack (the resource half in the resource's account, the identity half in
 * the caller's, both located by the function that writes them, policies/grants.ts),
 * and the roles, groups, policies and resources the stack holds. What the grants
 * and entities do not explain (tags, a role's session length, a provider) is named
 * by its Terraform address.
 */
import { callerId, resourceTargetId, roleTargetId } from "../access/ids";
import { byCodePoint } from "../config/order";
import { assumeRoleGrant, resourceGrant } from "../policies/grants";
import { type AccountPlan, resourcePlans } from "../policies/plan";

export type StackStatus = "added" | "changed" | "removed" | "unchanged";

/** What one side knows of a stack: its key or its synthesized JSON (or both), and what the map put in it. */
export interface StackInput {
  /** The digest of what the stack is built from (stacks/stack-key.ts): two stacks of one key are the same JSON. */
  readonly key?: string;
  /** The stack's `cdk.tf.json`, as written; undefined for a stack not synthesized, whose key is the other side's. */
  readonly json?: string;
  /** Every grant with a half in this stack, in words (`dev/developers may assume prod/role/UpdateProdApp with MFA`). */
  readonly grants: readonly string[];
  /** The roles, groups, customer policies and resources the stack holds (`role prod/role/UpdateProdApp`). */
  readonly entities: readonly string[];
}

/** One stack's verdict. */
export interface StackChange {
  readonly stack: string;
  readonly status: StackStatus;
  /** Why, most telling first: grants gained and lost, entities added and removed, then Terraform addresses. */
  readonly reasons: readonly string[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(byCodePoint);

/**
 * Every stack's grants and entities, from the plans of one map. A grant is listed
 * in the stack of its resource half and in the stack of its identity half (the
 * caller's group, role or permission set), when that is another stack.
 */
export function stackFacts(plans: readonly AccountPlan[], organizationId?: string): Map<string, { grants: string[]; entities: string[] }> {
  const facts = new Map<string, { grants: Set<string>; entities: Set<string> }>();
  const of = (stack: string) => {
    let f = facts.get(stack);
    if (!f) facts.set(stack, (f = { grants: new Set(), entities: new Set() }));
    return f;
  };
  for (const plan of plans) of(plan.account.name);
  for (const plan of plans) {
    const here = of(plan.account.name);
    for (const p of plan.policies) here.entities.add(`policy ${plan.account.name}/policy/${p.policy.name}`);
    for (const g of plan.groups) here.entities.add(`group ${callerId(g.group)}`);
    for (const { role } of plan.roles) {
      here.entities.add(`role ${roleTargetId(role)}`);
      for (const caller of role.callers) {
        const words = `${callerId(caller.principal)} may assume ${roleTargetId(role)}${caller.requireMfa ? " with MFA" : ""}`;
        here.grants.add(words);
        const holder = assumeRoleGrant(role, caller).identity?.holder;
        if (holder) of(holder.account.name).grants.add(words);
      }
    }
    for (const entry of resourcePlans(plan)) {
      const target = resourceTargetId(entry.resource);
      here.entities.add(`${entry.kind.id} ${target}`);
      for (const grant of entry.resource.grants) {
        const words = `${callerId(grant.grantee)} may ${grant.level} ${target}${grant.requireMfa ? " with MFA" : ""}`;
        here.grants.add(words);
        const holder = resourceGrant(entry.resource, grant, organizationId).identity?.holder;
        if (holder) of(holder.account.name).grants.add(words);
      }
    }
  }
  return new Map([...facts].map(([stack, f]) => [stack, { grants: sorted(f.grants), entities: sorted(f.entities) }]));
}

type TfSection = Record<string, unknown>;

/** The addressable parts of a stack: `aws_iam_role.Deploy`, `provider.aws.prod`, `output.x`, `terraform.backend`. */
function parts(json: string): Map<string, string> {
  const tf = JSON.parse(json) as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [top, value] of Object.entries(tf)) {
    if (top === "//") continue;
    if (top === "resource" || top === "data") {
      for (const [type, byName] of Object.entries(value as Record<string, TfSection>)) {
        for (const [name, body] of Object.entries(byName)) out.set(`${top === "data" ? "data." : ""}${type}.${name}`, JSON.stringify(body));
      }
    } else if (top === "provider") {
      for (const [type, list] of Object.entries(value as Record<string, TfSection[]>)) {
        for (const p of list) out.set(`provider.${type}.${String(p.alias ?? "default")}`, JSON.stringify(p));
      }
    } else if (top === "output" || top === "terraform" || top === "locals" || top === "variable") {
      for (const [name, body] of Object.entries(value as TfSection)) out.set(`${top}.${name}`, JSON.stringify(body));
    } else out.set(top, JSON.stringify(value));
  }
  return out;
}

/** At most this many Terraform addresses are named per stack; the rest are counted. */
const ADDRESSES_SHOWN = 8;

/** The Terraform addresses added, removed and changed between two stack JSONs, as reasons. */
export function terraformChanges(before: string, after: string): string[] {
  const a = parts(before);
  const b = parts(after);
  const changes: string[] = [];
  for (const key of sorted([...a.keys(), ...b.keys()])) {
    if (!a.has(key)) changes.push(`+ ${key}`);
    else if (!b.has(key)) changes.push(`- ${key}`);
    else if (a.get(key) !== b.get(key)) changes.push(`~ ${key}`);
  }
  if (changes.length <= ADDRESSES_SHOWN) return changes;
  return [...changes.slice(0, ADDRESSES_SHOWN), `… and ${changes.length - ADDRESSES_SHOWN} more Terraform addresses`];
}

/** `+ x` for what `after` has and `before` lacks, `- x` the other way, each list in code-point order. */
function gainedLost(before: readonly string[], after: readonly string[], what: string): string[] {
  const had = new Set(before);
  const has = new Set(after);
  return [...after.filter((x) => !had.has(x)).map((x) => `+ ${what}${x}`), ...before.filter((x) => !has.has(x)).map((x) => `- ${what}${x}`)];
}

/**
 * Compares the stacks of the map at a revision (`before`) with the working
 * tree's (`after`): every stack of either side, in name order, with its status
 * and reasons. Pure.
 */
export function compareStacks(before: ReadonlyMap<string, StackInput>, after: ReadonlyMap<string, StackInput>): StackChange[] {
  return sorted([...before.keys(), ...after.keys()]).map((stack): StackChange => {
    const a = before.get(stack);
    const b = after.get(stack);
    if (!a) return { stack, status: "added", reasons: [`account ${stack} is new in the map`, ...b!.entities.map((e) => `+ ${e}`)] };
    if (!b) return { stack, status: "removed", reasons: [`account ${stack} is no longer in the map`] };
    if (a.key !== undefined && a.key === b.key) return { stack, status: "unchanged", reasons: [] };
    if (a.json === undefined || b.json === undefined) throw new Error(`affected: stack ${stack} differs in its key but was not synthesized on both sides`);
    if (a.json === b.json) return { stack, status: "unchanged", reasons: [] };
    return {
      stack,
      status: "changed",
      reasons: [...gainedLost(a.grants, b.grants, "grant: "), ...gainedLost(a.entities, b.entities, ""), ...terraformChanges(a.json, b.json)],
    };
  });
}

/** GitHub Actions accepts at most 256 jobs per matrix. */
export const MATRIX_LIMIT = 256;

/** A GitHub Actions matrix: one job per entry. */
export interface Matrix {
  readonly include: readonly { readonly stack: string }[];
}

/** The stacks to plan or apply (added and changed), as matrices of at most `size` entries each. */
export function matrixChunks(changes: readonly StackChange[], size: number = MATRIX_LIMIT): Matrix[] {
  const stacks = changes.filter((c) => c.status === "added" || c.status === "changed").map((c) => ({ stack: c.stack }));
  const chunks: Matrix[] = [];
  for (let i = 0; i < stacks.length; i += size) chunks.push({ include: stacks.slice(i, i + size) });
  return chunks;
}

/**
 * `--matrix` output: lines for `$GITHUB_OUTPUT`. `count` (stacks to deploy),
 * `chunks` (matrices), then `matrix-<i>` holding each matrix's JSON.
 */
export function renderMatrixOutputs(changes: readonly StackChange[], size: number = MATRIX_LIMIT): string {
  const chunks = matrixChunks(changes, size);
  const count = chunks.reduce((n, c) => n + c.include.length, 0);
  return [`count=${count}`, `chunks=${chunks.length}`, ...chunks.map((m, i) => `matrix-${i}=${JSON.stringify(m)}`)].join("\n") + "\n";
}

const STATUS_ORDER: readonly StackStatus[] = ["added", "changed", "removed", "unchanged"];

/** Counts by status, in the order they are printed. */
export function counts(changes: readonly StackChange[]): Record<StackStatus, number> {
  const n = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  for (const c of changes) n[c.status]++;
  return n;
}

/** The text report: a summary line, each added, changed and removed stack with its reasons, and the unchanged ones on one line. */
export function renderAffected(changes: readonly StackChange[], names: { map: string; ref: string }): string {
  const n = counts(changes);
  const lines = [
    `affected: ${names.map} at ${names.ref} → the working tree: ${changes.length} stacks: ${STATUS_ORDER.map((s) => `${n[s]} ${s}`).join(", ")}`,
  ];
  for (const status of STATUS_ORDER.slice(0, 3)) {
    for (const c of changes.filter((x) => x.status === status)) {
      lines.push(`${status.padEnd(9)} ${c.stack}`);
      for (const r of c.reasons) lines.push(`            ${r}`);
    }
  }
  const same = changes.filter((c) => c.status === "unchanged").map((c) => c.stack);
  if (same.length > 0) lines.push(`unchanged ${same.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** The JSON report: the same, for machines. */
export function renderAffectedJson(changes: readonly StackChange[], names: { map: string; ref: string }): string {
  return `${JSON.stringify({ map: names.map, ref: names.ref, counts: counts(changes), stacks: changes, matrix: matrixChunks(changes) }, null, 2)}\n`;
}
