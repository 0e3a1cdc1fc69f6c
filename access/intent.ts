/**
 * Declared access: what the account map says each caller may do, in the same terms
 * as effective access (caller and target ids, action names), each with where it
 * was declared.
 */
import type { Located } from "../config/errors";
import type { Bucket, Model, Principal, Role } from "../config/model";
import { ASSUME_ROLE, S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from "../policies/actions";
import { byText, sortedUnique } from "./policy-json";
import type { Intent } from "./types";

/** The caller id of a map principal, in the map's own reference syntax. */
export function callerId(p: Principal): string {
  switch (p.kind) {
    case "group":
      return `${p.account.name}/${p.name}`;
    case "role":
      return `${p.account.name}/role/${p.name}`;
    case "external":
      return `external/${p.name}`;
    case "service":
      return `service/${p.service}`;
  }
}

export const roleTargetId = (r: Role): string => `${r.account.name}/role/${r.name}`;
export const bucketTargetId = (b: Bucket): string => `${b.account.name}/bucket/${b.name}`;

/** The actions of a bucket access level: object actions and bucket actions together. */
export function levelActions(level: "read" | "read-write"): string[] {
  return sortedUnique([...S3_OBJECT_ACTIONS[level], ...S3_BUCKET_ACTIONS]);
}

const where = (file: string, at: Located): string => `${file}:${at.line} ${at.path}`;

/** Every grant the map declares. Customer managed policies count as grants to the roles they are attached to. */
export function intendedAccess(model: Model): Intent[] {
  const out: Intent[] = [];
  const roleByArn = new Map(model.accounts.flatMap((a) => a.roles.map((r) => [r.arn, r] as const)));
  const bucketByArn = new Map(model.accounts.flatMap((a) => a.buckets.flatMap((b) => [[b.arn, b] as const, [`${b.arn}/*`, b] as const])));
  for (const account of model.accounts) {
    for (const role of account.roles) {
      for (const caller of role.callers) {
        const p = caller.principal;
        out.push({
          caller: callerId(p),
          target: roleTargetId(role),
          actions: [ASSUME_ROLE],
          mfa: caller.requireMfa,
          ...(p.kind === "external" ? { externalId: p.externalId } : {}),
          declaredAt: where(model.file, caller.at),
          what: "assumableBy",
        });
      }
      for (const policy of role.customerPolicies) {
        for (const statement of policy.statements) {
          for (const resource of statement.resources) {
            const r = roleByArn.get(resource);
            const b = bucketByArn.get(resource);
            out.push({
              caller: roleTargetId(role),
              target: r ? roleTargetId(r) : b ? bucketTargetId(b) : `resource/${resource}`,
              actions: [...statement.actions],
              mfa: false,
              declaredAt: where(model.file, policy.at),
              what: `policy ${policy.name}`,
            });
          }
        }
      }
    }
    for (const bucket of account.buckets) {
      for (const grant of bucket.grants) {
        out.push({
          caller: callerId(grant.grantee),
          target: bucketTargetId(bucket),
          actions: levelActions(grant.level),
          mfa: grant.requireMfa,
          declaredAt: where(model.file, grant.at),
          what: `grants ${grant.level}`,
        });
      }
    }
  }
  return out.sort((a, b) => byText(`${a.caller}\u0000${a.target}\u0000${a.what}`, `${b.caller}\u0000${b.target}\u0000${b.what}`));
}

/** What the map attaches to each role: role target id → managed policy ARNs (AWS and customer). */
export function intendedAttachments(model: Model): Map<string, string[]> {
  return new Map(
    model.accounts.flatMap((a) => a.roles.map((r) => [roleTargetId(r), sortedUnique([...r.managedPolicyArns, ...r.customerPolicies.map((p) => p.arn)])] as const)),
  );
}
