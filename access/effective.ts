/**
 * Effective access: every caller against every target, each request evaluated with
 * both halves, first in the best context the caller can present (TLS, MFA, its
 * external id, its principal ARN and organization), then without each of those
 * to learn which conditions it needs.
 */
import { kindById } from "../resources";
import type { Candidates } from "./candidates";
import type { Decision, Evaluator, SimRequest } from "./evaluator";
import { byText, objectId } from "./policy-json";
import type { Access, CallerSpec, TargetAction, TargetSpec } from "./types";
import { callerFor, moreContext } from "./callers";
import { namesContextKey } from "./narrow";

/** The request context that can vary. `null` external id: none sent. */
export interface Scenario {
  readonly mfa: "true" | "false" | "absent";
  readonly externalId: string | null;
  readonly tls: "true" | "false";
  /** `false`: leave `aws:PrincipalArn` out, to learn whether a policy needs it. */
  readonly principalArn?: false;
  /** `false`: leave `aws:PrincipalOrgID` out, to learn whether a policy needs it. */
  readonly organizationId?: false;
}

/** A wrong external id for probes: no policy should hold it. */
export const WRONG_EXTERNAL_ID = "access-probe-wrong-external-id";

/** Services carry no MFA; everyone else may (people, and role sessions started with MFA). */
export const canPresentMfa = (c: CallerSpec): boolean => c.kind !== "service";

/** The best contexts a caller can present: one per external id it knows (or one without). */
export function bestScenarios(c: CallerSpec): Scenario[] {
  const mfa = canPresentMfa(c) ? "true" : "absent";
  const ids = c.externalIds.length > 0 ? c.externalIds : [null];
  return ids.map((externalId) => ({ mfa, externalId, tls: "true" }));
}

/** Only sts:AssumeRole carries an external id: for other actions a scenario's external id changes nothing. */
const sendsExternalId = (action: string): boolean => action.toLowerCase() === "sts:assumerole";

/** Request context keys for a caller in a scenario. iam-simulate fills none of these itself. */
export function contextFor(c: CallerSpec, action: string, s: Scenario, organizationId?: string): Record<string, string> {
  const ctx: Record<string, string> = { "aws:SecureTransport": s.tls };
  if (s.mfa !== "absent") ctx["aws:MultiFactorAuthPresent"] = s.mfa;
  if (c.principalArn && s.principalArn !== false) ctx["aws:PrincipalArn"] = c.principalArn;
  if (c.accountId) ctx["aws:PrincipalAccount"] = c.accountId;
  if (c.kind === "service") ctx["aws:PrincipalServiceName"] = c.principal;
  if (organizationId && c.inOrganization && s.organizationId !== false) ctx["aws:PrincipalOrgID"] = organizationId;
  if (s.externalId !== null && sendsExternalId(action)) ctx["sts:ExternalId"] = s.externalId;
  return { ...ctx, ...moreContext(c, action) };
}

/** True when the pair is evaluated at all: resources outside the stacks only for callers whose policies the stacks hold. */
export function isEvaluated(c: CallerSpec, t: TargetSpec): boolean {
  return t.kind !== "resource" || c.kind === "group" || c.kind === "role";
}

/** The request for one caller, target action and scenario. */
export function requestFor(caller: CallerSpec, t: TargetSpec, ta: TargetAction, s: Scenario, organizationId?: string): SimRequest {
  const c = callerFor(caller, t);
  return {
    principal: c.principal,
    action: ta.action,
    resource: ta.resource,
    // Outside resources: the caller's own account, so that only its own half decides.
    resourceAccount: t.accountId ?? c.accountId ?? "000000000000",
    identity: c.identityOutside ? "outside" : c.identity,
    ...(ta.keyPolicy ? { resourcePolicy: ta.keyPolicy } : t.policy ? { resourcePolicy: t.policy } : {}),
    context: { ...ta.context, ...contextFor(c, ta.action, s, organizationId) },
  };
}

/**
 * The decision for one caller, target action and scenario. Most requests of the
 * check are asked more than once as they are: the probes ask again what effective
 * access asked (a change action of a candidate, a group of a granted account), and
 * the external ids of a caller give the same request for every action but
 * sts:AssumeRole. Such a request is answered from a memo keyed by the objects it
 * is built from (the specs are read once from the stacks and never changed), so
 * it is not built again: at 1,000 accounts of the benchmark's map, building and
 * keying the requests was 9% of the check (docs/benchmarks.md).
 */
export function decisionFor(evaluator: Evaluator, caller: CallerSpec, t: TargetSpec, ta: TargetAction, s: Scenario, organizationId?: string): Promise<Decision> {
  let memo = decided.get(evaluator);
  if (!memo) decided.set(evaluator, (memo = new Map()));
  const key = `${objectId(caller)} ${objectId(t)} ${objectId(ta)} ${scenarioKey(s, sendsExternalId(ta.action))} ${organizationId ?? ""}`;
  let d = memo.get(key);
  if (!d) {
    d = evaluator.evaluate(requestFor(caller, t, ta, s, organizationId));
    memo.set(key, d);
  }
  return d;
}

