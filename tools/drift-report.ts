/**
 * What changed outside Terraform, read from one stack's plan (`terraform show
 * -json` of a normal plan): resource by resource, what was edited or removed,
 * and, where the attribute is a policy, which statements were added or removed.
 * Pure functions; tools/drift.ts runs Terraform. Ordered by code point, as
 * everything the program prints.
 *
 * A normal plan's `resource_drift` is the refresh a `plan -refresh-only` makes
 * (the same entries, checked on the example stack against the emulator), and its
 * `resource_changes` say which of those differences the next apply undoes. Only
 * those are drift: a refresh also reports computed attributes that the provider
 * reads back differently from what it stored (a role's `managed_policy_arns`, a
 * bucket's legacy `versioning` block, `tags` null against `{}`), which no apply
 * changes; they are counted as read back, not reported as drift.
 */
import { byCodePoint } from "../config/order";

/** One resource's entry in a plan's `resource_drift` or `resource_changes`. */
export interface PlanResourceJson {
  readonly address: string;
  readonly type?: string;
  readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
}

/** The part of Terraform's JSON plan format read here. */
export interface DriftPlanJson {
  readonly resource_drift?: readonly PlanResourceJson[];
  readonly resource_changes?: readonly PlanResourceJson[];
}

/** How one attribute changed outside Terraform. Statements are canonical JSON (keys and lists sorted). */
export type AttributeDrift =
  | { readonly kind: "policy"; readonly attribute: string; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: "list"; readonly attribute: string; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: "value"; readonly attribute: string; readonly before: string; readonly after: string };

export interface DriftedResource {
  readonly address: string;
  /** edited: it differs from the state; removed: it is gone. */
  readonly change: "edited" | "removed";
  readonly attributes: readonly AttributeDrift[];
  /** Inline policies added by hand that the refresh of their role read, with their statements. */
  readonly addedPolicies: readonly { readonly name: string; readonly statements: readonly string[] }[];
}

export interface StackDrift {
  readonly stack: string;
  readonly drifted: readonly DriftedResource[];
  /** Refreshed with differences that the next apply does not change (computed attributes read back): not drift. */
  readonly readBack: readonly string[];
  /** Changes the next apply makes that no refresh explains: the map changed since the last deploy. */
  readonly pending: readonly string[];
  /** Set when Terraform could not plan the stack: its first error. */
  readonly error?: string;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
type Obj = { readonly [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

/** Keys whose value IAM takes as a string or a list of strings alike: compared as sorted lists. */
const LIST_KEYS = new Set(["Action", "NotAction", "Resource", "NotResource"]);

/**
 * A statement in one form whatever order AWS gives it back in: keys sorted, lists
 * sorted, and `X` the same as `[X]` where IAM takes either (Action, Resource and
 * the like, a principal's ids, a condition key's values).
 */
function canonical(v: Json, list = false): Json {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    return items.every((x) => typeof x === "string") ? [...new Set(items as string[])].sort(byCodePoint) : items;
  }
  if (isObj(v)) {
    const entries = Object.keys(v)
      .sort(byCodePoint)
      .map((k): [string, Json] => {
        const x = v[k];
        if (LIST_KEYS.has(k)) return [k, canonical(x, true)];
        // {"AWS": "arn"} is {"AWS": ["arn"]}; "Principal": "*" stays as it is.
        if ((k === "Principal" || k === "NotPrincipal") && isObj(x)) return [k, Object.fromEntries(Object.keys(x).sort(byCodePoint).map((id) => [id, canonical(x[id], true)]))];
        if (k === "Condition" && isObj(x)) {
          const operators = Object.keys(x).sort(byCodePoint);
          return [k, Object.fromEntries(operators.map((op) => [op, conditionKeys(x[op])]))];
        }
        return [k, canonical(x)];
      });
    return Object.fromEntries(entries);
  }
  return list && typeof v === "string" ? [v] : v;
}

/** A condition operator's keys, each key's values as a sorted list. */
function conditionKeys(keys: Json): Json {
  return isObj(keys) ? Object.fromEntries(Object.keys(keys).sort(byCodePoint).map((c) => [c, canonical(keys[c], true)])) : canonical(keys);
}

/** A policy document's statements in canonical JSON, or undefined when the value is not a policy. */
export function statementsOf(value: unknown): string[] | undefined {
  if (typeof value !== "string" || !value.trimStart().startsWith("{")) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!isObj(doc) || !("Statement" in doc)) return undefined;
  const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return list.map((s) => JSON.stringify(canonical(s)));
}

const minus = (a: readonly string[], b: readonly string[]) => {
  const drop = new Set(b);
  return [...new Set(a.filter((x) => !drop.has(x)))].sort(byCodePoint);
};
const short = (v: unknown) => {
  const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v ?? null);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
};
const same = (a: unknown, b: unknown) => (isEmpty(a) && isEmpty(b)) || JSON.stringify(canonical(a as Json)) === JSON.stringify(canonical(b as Json));

