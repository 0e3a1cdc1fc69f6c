/**
 * Model → one {@link AccountPlan} per account: every policy document each stack
 * will hold, computed before any construct exists so it can be checked and tested
 * without synthesis.
 */
import { byCodePoint } from "../config/order";
import type { Account, CustomerPolicy, Group, IdentityHolder, Model, Principal, Role, SharedResource } from "../config/model";
import { type Kind, KINDS, type ResourceKind, section } from "../resources";
import { compactAssumeRoles } from "./compact";
import { policyDocument, policySize, type PolicyDocument, type Statement } from "./document";
import { LIMITS } from "./quotas";
import { assumeRoleGrant, resourceGrant, type GrantHalves } from "./grants";
import { callerPlans, type CallerPlans, mergeGithubTrust } from "./callers";
import { KEY_POLICY_CHARACTERS, keyAdministration } from "../resources/kms";
import { bucketKind } from "../resources/bucket";
import { type BaselinePlans, planBaseline } from "./baseline";
import { holderAccount, planDependencies } from "./inputs";

export interface RolePlan {
  readonly role: Role;
  readonly trustPolicy: PolicyDocument;
  /** Everything the map grants the role as a caller (assume-role and resource access); undefined when nothing. */
  readonly inlinePolicy?: PolicyDocument;
}

export interface GroupPlan {
  readonly group: Group;
  readonly inlinePolicy?: PolicyDocument;
}

/** A shareable resource and its resource policy, and the other documents it holds (its own key's policy). */
export interface ResourcePlan {
  readonly kind: ResourceKind;
  readonly resource: SharedResource;
  readonly policy: PolicyDocument;
  /** Further documents of the entry, each with its own quota: measured, built and read back like the policy. */
  readonly extra: readonly ExtraDocument[];
}

/** A document of a plan entry beside its resource policy. */
export interface ExtraDocument {
  /** What it is to the builders (`key`: the policy of the resource's own key). */
  readonly id: "key";
  /** In words, for messages (`key policy`). */
  readonly what: string;
  readonly document: PolicyDocument;
  /** Its quota, characters not counting whitespace, and the hint when it is over. */
  readonly characters: number;
  readonly hint: string;
}

/** A plan entry of one kind: the resource is also under the kind's id (`bucket`), as the stacks and tests read it. */
export type ResourcePlanOf<K extends Kind> = ResourcePlan & { readonly [P in K["id"]]: SharedResource };

/** One list of entries per kind, under its section name (`buckets`). */
export type ResourcePlans = { readonly [K in Kind as K["section"]]: readonly ResourcePlanOf<K>[] };

export interface CustomerPolicyPlan {
  readonly policy: CustomerPolicy;
  readonly document: PolicyDocument;
}

/** What one account's stack holds: its IAM entities and, per kind, its shareable resources. */
export type AccountPlan = {
  readonly account: Account;
  readonly policies: readonly CustomerPolicyPlan[];
  readonly roles: readonly RolePlan[];
  readonly groups: readonly GroupPlan[];
} & ResourcePlans &
  CallerPlans &
  BaselinePlans;

/** Every resource entry of a plan, kind by kind in registry order. */
export function resourcePlans(plan: AccountPlan): ResourcePlan[] {
  return KINDS.flatMap((kind) => section<ResourcePlan>(plan, kind));
}

/** The entry's documents beside its policy: its own key's policy, when it has a key. */
function extraDocuments(keyStatements: readonly Statement[] | undefined): ExtraDocument[] {
  if (!keyStatements) return [];
  return [{ id: "key", what: "key policy", document: policyDocument(keyStatements), characters: KEY_POLICY_CHARACTERS, hint: "grant fewer callers in other accounts on it" }];
}

const byName = <T extends { name: string }>(a: T, b: T) => byCodePoint(a.name, b.name);
const byRef = <T extends { ref: string }>(a: T, b: T) => byCodePoint(a.ref, b.ref);

/**
 * When identity halves take the compact form (compact.ts): only past IAM's quota
 * (what the program writes), never, or always. The last two exist to prove that
 * both forms have the same effect (test/access/compact-equivalence.test.ts).
 */
export type CompactMode = "past-quota" | "never" | "always";

/**
 * Builds every account's plan, or only those of the accounts in `only` (in map
 * order): each exactly as planning the whole map gives it, from the
 * declarations its plan reads (inputs.ts). Pure: the same model always gives
 * the same plans.
 */
