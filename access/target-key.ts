/**
 * What one target's evaluation is made of, as a digest: the key under which an
 * incremental access check (access-cache.ts) may reuse the target's access
 * entries and its probes' tallies from the last check.
 *
 * Everything the evaluation of one target reads (effective.ts `effectiveAccess`,
 * check.ts `probeRunner` and `tallyProbes`, for that target alone):
 *
 * - the target: its id, kind, account, policy, and each action's resource,
 *   context and key policy;
 * - its candidates, in order, each whole (kind, principal, account, ARNs,
 *   external ids, organization, web identity, source account) but for its
 *   identity policies, of which only the statements that can apply to a request
 *   on the target: those whose Resource matches one of the target's resources
 *   (matched without case, a superset), each with only its matching Resource
 *   entries, and every statement with NotResource, a policy variable or no
 *   Resource, whole. IAM applies no other statement of an
 *   identity policy to the request, Allow or Deny, so no other can change its
 *   answer; without this, onboarding an account, which adds a statement to
 *   identity's groups and roles, would change the key of every role they may
 *   assume. The candidates are asked for effective access, for the change and
 *   plain-HTTP probes, and (GitHub, SSO and service callers) as each of their
 *   variants;
 * - the outsiders, whole: the unknown-account probe asks them about every target;
 * - the grants declared on the target, in order, without where they stand in
 *   the map (the probes read their caller, level, actions, MFA and external id),
 *   and each one's caller (the level, MFA and external-id probes ask it);
 * - the groups of every stack a grant on the target comes from (the
 *   ungranted-group probe asks each of them); these callers, like the
 *   candidates, with only the identity statements that can apply to the target;
 * - for each SSO candidate, the accounts of the stacks its permission set is not
 *   assigned to (its unassigned-account variants);
 * - the map's organization id (it is in every request's context).
 *
 * The program itself (the evaluator, the kinds, how requests and probes are
 * built) is not in the key: the cache as a whole belongs to one program.
 * Each caller, target and grant is digested once (a WeakMap), so a key costs a
 * few hash lookups per candidate.
 */
import { sha256 } from "../synth-cache";
import { unassignedAccounts } from "./callers";
import { asList, groupBy, statementsOf, wildcardMatches } from "./policy-json";
import type { ShardFront } from "./shards";
import type { CallerSpec, Intent, StatementJson, TargetSpec } from "./types";

/** A function from a target to its key, for the targets of one front. */
export type TargetKeys = (t: TargetSpec) => string;