/** How one attribute went from `before` (the state) to `after` (what the refresh read). */
function attributeDrift(attribute: string, before: unknown, after: unknown): AttributeDrift | undefined {
  const [b, a] = [statementsOf(before), statementsOf(after)];
  if (b || a) {
    const added = minus(a ?? [], b ?? []);
    const removed = minus(b ?? [], a ?? []);
    return added.length || removed.length ? { kind: "policy", attribute, added, removed } : undefined;
  }
  const strings = (v: unknown) => (v === null || v === undefined ? [] : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
  const [bl, al] = [strings(before), strings(after)];
  if (bl && al) {
    const added = minus(al, bl);
    const removed = minus(bl, al);
    return added.length || removed.length ? { kind: "list", attribute, added, removed } : undefined;
  }
  return same(before, after) ? undefined : { kind: "value", attribute, before: short(before), after: short(after) };
}

/** Inline policies by name in a refreshed role's `inline_policy` blocks: what a hand-added name holds. */
function inlinePoliciesOf(value: unknown): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!isObj(value) || !Array.isArray(value.inline_policy)) return found;
  for (const p of value.inline_policy) {
    if (isObj(p) && typeof p.name === "string") found.set(p.name, statementsOf(p.policy) ?? []);
  }
  return found;
}

const CHANGES = new Set(["create", "update", "delete"]);