const decided = new WeakMap<Evaluator, Map<string, Promise<Decision>>>();

/** Drops the evaluator's memos and the decisions asked of it: when a target is done (access/shards.ts), none of its requests is asked again. */
export function forgetDecisions(evaluator: Evaluator): void {
  decided.delete(evaluator);
  evaluator.forget();
}
const scenarioKey = (s: Scenario, externalId: boolean): string =>
  `${s.mfa} ${s.tls} ${s.principalArn ?? ""} ${s.organizationId ?? ""} ${!externalId || s.externalId === null ? "-" : JSON.stringify(s.externalId)}`;

/** The decision in the caller's best context: the first of its external ids that is allowed, else the first tried. */
export async function bestDecision(
  evaluator: Evaluator,
  c: CallerSpec,
  t: TargetSpec,
  ta: TargetAction,
  organizationId?: string,
): Promise<{ decision: Decision; scenario: Scenario }> {
  let first: { decision: Decision; scenario: Scenario } | undefined;
  for (const scenario of bestScenarios(c)) {
    const decision = await decisionFor(evaluator, c, t, ta, scenario, organizationId);
    if (decision.result === "Allowed") return { decision, scenario };
    first ??= { decision, scenario };
  }
  return first!;
}

const denied = (d: Decision): boolean => d.result !== "Allowed";

/**
 * True when a policy of the request names the condition key: only then can leaving it out change the decision.
 * Read from the compiled statements (narrow.ts), not from each policy's text: at 10,000 accounts of the
 * benchmark's map a lowercased copy of every policy was 113 MB held in each thread for the whole check.
 */
function mentions(c: CallerSpec, t: TargetSpec, ta: TargetAction, key: string): boolean {
  const resource = ta.keyPolicy ?? t.policy;
  const policies = [...(resource ? [resource] : []), ...(c.identityOutside ? [] : c.identity)];
  return policies.some((p) => namesContextKey(p.document, key));
}

/** Which conditions an allowed request needs: each is dropped in turn, and needed when the request is then denied. */
async function conditionsOf(evaluator: Evaluator, c: CallerSpec, t: TargetSpec, ta: TargetAction, best: Scenario, organizationId?: string): Promise<Omit<Access, "caller" | "target" | "action">> {
  const run = (s: Scenario) => decisionFor(evaluator, c, t, ta, s, organizationId);
  // A condition key that no policy of the request names cannot change its decision: such a drop is not asked
  // (at 100 accounts of the benchmark's map, a third of these requests; docs/benchmarks.md).
  const needs = (key: string) => mentions(c, t, ta, key);
  const mfa = best.mfa === "true" && needs("aws:MultiFactorAuthPresent") && denied(await run({ ...best, mfa: "false" })) && denied(await run({ ...best, mfa: "absent" }));
  const externalId =
    best.externalId !== null && needs("sts:ExternalId") && denied(await run({ ...best, externalId: null })) && denied(await run({ ...best, externalId: WRONG_EXTERNAL_ID }))
      ? best.externalId
      : undefined;
  // Only the stacks' resources of a TLS-only kind: an outside resource's policy is not in the stacks, so its TLS rule is unknown.
  const tls = !ta.keyPolicy && kindById(t.kind)?.access.tlsOnly ? needs("aws:SecureTransport") && denied(await run({ ...best, tls: "false" })) : undefined;
  // Narrowings the caller cannot choose to present, but that a change to a policy can drop: asked so that the diff can tell.
  const principalArn = c.principalArn && needs("aws:PrincipalArn") && denied(await run({ ...best, principalArn: false })) ? c.principalArn : undefined;
  const inOrg =
    organizationId !== undefined && c.inOrganization && needs("aws:PrincipalOrgID") && denied(await run({ ...best, organizationId: false })) ? organizationId : undefined;
  return {
    mfa,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(principalArn !== undefined ? { principalArn } : {}),
    ...(inOrg !== undefined ? { organizationId: inOrg } : {}),
  };
}

/** Every allowed (caller, target, action) with the conditions it needs, sorted. Only candidates are asked (see candidates.ts). */
export async function effectiveAccess(evaluator: Evaluator, targets: readonly TargetSpec[], candidates: Candidates, organizationId?: string): Promise<Access[]> {
  const out: Access[] = [];
  for (const t of targets) {
    for (const c of candidates.get(t.id) ?? []) {
      if (!isEvaluated(c, t)) continue;
      for (const ta of t.actions) {
        const { decision, scenario } = await bestDecision(evaluator, c, t, ta, organizationId);
        if (decision.result !== "Allowed") continue;
        out.push({ caller: c.id, target: t.id, action: ta.action, ...(await conditionsOf(evaluator, c, t, ta, scenario, organizationId)) });
      }
    }
  }
  return sortAccess(out);
}

/** Sorts by caller, target, action. */
export function sortAccess(list: readonly Access[]): Access[] {
  // Field by field, as their joined text would sort (ids hold no U+0000), with no text built per comparison:
  // the merge of two shards at 10,000 accounts sorts 509,753 requests.
  return [...list].sort((a, b) => byText(a.caller, b.caller) || byText(a.target, b.target) || byText(a.action, b.action));
}
