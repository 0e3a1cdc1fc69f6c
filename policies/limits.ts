/**
 * Policy sizes, checked on the planned documents against AWS's quotas before
 * anything is synthesized.
 */
import { ConfigError, type ConfigIssue, type Located } from "../config/errors";
import type { Account, Model } from "../config/model";
import { policySize, type PolicyDocument } from "./document";
import { type AccountPlan, planAccounts, resourcePlans } from "./plan";
import { LIMITS } from "./quotas";
import { bucketKind } from "../resources/bucket";
import { topicKind } from "../resources/topic";
import { KEY_POLICY_CHARACTERS } from "../resources/kms";

export { LIMITS };

/** One measured document: what it is, where it was declared, its size and its quota. */
export interface Measured {
  readonly what: string;
  readonly at: Located;
  readonly size: number;
  readonly limit: number;
  readonly hint: string;
}

/** Every document of every plan with its size and quota. */
export function measure(plans: readonly AccountPlan[]): Measured[] {
  const out: Measured[] = [];
  const add = (what: string, at: Located, doc: PolicyDocument | undefined, limit: number, hint: string) => {
    if (doc) out.push({ what, at, size: policySize(doc), limit, hint });
  };
  for (const plan of plans) {
    const a = plan.account.name;
    for (const { role, trustPolicy, inlinePolicy } of plan.roles) {
      add(`trust policy of role ${a}/${role.name}`, role.at, trustPolicy, LIMITS.trustPolicy, "split its callers across more roles");
      add(`inline policy of role ${a}/${role.name}`, role.at, inlinePolicy, LIMITS.roleInline, "grant this role fewer buckets and roles, or split it");
    }
    for (const { group, inlinePolicy } of plan.groups) {
      add(`inline policy of group ${a}/${group.name}`, group.at, inlinePolicy, LIMITS.groupInline, "grant this group fewer buckets and roles, or split it");
    }
    for (const { policy, document } of plan.policies) {
      add(`managed policy ${a}/${policy.name}`, policy.at, document, LIMITS.managedPolicy, "split it into several policies");
    }
    for (const { set, inlinePolicy } of plan.identityCenter?.permissionSets ?? []) {
      add(`inline policy of permission set ${set.name}`, set.at, inlinePolicy, LIMITS.permissionSetInline, "grant this permission set fewer roles and resources, or split it");
    }
    const b = plan.baseline;
    if (b) {
      add(`managed policy ${a}/${b.selfServiceMfa?.name}`, b.at, b.selfServiceMfa?.document, LIMITS.managedPolicy, "AWS's self-service MFA policy fits its quota; report this");
      add(`bucket policy of the audit bucket ${b.auditBucket?.name}`, b.at, b.auditBucket?.policy, bucketKind.quota.characters, "declare an organization (organization.id) so that the compact form needs no account list, or split the map");
      for (const t of b.alertTopics) {
        add(`topic policy of ${a}'s alert topic in ${t.region}`, b.at, t.policy, topicKind.quota.characters, "alert on fewer roles");
        add(`key policy of ${a}'s alert topic in ${t.region}`, b.at, t.key.policy, KEY_POLICY_CHARACTERS, "alert on fewer roles");
      }
      add(`trust policy of role ${a}/${b.alertDelivery?.name}`, b.at, b.alertDelivery?.trustPolicy, LIMITS.trustPolicy, `alert on fewer roles of ${a}`);
      add(`inline policy of role ${a}/${b.alertDelivery?.name}`, b.at, b.alertDelivery?.inlinePolicy, LIMITS.roleInline, `alert on fewer roles of ${a}`);
    }
    for (const { kind, resource, policy, extra } of resourcePlans(plan)) {
      add(`${kind.policyName} of ${resource.name}`, resource.at, policy, kind.quota.characters, kind.quotaHint);
      for (const d of extra) add(`${d.what} of ${kind.noun} ${resource.name}`, resource.at, d.document, d.characters, d.hint);
    }
  }
  return out;
}

/** Issues for every document over its quota. */
export function checkPolicySizes(plans: readonly AccountPlan[], file: string): ConfigIssue[] {
  return measure(plans)
    .filter((m) => m.size > m.limit)
    .map((m) => ({
      file,
      // Read each field: positions may be computed on access, not copied by a spread.
      line: m.at.line,
      column: m.at.column,
      path: m.at.path,
      message: `${m.what} is ${m.size.toLocaleString("en-US")} characters, over AWS's limit of ${m.limit.toLocaleString("en-US")}`,
      hint: m.hint,
    }));
}

/** The principals a policy names, counted as SQS counts them: each entry of each statement's `Principal`. */
function principalCount(doc: PolicyDocument): number {
  return doc.Statement.reduce((n, s) => {
    const p = s.Principal;
    if (p === undefined) return n;
    if (p === "*") return n + 1;
    return n + Object.values(p).reduce((m: number, v) => m + (v === undefined ? 0 : typeof v === "string" ? 1 : v.length), 0);
  }, 0);
}

/** The conditions a policy holds: each key under each operator of each statement. */
function conditionCount(doc: PolicyDocument): number {
  return doc.Statement.reduce((n, s) => n + Object.values(s.Condition ?? {}).reduce((m, kv) => m + Object.keys(kv).length, 0), 0);
}

/**
 * Issues for every resource policy over its kind's counted limits, where AWS has
 * them (SQS: statements, principals, conditions, actions per statement).
 */
export function checkStatementCounts(plans: readonly AccountPlan[], file: string): ConfigIssue[] {
  return plans.flatMap((plan) =>
    resourcePlans(plan).flatMap(({ kind, resource, policy }) => {
      const quota = kind.quota;
      // The position only when reporting: reading it makes the source build its YAML Document (config/source.ts), seconds for a large map.
      const over = (what: string, count: number, limit: number | undefined): ConfigIssue[] =>
        limit === undefined || count <= limit
          ? []
          : [{ file, line: resource.at.line, column: resource.at.column, path: resource.at.path, message: `${kind.policyName} of ${resource.name} has ${count} ${what}, over AWS's limit of ${limit}`, hint: kind.quotaHint }];
      const actions = Math.max(0, ...policy.Statement.map((s) => [s.Action].flat().length));
      return [
        ...over("statements", policy.Statement.length, quota.statements),
        ...over("principals", principalCount(policy), quota.principals),
        ...over("conditions", conditionCount(policy), quota.conditions),
        ...over("actions in one statement", actions, quota.actionsPerStatement),
      ];
    }),
  );
}

/**
 * Plans every account (or those in `only`, plan.ts) and refuses (ConfigError)
 * when any document of those plans is over its quota.
 */
export function planWithinLimits(model: Model, only?: ReadonlySet<Account>): AccountPlan[] {
  const plans = planAccounts(model, "past-quota", only);
  const tooBig = [...checkPolicySizes(plans, model.file), ...checkStatementCounts(plans, model.file)];
  if (tooBig.length > 0) throw new ConfigError(tooBig);
  return plans;
}
