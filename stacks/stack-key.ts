/**
 * What one account stack is built from, as text: the key under which an
 * incremental synth (synth-cache.ts) may reuse the stack's previous output
 * without planning the account again.
 *
 * The builder (`AccountStack`) reads its props and nothing else: the account's
 * plan, the map's state block and tags, the emulator endpoint and the account's
 * import records. The key holds those props with the plan's inputs in place of
 * the plan (policies/inputs.ts: the account's declarations, those of every
 * account that names its groups or roles, the role ARNs its compact form
 * guards, the map-wide parts), so that a stack whose inputs did not change is
 * neither planned nor built. The inputs are a graph into the frozen model (a
 * role's callers are groups of other accounts, an alert names a role
 * elsewhere, a permission set its accounts); the text walks all of it, with
 * three rules:
 *
 * - An account of the map met by reference (a caller's account, a resource's)
 *   is written with its own scalar fields only (name, id, region, deploy role),
 *   never its lists of groups, roles or resources: the inputs hold, as copies
 *   written whole, every account whose declarations the plan reads.
 * - `at` (where a declaration stands in the map file) is left out: the planner
 *   and the builder read it only to locate an error, and a line inserted above
 *   an account must not rebuild it (a kept stack's checks passed on the same
 *   inputs). test/stacks/stack-key.test.ts builds each fixture's stacks from
 *   plans whose every `at`, and every account's lists, throw when read.
 * - A resource kind is its id; functions are code (in the program's digest).
 *   A policy document is plain JSON (it is written to the stack as such), so
 *   it is written with JSON.stringify, the native and faster way.
 *
 * An object met again is written as `{"@seen":n}`, its order of first writing:
 * shared parts and cycles (a role's account is the stack's own) are written once.
 * Pure; the same props always give the same text.
 */
import type { Model } from "../config/model";
import type { PlanInputs } from "../policies/inputs";
import { KINDS } from "../resources";

/** A stack's key inputs: `AccountStack`'s props, with the plan's inputs in place of the plan. */
export interface StackInputs {
  readonly plan: PlanInputs;
  readonly state: Model["state"];
  readonly tags: Model["tags"];
  readonly localEndpoint?: string;
  readonly imports: ReadonlyMap<string, string>;
}


const KIND_IDS = new Map<object, string>(KINDS.map((k) => [k, k.id]));

/** A policy document (policies/document.ts): `Version` and `Statement`, nothing else. */
function isDocument(obj: object): boolean {
  const keys = Object.keys(obj);
  return keys.length === 2 && keys[0] === "Version" && keys[1] === "Statement";
}

/** Fields of an object the key leaves out: see the module comment. */
const LEFT_OUT = new Set(["at"]);

/**
 * The canonical text of a stack's inputs ({@link StackInputs}, or the props of
 * `AccountStack`). `accounts` is every account of the map (the model's list),
 * each written by its scalar fields where it is met by reference.
 */
export function stackKeyText(input: object, accounts: ReadonlySet<object>): string {
  const seen = new Map<object, number>();
  const parts: string[] = [];
  const scalar = (v: unknown): string | undefined => {
    if (v === null) return "null";
    switch (typeof v) {
      case "string":
      case "boolean":
        return JSON.stringify(v);
      case "number":
        return Number.isFinite(v) ? JSON.stringify(v) : `"${String(v)}"`;
      case "bigint":
        return `"${v}n"`;
      default:
        return undefined;
    }
  };
  const write = (v: unknown): void => {
    const s = scalar(v);
    if (s !== undefined) return void parts.push(s);
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return void parts.push("null");
    const obj = v as object;
    const kind = KIND_IDS.get(obj);
    if (kind !== undefined) return void parts.push(`{"@kind":${JSON.stringify(kind)}}`);
    const at = seen.get(obj);
    if (at !== undefined) return void parts.push(`{"@seen":${at}}`);
    seen.set(obj, seen.size);
    if (accounts.has(obj)) {
      // An account, the stack's own too: its own scalar fields only.
      const fields = Object.entries(obj).flatMap(([k, x]) => {
        const t = LEFT_OUT.has(k) ? undefined : scalar(x);
        return t === undefined ? [] : [`${JSON.stringify(k)}:${t}`];
      });
      return void parts.push(`{"@account":{${fields.join(",")}}}`);
    }
    // A policy document is plain JSON by construction (it is written as JSON.stringify writes it): the fast way.
    if (isDocument(obj)) return void parts.push(JSON.stringify(obj));
    if (Array.isArray(obj)) return list("[", obj, "]");
    if (obj instanceof Map) return list('{"@map":[', [...obj].flat(), "]}");
    if (obj instanceof Set) return list('{"@set":[', [...obj], "]}");
    parts.push("{");
    let first = true;
    for (const [k, x] of Object.entries(obj)) {
      if (LEFT_OUT.has(k) || x === undefined || typeof x === "function") continue;
      parts.push(`${first ? "" : ","}${JSON.stringify(k)}:`);
      first = false;
      write(x);
    }
    parts.push("}");
  };
  const list = (open: string, items: readonly unknown[], close: string): void => {
    parts.push(open);
    items.forEach((x, i) => {
      if (i > 0) parts.push(",");
      write(x);
    });
    parts.push(close);
  };
  write(input);
  return parts.join("");
}
