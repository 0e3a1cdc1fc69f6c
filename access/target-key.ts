/**
 * What one target's evaluation is made of, as a digest: the key under which an
 * incremental access check (access-cache.ts) may reuse the target's access
 * entries and the answers of its probe runs from the last check.
 *
 * Everything the evaluation of one target reads (effective.ts `effectiveAccess`,
 * check.ts `probeRunsOf` and `answerProbes`, for that target alone):
 *
 * - the target: its id, kind, account, policy, and each action's resource,
 *   context and key policy;
 * - its candidates, in order, each whole (identity documents, kind, principal,
 *   account, ARNs, external ids, organization, web identity, source account):
 *   they are asked for effective access, for the change and plain-HTTP probes,
 *   and (GitHub, SSO and service callers) as each of their variants;
 * - the outsiders, whole: the unknown-account probe asks them about every target;
 * - the grants declared on the target, in order, without where they stand in
 *   the map (the probes read their caller, level, actions, MFA and external id),
 *   and each one's caller whole (the level, MFA and external-id probes ask it);
 * - the groups of every stack a grant on the target comes from (the
 *   ungranted-group probe asks each of them);
 * - for each SSO candidate, the accounts of the stacks its permission set is not
 *   assigned to (its unassigned-account variants);
 * - the map's organization id (it is in every request's context).
 *
 * The program itself (the evaluator, the kinds, how requests and probes are
 * built) is not in the key: the cache as a whole belongs to one program.
 * Each caller, target and grant is digested once (a WeakMap), so a key costs a
 * few hash lookups per candidate.
 */
import { createHash } from "node:crypto";
import { unassignedAccounts } from "./callers";
import { groupBy } from "./policy-json";
import type { Front } from "./shards";
import type { CallerSpec, Intent, TargetSpec } from "./types";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** A function from a target to its key, for the targets of one front. */
export type TargetKeys = (t: TargetSpec) => string;

/** The keys of a front's targets. */
export function targetKeys(front: Pick<Front, "model" | "inventory" | "callers" | "candidates" | "intents">): TargetKeys {
  const digests = new WeakMap<object, string>();
  const digest = (obj: object, text: () => string): string => {
    let d = digests.get(obj);
    if (d === undefined) digests.set(obj, (d = sha256(text())));
    return d;
  };
  const whole = (obj: CallerSpec | TargetSpec): string => digest(obj, () => JSON.stringify(obj));
  // Where a grant stands in the map is only in messages the gate writes afresh each time.
  const grant = (i: Intent): string => digest(i, () => JSON.stringify({ ...i, declaredAt: undefined }));
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
    const stacks = [...new Set(intentCallers.map((c) => c?.stack).filter((s): s is string => s !== undefined))];
    const lines = [
      `organization ${JSON.stringify(organization)}`,
      `target ${whole(t)}`,
      `candidates ${candidates.map(whole).join(" ")}`,
      `outsiders ${outsiders.map(whole).join(" ")}`,
      `intents ${intents.map(grant).join(" ")}`,
      `intent callers ${intentCallers.map((c) => (c ? whole(c) : "-")).join(" ")}`,
      `groups ${stacks.map((s) => `${JSON.stringify(s)}:${(groupsByStack.get(s) ?? []).map(whole).join(",")}`).join(" ")}`,
      `unassigned ${candidates.map((c) => (c.kind === "sso" ? unassignedOf(c) : "-")).join(" ")}`,
    ];
    return sha256(lines.join("\n"));
  };
}