export function planAccounts(model: Model, compact: CompactMode = "past-quota", only?: ReadonlySet<Account>): AccountPlan[] {
  // The accounts whose declarations write into the plans asked for.
  let walked: ReadonlySet<Account> | undefined;
  if (only) {
    const deps = planDependencies(model);
    walked = new Set([...only].flatMap((a) => deps.get(a) ?? []));
  }
  const trust = new Map<Role, Statement[]>();
  const resourcePolicy = new Map<SharedResource, Statement[]>();
  const keyPolicy = new Map<SharedResource, Statement[]>();
  const identity = new Map<IdentityHolder, Statement[]>();
  const push = <K>(map: Map<K, Statement[]>, key: K, statements: readonly Statement[]) => {
    const list = map.get(key) ?? [];
    list.push(...statements);
    map.set(key, list);
  };
  const record = (halves: GrantHalves, resource: Map<Role, Statement[]> | Map<SharedResource, Statement[]>, key: Role | SharedResource) => {
    push(resource as Map<Role | SharedResource, Statement[]>, key, halves.resource);
    if (halves.identity) push(identity, halves.identity.holder, halves.identity.statements);
  };

  // Sorted walks: the output depends on the map's content, never on its order.
  for (const account of model.accounts) {
    if (walked && !walked.has(account)) continue;
    // An account walked only for what it grants the accounts asked for: those grants alone (their identity halves).
    const wanted = !only || only.has(account) ? () => true : (p: Principal) => only.has(holderAccount(p)!);
    for (const role of [...account.roles].sort(byName)) {
      trust.set(role, []);
      for (const caller of [...role.callers].sort(byRef)) if (wanted(caller.principal)) record(assumeRoleGrant(role, caller), trust, role);
    }
    for (const kind of KINDS) {
      for (const resource of [...section<SharedResource>(account, kind)].sort(byName)) {
        resourcePolicy.set(resource, [...kind.baseStatements(resource)]);
        if (resource.ownKey) keyPolicy.set(resource, [keyAdministration(account.id)]);
        for (const grant of [...resource.grants].sort(byRef)) {
          if (!wanted(grant.grantee)) continue;
          const halves = resourceGrant(resource, grant, model.organizationId);
          record(halves, resourcePolicy, resource);
          if (halves.keyPolicy) push(keyPolicy, resource, halves.keyPolicy);
        }
      }
    }
  }

  // The map's role ARNs by role name, for the compact form's guards; built only if needed.
  let roleIndex: Map<string, string[]> | undefined;
  const rolesByName = (): Map<string, string[]> => {
    if (roleIndex) return roleIndex;
    const index = new Map<string, string[]>();
    for (const role of model.accounts.flatMap((a) => a.roles)) {
      const arns = index.get(role.name);
      if (arns) arns.push(role.arn);
      else index.set(role.name, [role.arn]);
    }
    return (roleIndex = index);
  };

  // Explicit ARNs while they fit; the compact form (same effect) only past the quota.
  const inline = (holder: IdentityHolder): PolicyDocument | undefined => {
    const statements = identity.get(holder);
    if (!statements || statements.length === 0) return undefined;
    const explicit = policyDocument(statements);
    // A permission set is used from every account it is assigned to: never the compact form, which names one account's roles.
    if (holder.kind === "permission-set") return explicit;
    const limit = holder.kind === "group" ? LIMITS.groupInline : LIMITS.roleInline;
    if (compact === "never" || (compact === "past-quota" && policySize(explicit) <= limit)) return explicit;
    return policyDocument(compactAssumeRoles(explicit.Statement, holder.account.id, (name) => rolesByName().get(name) ?? []));
  };
  const resources = (account: Account) =>
    Object.fromEntries(
      KINDS.map((kind) => [
        kind.section,
        [...section<SharedResource>(account, kind)]
          .sort(byName)
          .map((resource) => {
            const statements = resourcePolicy.get(resource) ?? [];
            const merge = (kind as ResourceKind).mergeStatements;
            return { kind, resource, [kind.id]: resource, policy: policyDocument(merge ? merge(statements) : statements), extra: extraDocuments(keyPolicy.get(resource)) };
          }),
      ]),
    ) as unknown as ResourcePlans;
  // The audit bucket's policy takes the compact form only past S3's quota (or always, to prove the two forms equal).
  const baseline = planBaseline(model, (explicit) => compact === "always" || (compact === "past-quota" && policySize(explicit) > bucketKind.quota.characters));
  return model.accounts.filter((account) => !only || only.has(account)).map((account): AccountPlan => ({
    account,
    policies: [...account.policies].sort(byName).map((policy) => ({
      policy,
      // The user's statements stay as written: no merging.
      document: { Version: "2012-10-17", Statement: policy.statements.map((s) => ({ Effect: "Allow", Action: [...s.actions], Resource: [...s.resources] })) },
    })),
    roles: [...account.roles].sort(byName).map((role) => ({
      role,
      trustPolicy: policyDocument(mergeGithubTrust(trust.get(role) ?? [])),
      inlinePolicy: inline(role),
    })),
    groups: [...account.groups].sort(byName).map((group) => ({ group, inlinePolicy: inline(group) })),
    ...resources(account),
    ...callerPlans(account, model, inline),
    ...(baseline.has(account) ? { baseline: baseline.get(account)! } : {}),
  }));
}