/** What changed outside Terraform in one stack, from its plan's JSON. */
export function driftOfPlan(stack: string, plan: DriftPlanJson): StackDrift {
  const changes = new Map((plan.resource_changes ?? []).filter((rc) => rc.change.actions.some((a) => CHANGES.has(a))).map((rc) => [rc.address, rc]));
  // What the refresh read of each role, by name: the statements of inline policies added by hand.
  const inline = new Map<string, Map<string, string[]>>();
  for (const d of plan.resource_drift ?? []) {
    const after = d.change.after;
    if (isObj(after) && typeof after.name === "string" && d.type === "aws_iam_role") inline.set(after.name, inlinePoliciesOf(after));
  }
  const drifted: DriftedResource[] = [];
  const readBack: string[] = [];
  const explained = new Set<string>();
  for (const d of plan.resource_drift ?? []) {
    explained.add(d.address);
    const planned = changes.get(d.address);
    if (d.change.actions.includes("delete")) {
      drifted.push({ address: d.address, change: "removed", attributes: [], addedPolicies: [] });
      continue;
    }
    if (!planned) {
      readBack.push(d.address);
      continue;
    }
    const before = isObj(d.change.before) ? d.change.before : {};
    const after = isObj(d.change.after) ? d.change.after : {};
    const undone = isObj(planned.change.after) ? planned.change.after : {};
    // The attributes the next apply sets back: those the refresh found changed and the plan changes again.
    const attributes = Object.keys({ ...before, ...after })
      .sort(byCodePoint)
      .filter((k) => !same(after[k], undone[k]))
      .map((k) => attributeDrift(k, before[k], after[k]))
      .filter((x): x is AttributeDrift => x !== undefined);
    if (attributes.length === 0) {
      readBack.push(d.address);
      continue;
    }
    const role = typeof after.role_name === "string" ? inline.get(after.role_name) : undefined;
    const names = attributes.find((a) => a.kind === "list" && a.attribute === "policy_names");
    const addedPolicies = role && names && names.kind === "list" ? names.added.filter((n) => role.has(n)).map((name) => ({ name, statements: role.get(name)! })) : [];
    drifted.push({ address: d.address, change: "edited", attributes, addedPolicies });
  }
  const pending = [...changes.keys()].filter((a) => !explained.has(a));
  return {
    stack,
    drifted: drifted.sort((a, b) => byCodePoint(a.address, b.address)),
    readBack: readBack.sort(byCodePoint),
    pending: pending.sort(byCodePoint),
  };
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** One cell of the table: what happened to the resource, attribute by attribute. */
function describe(r: DriftedResource): string {
  if (r.change === "removed") return "removed outside Terraform";
  return r.attributes
    .map((a) => {
      if (a.kind === "policy") {
        const parts = [a.added.length ? `${plural(a.added.length, "statement", "statements")} added` : "", a.removed.length ? `${plural(a.removed.length, "statement", "statements")} removed` : ""];
        return `${a.attribute}: ${parts.filter(Boolean).join(", ")}`;
      }
      if (a.kind === "list") return `${a.attribute}: ${[...a.added.map((x) => `+${x}`), ...a.removed.map((x) => `-${x}`)].join(" ")}`;
      return `${a.attribute}: ${a.before} -> ${a.after}`;
    })
    .join("; ");
}

/** The drift table, each policy's statements added and removed, and the stacks that failed, as printed. */
export function renderDrift(stacks: readonly StackDrift[]): string {
  const rows = [...stacks].sort((a, b) => byCodePoint(a.stack, b.stack));
  const table = rows.flatMap((s) => s.drifted.map((r) => [s.stack, r.address, r.change, describe(r)]));
  const lines: string[] = [];
  const failed = rows.filter((s) => s.error);
  const planned = rows.filter((s) => !s.error);
  if (table.length > 0) {
    const head = ["stack", "resource", "change", "outside Terraform"];
    const w = head.slice(0, 3).map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (r: readonly string[]) => `${r.slice(0, 3).map((c, i) => c.padEnd(w[i])).join("  ")}  ${r[3]}`.trimEnd();
    lines.push(line(head), ...table.map(line));
    const policies = rows.flatMap((s) =>
      s.drifted.flatMap((r) => [
        ...r.attributes.flatMap((a) => (a.kind === "policy" ? [[`${s.stack} ${r.address} ${a.attribute}:`, ...a.added.map((x) => `  + ${x}`), ...a.removed.map((x) => `  - ${x}`)]] : [])),
        ...r.addedPolicies.map((p) => [`${s.stack} ${r.address}: inline policy ${JSON.stringify(p.name)}, added by hand:`, ...p.statements.map((x) => `  + ${x}`)]),
      ]),
    );
    if (policies.length > 0) lines.push("", "Policy statements changed outside Terraform:", ...policies.flatMap((p) => ["", ...p]));
    const stacksWith = rows.filter((s) => s.drifted.length > 0).map((s) => s.stack);
    lines.push("", `Drift: ${plural(table.length, "resource", "resources")} in ${plural(stacksWith.length, "stack", "stacks")} (${stacksWith.join(", ")}); the next deploy of ${stacksWith.length === 1 ? "that stack" : "those stacks"} puts the map's values back.`);
  } else if (planned.length > 0) {
    lines.push(`No drift in ${failed.length ? "the " : ""}${plural(planned.length, "stack", "stacks")}${failed.length ? " that planned" : ""}: ${planned.map((s) => s.stack).join(", ")}.`);
  }
  const readBack = planned.reduce((n, s) => n + s.readBack.length, 0);
  if (readBack > 0) lines.push(`(${plural(readBack, "resource", "resources")} read back with computed attributes that no apply changes: not drift.)`);
  const pending = planned.filter((s) => s.pending.length > 0);
  if (pending.length > 0) {
    lines.push(`Not drift, not deployed yet: the map changes ${pending.map((s) => `${plural(s.pending.length, "resource", "resources")} in ${s.stack}`).join(", ")} (npm run plan).`);
  }
  if (failed.length > 0) {
    lines.push("", `${failed.length.toLocaleString("en-US")} of ${plural(rows.length, "stack", "stacks")} failed to plan, so ${failed.length === 1 ? "its" : "their"} drift is unknown: ${failed.map((s) => s.stack).join(", ")}`);
    for (const s of failed) lines.push("", `Plan of ${s.stack} failed:`, ...s.error!.split("\n").map((l) => (l ? `  ${l}` : "")));
  }
  return lines.join("\n");
}

/** 1 when a stack failed to plan, else 2 when any drifted, else 0. */
export function driftExitCode(stacks: readonly StackDrift[]): 0 | 1 | 2 {
  if (stacks.some((s) => s.error)) return 1;
  return stacks.some((s) => s.drifted.length > 0) ? 2 : 0;
}