/** The keys of a front's targets. */
export function targetKeys(front: Pick<ShardFront, "model" | "inventory" | "callers" | "candidates" | "intents">): TargetKeys {
  const digests = new WeakMap<object, string>();
  const digest = (obj: object, text: () => string): string => {
    let d = digests.get(obj);
    if (d === undefined) digests.set(obj, (d = sha256(text())));
    return d;
  };
  const whole = (obj: CallerSpec | TargetSpec): string => digest(obj, () => JSON.stringify(obj));
  // Where a grant stands in the map is only in messages the gate writes afresh each time.
  // Its fields but declaredAt, which is not read: a getter that would look the grant's line up (intent.ts).
  const grant = (i: Intent): string => digest(i, () => JSON.stringify(Object.keys(i).filter((k) => k !== "declaredAt").map((k) => [k, i[k as keyof Intent]])));
  // A caller's identity statements, indexed by the resources they name (as candidates.ts indexes them).
  type Held = { rest: string; heads: string[]; statements: StatementJson[]; always: number[]; exact: Map<string, Entry[]>; byPrefix: Map<string, (Entry & { pattern: string })[]> };
  type Entry = { i: number; entry: number };
  const held = new WeakMap<CallerSpec, Held>();
  const heldOf = (c: CallerSpec): Held => {
    let h = held.get(c);
    if (h !== undefined) return h;
    const rest = JSON.stringify({ ...c, identity: c.identity.map((p) => ({ stack: p.stack, address: p.address, label: p.label })) });
    h = { rest, heads: [], statements: [], always: [], exact: new Map(), byPrefix: new Map() };
    for (const [k, p] of c.identity.entries()) {
      for (const st of statementsOf(p.document)) {
        const i = h.statements.length;
        h.heads.push(`${k} ${JSON.stringify(p.document.Version ?? null)}`);
        h.statements.push(st);
        const resources = asList(st.Resource).map((r) => r.toLowerCase());
        if (st.NotResource !== undefined || resources.length === 0 || resources.some((r) => r.includes("${"))) {
          h.always.push(i);
          continue;
        }
        for (const [entry, r] of resources.entries()) {
          const cut = r.search(/[*?]/);
          if (cut < 0) h.exact.set(r, [...(h.exact.get(r) ?? []), { i, entry }]);
          else h.byPrefix.set(r.slice(0, cut), [...(h.byPrefix.get(r.slice(0, cut)) ?? []), { pattern: r, i, entry }]);
        }
      }
    }
    held.set(c, h);
    return h;
  };
  /**
   * A candidate as a target sees it: whole, but for its identity statements, of
   * which only those that can apply to a request on the target, each with only the
   * entries of its Resource that match one of the target's resources (a statement
   * applies to a request when one of its entries matches, so the others cannot
   * change the answer).
   */
  const candidate = (c: CallerSpec, resources: readonly string[]): string => {
    if (c.identity.length === 0) return whole(c);
    const h = heldOf(c);
    const matched = new Map<number, Set<number>>(h.always.map((i) => [i, new Set<number>()]));
    const add = ({ i, entry }: Entry) => (matched.get(i) ?? matched.set(i, new Set()).get(i)!).add(entry);
    for (const r of resources) {
      for (const e of h.exact.get(r) ?? []) add(e);
      // Both sides are lowercased already, and patterns with a policy variable are in `always`: matched as they are.
      for (let n = 0; n <= r.length; n++) for (const e of h.byPrefix.get(r.slice(0, n)) ?? []) if (wildcardMatches(e.pattern, r)) add(e);
    }
    const texts = [...matched.keys()].sort((x, y) => x - y).map((i) => {
      const st = h.statements[i];
      const entries = asList(st.Resource);
      const kept = h.always.includes(i) ? st : { ...st, Resource: entries.filter((_, n) => matched.get(i)!.has(n)) };
      return `${h.heads[i]} ${JSON.stringify(kept)}`;
    });
    return sha256(`${h.rest}\n${texts.join("\n")}`);
  };
  const unassigned = new WeakMap<CallerSpec, string>();
  const unassignedOf = (c: CallerSpec): string => {
    let d = unassigned.get(c);
    if (d === undefined) unassigned.set(c, (d = sha256(JSON.stringify(unassignedAccounts(front.inventory, c)))));
    return d;
  };
  const callerById = new Map(front.callers.map((c) => [c.id, c]));
  const outsiders = front.callers.filter((c) => c.kind === "outsider");
  const groupsByStack = groupBy(front.callers.filter((c) => c.kind === "group"), (c) => c.stack ?? "");
  const intentsByTarget = groupBy(front.intents, (i) => i.target);
  const organization = front.model.organizationId ?? "";

  return (t) => {
    const candidates = front.candidates.get(t.id) ?? [];
    const intents = intentsByTarget.get(t.id) ?? [];
    const intentCallers = intents.map((i) => callerById.get(i.caller));
    const resources = [...new Set(t.actions.map((ta) => ta.resource.toLowerCase()))];
    const stacks = [...new Set(intentCallers.map((c) => c?.stack).filter((s): s is string => s !== undefined))];
    const lines = [
      `organization ${JSON.stringify(organization)}`,
      `target ${whole(t)}`,
      `candidates ${candidates.map((c) => candidate(c, resources)).join(" ")}`,
      `outsiders ${outsiders.map(whole).join(" ")}`,
      `intents ${intents.map(grant).join(" ")}`,
      `intent callers ${intentCallers.map((c) => (c ? candidate(c, resources) : "-")).join(" ")}`,
      `groups ${stacks.map((s) => `${JSON.stringify(s)}:${(groupsByStack.get(s) ?? []).map((c) => candidate(c, resources)).join(",")}`).join(" ")}`,
      `unassigned ${candidates.map((c) => (c.kind === "sso" ? unassignedOf(c) : "-")).join(" ")}`,
    ];
    return sha256(lines.join("\n"));
  };
}
