/**
 * What one account's plan (plan.ts) is computed from, found from the model
 * alone, before any planning: so that an incremental synth (app.ts) plans only
 * the stacks whose inputs changed, and keeps the others without planning them.
 *
 * An account's plan reads:
 * - its own declarations (roles and their callers, groups, policies, resources
 *   and their grants): the trust and resource halves;
 * - the declarations of every account that names one of its groups or roles as
 *   a caller or grantee: the identity halves land in its inline policies (in
 *   map order, so the order of those accounts counts too);
 * - for the compact form of an identity policy (compact.ts), the ARNs of the
 *   map's roles of each name its groups and roles may assume;
 * - the map-wide parts: the organization id, the external accounts, Identity
 *   Center and the baseline.
 * The Identity Center account (its permission sets hold the identity halves of
 * every grant to an `sso` caller) and the audit account (its bucket lets every
 * account's trail write) read every account.
 *
 * Pure; a test (test/policies/inputs.test.ts) checks that planning only some
 * accounts gives their plans exactly as planning the whole map does.
 */
import type { Account, Caller, Model, Principal, SharedResource } from "../config/model";
import { byCodePoint } from "../config/order";
import { KINDS, section } from "../resources";

/** The account whose plan holds the identity half of a grant to this principal: a group's or role's, a permission set's; else undefined (externals, services, GitHub). */
export function holderAccount(p: Principal): Account | undefined {
  if (p.kind === "group" || p.kind === "role") return p.account;
  if (p.kind === "sso") return p.permissionSet.account;
  return undefined;
}

/**
 * Per account, the accounts whose declarations its plan reads: itself first,
 * then the others in map order (the Identity Center and audit accounts: all).
 */
export function planDependencies(model: Model): Map<Account, Account[]> {
  const into = new Map<Account, Set<Account>>(model.accounts.map((a) => [a, new Set([a])]));
  const wholeMap = [model.identityCenter?.account, model.baseline?.audit?.account].filter((a): a is Account => a !== undefined);
  const names = (holder: Account | undefined, from: Account) => {
    if (holder) into.get(holder)!.add(from);
  };
  for (const from of model.accounts) {
    for (const role of from.roles) for (const c of role.callers) names(holderAccount(c.principal), from);
    for (const kind of KINDS) for (const r of section<SharedResource>(from, kind)) for (const g of r.grants) names(holderAccount(g.grantee), from);
  }
  const order = new Map(model.accounts.map((a, i) => [a, i]));
  const inOrder = (own: Account, set: Iterable<Account>) => [own, ...[...set].filter((a) => a !== own).sort((a, b) => order.get(a)! - order.get(b)!)];
  return new Map(model.accounts.map((a) => [a, inOrder(a, wholeMap.includes(a) ? model.accounts : into.get(a)!)]));
}

/**
 * What another account declares that writes into an account's plan: each of its
 * roles and resources that names a group, role or permission set of the account,
 * with only the callers or grants that do (the identity half of a grant reads the
 * role's ARN, or the resource's own fields, and that caller or grant alone), in
 * the order the planner walks them.
 */
export interface Inbound {
  readonly account: Account;
  readonly roles: readonly { readonly name: string; readonly arn: string; readonly callers: readonly Caller[] }[];
  readonly resources: readonly object[];
}

/** An account's plan inputs, as data for the stack key (stacks/stack-key.ts writes it as text). */
export interface PlanInputs {
  /** The account with all its declarations (a copy, so that the key writes it whole). */
  readonly account: object;
  /** What each other account naming it declares so, in map order. */
  readonly from: readonly Inbound[];
  /** For each role name the account's groups and roles may assume elsewhere, every role ARN of the map of that name (the compact form's guard). */
  readonly roleArns: readonly (readonly [string, readonly string[]])[];
  /** The audit account's bucket policy lets every account's trail write: the map's accounts, by their own fields. */
  readonly accounts?: readonly Account[];
  readonly organizationId?: string;
  readonly externals: Model["externals"];
  readonly identityCenter?: Model["identityCenter"];
  readonly baseline?: Model["baseline"];
}

const byName = <T extends { name: string }>(a: T, b: T) => byCodePoint(a.name, b.name);
const byRef = <T extends { ref: string }>(a: T, b: T) => byCodePoint(a.ref, b.ref);

/** Every account's {@link PlanInputs}. */
export function planInputs(model: Model): Map<Account, PlanInputs> {
  const arnsByName = new Map<string, string[]>();
  const assumable = new Map<Account, Set<string>>();
  // Per account, what the others declare into it, built in the planner's walk order (plan.ts).
  const inbound = new Map<Account, Map<Account, { roles: Inbound["roles"][number][]; resources: object[] }>>();
  const entry = (into: Account, from: Account) => {
    let byFrom = inbound.get(into);
    if (!byFrom) inbound.set(into, (byFrom = new Map()));
    let e = byFrom.get(from);
    if (!e) byFrom.set(from, (e = { roles: [], resources: [] }));
    return e;
  };
  /** The callers (or grants) of a declaration of `from`, by the account whose plan holds their identity half, other than `from`. */
  const split = <T>(items: readonly T[], principal: (t: T) => Principal, from: Account): Map<Account, T[]> => {
    const out = new Map<Account, T[]>();
    for (const t of items) {
      const holder = holderAccount(principal(t));
      if (holder && holder !== from) out.set(holder, [...(out.get(holder) ?? []), t]);
    }
    return out;
  };
  for (const from of model.accounts) {
    for (const role of [...from.roles].sort(byName)) {
      const arns = arnsByName.get(role.name);
      if (arns) arns.push(role.arn);
      else arnsByName.set(role.name, [role.arn]);
      for (const c of role.callers) {
        const holder = holderAccount(c.principal);
        if (holder) assumable.set(holder, (assumable.get(holder) ?? new Set()).add(role.name));
      }
      for (const [into, callers] of split([...role.callers].sort(byRef), (c) => c.principal, from)) entry(into, from).roles.push({ name: role.name, arn: role.arn, callers });
    }
    for (const kind of KINDS) {
      for (const resource of [...section<SharedResource>(from, kind)].sort(byName)) {
        for (const [into, grants] of split([...resource.grants].sort(byRef), (g) => g.grantee, from)) entry(into, from).resources.push({ ...resource, grants });
      }
    }
  }
  const audit = model.baseline?.audit?.account;
  return new Map(
    model.accounts.map((account) => {
      const roleNames = [...(assumable.get(account) ?? [])].sort(byCodePoint);
      const inputs: PlanInputs = {
        account: { ...account },
        from: [...(inbound.get(account) ?? [])].map(([from, e]) => ({ account: from, ...e })),
        roleArns: roleNames.map((n) => [n, arnsByName.get(n)!] as const),
        ...(account === audit ? { accounts: model.accounts } : {}),
        organizationId: model.organizationId,
        externals: model.externals,
        identityCenter: model.identityCenter,
        baseline: model.baseline,
      };
      return [account, inputs];
    }),
  );
}
