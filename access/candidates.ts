/**
 * Which callers can possibly reach a target, read from the target's own policy,
 * so that the evaluator is asked about grants rather than every caller against
 * every target (accounts squared).
 *
 * Sound because of how IAM decides: a request across accounts is allowed only
 * when the resource's policy allows the caller, which it can do only by naming the
 * caller's account, the caller's ARN, its service, or `*`. So a caller is a
 * candidate for a target when it is in the target's account (its own identity
 * policy may be enough there), or the target's policy names it, or the policy has
 * a `*` principal (then every caller is); and, unless the policy names it by
 * ARN in its own account, the caller's own identity half must allow it too, which
 * needs an Allow statement whose Resource matches the target (callers whose
 * policies live outside the stacks, and services, are assumed to have one).
 * Resources outside the stacks are evaluated in the caller's own account:
 * candidates are the callers whose identity policies name a matching resource.
 * Everyone else is denied without asking; the outsider probe still asks about
 * every target.
 */
import { asList, globMatches, hasWildcard, principalsOf, rootAccount, statementsOf } from "./policy-json";
import type { CallerSpec, TargetSpec } from "./types";

/** Candidate callers per target id. */
export type Candidates = ReadonlyMap<string, readonly CallerSpec[]>;

export function candidatesOf(callers: readonly CallerSpec[], targets: readonly TargetSpec[]): Candidates {
  const byAccount = new Map<string, CallerSpec[]>();
  const byArn = new Map<string, CallerSpec[]>();
  const byService = new Map<string, CallerSpec[]>();
  for (const c of callers) {
    if (c.accountId) append(byAccount, c.accountId, c);
    if (c.arn) append(byArn, c.arn, c);
    if (c.principalArn && c.principalArn !== c.arn) append(byArn, c.principalArn, c);
    if (c.kind === "service") append(byService, c.principal, c);
  }
  const index = identityIndex(callers);
  // Callers whose own half can allow a request to the target: their policies are outside the stacks, they are a service, or one of their Allow statements names a resource of the target.
  // Each resource once: a target's actions share a few resources (at 10,000 accounts of the benchmark's map, 1.1 million actions).
  const reachers = (t: TargetSpec): Set<CallerSpec> => new Set([...new Set(t.actions.map((ta) => ta.resource))].flatMap(index));
  const ownHalfAssumed = (c: CallerSpec) => c.identityOutside || c.kind === "service" || c.kind === "github";
  const webIdentity = callers.filter((c) => c.kind === "github");
  // Groups and roles by their place among the callers: a resource outside the stacks takes those that reach it, in that order,
  // found from the few that reach it rather than by testing every holder (quadratic: 27% of the front at 10,000 accounts).
  const holderOrder = new Map(callers.filter((c) => c.kind === "group" || c.kind === "role").map((c, i) => [c, i]));
  const out = new Map<string, CallerSpec[]>();
  for (const t of targets) {
    const reach = reachers(t);
    if (t.kind === "resource") {
      out.set(t.id, [...reach].filter((c) => holderOrder.has(c)).sort((a, b) => holderOrder.get(a)! - holderOrder.get(b)!));
      continue;
    }
    // Named by the resource policy: by account root (the caller's own half must allow too), or by ARN or service (enough on its own in the same account).
    const byRoot = new Set<CallerSpec>();
    const direct = new Set<CallerSpec>();
    let everyone = false;
    // The target's policy and, for requests on a resource's own key, the key's policy: either may name the caller.
    const documents = [t.policy, ...new Set(t.actions.map((ta) => ta.keyPolicy))].filter((p) => p !== undefined);
    for (const s of documents.flatMap((p) => statementsOf(p.document))) {
      if (s.Effect !== "Allow") continue;
      const p = principalsOf(s);
      if (p.wildcard || s.NotPrincipal !== undefined || p.aws.some(hasWildcard)) everyone = true;
      for (const a of p.aws) {
        const account = rootAccount(a);
        if (account) for (const c of byAccount.get(account) ?? []) byRoot.add(c);
        else for (const c of byArn.get(a) ?? []) direct.add(c);
      }
      for (const service of p.service) for (const c of byService.get(service) ?? []) direct.add(c);
      // A web-identity provider: every GitHub caller may present a token to it; the trust's conditions decide.
      if (p.other.length > 0) for (const c of webIdentity) direct.add(c);
    }
    const sameAccount = (c: CallerSpec) => t.accountId !== undefined && c.accountId === t.accountId;
    const pool = everyone ? callers : [...new Set([...(t.accountId ? (byAccount.get(t.accountId) ?? []) : []), ...byRoot, ...direct])];
    out.set(
      t.id,
      pool.filter((c) => (sameAccount(c) && direct.has(c)) || ownHalfAssumed(c) || reach.has(c)),
    );
  }
  return out;
}

/**
 * For a resource ARN, the callers with an Allow statement whose Resource matches it.
 * Exact ARNs are looked up; patterns are filed under their text before the first
 * wildcard, so a lookup tests only the patterns whose prefix the ARN starts with.
 */
function identityIndex(callers: readonly CallerSpec[]): (resource: string) => CallerSpec[] {
  const exact = new Map<string, CallerSpec[]>();
  const byPrefix = new Map<string, { pattern: string; caller: CallerSpec }[]>();
  const everything: CallerSpec[] = [];
  for (const c of callers) {
    for (const p of c.identity) {
      for (const s of statementsOf(p.document)) {
        if (s.Effect !== "Allow") continue;
        if (s.NotResource !== undefined) everything.push(c);
        for (const r of asList(s.Resource)) {
          const cut = r.search(/[*?]|\$\{/);
          if (cut < 0) append(exact, r, c);
          else append(byPrefix, r.slice(0, cut), { pattern: r, caller: c });
        }
      }
    }
  }
  return (resource) => {
    const out = [...everything, ...(exact.get(resource) ?? [])];
    for (let i = 0; i <= resource.length; i++) {
      for (const e of byPrefix.get(resource.slice(0, i)) ?? []) if (globMatches(e.pattern, resource, false)) out.push(e.caller);
    }
    return out;
  };
}

function append<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
