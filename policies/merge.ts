/**
 * Merging the role statements of a resource policy. A role grantee's statement
 * names its account's root narrowed by `aws:PrincipalArn` (grants.ts), so two role
 * grantees of one level differ only in the principal and that condition's value.
 * One statement listing both roots and both role ARNs has exactly the same effect:
 * a role ARN holds its account id, so `aws:PrincipalArn` of one account's role
 * never matches a request from the other root. Kinds whose AWS quota counts
 * statements and conditions (SQS: 20 statements, 10 conditions) use this so that
 * a queue can be shared with more than a handful of roles.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html
 */
import { byCodePoint } from "../config/order";
import type { Statement } from "./document";

const PRINCIPAL_ARN = "aws:PrincipalArn";

const asList = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);
const oneOrMany = (values: Iterable<string>): string | string[] => {
  const list = [...new Set(values)].sort(byCodePoint);
  return list.length === 1 ? list[0] : list;
};

/** The part of a role statement that must be equal for two to merge; undefined for any other statement. */
function roleKey(s: Statement): string | undefined {
  const arnEquals = s.Condition?.ArnEquals;
  if (s.Effect !== "Allow" || typeof s.Principal !== "object" || s.Principal.Service !== undefined || arnEquals === undefined) return undefined;
  if (Object.keys(arnEquals).length !== 1 || arnEquals[PRINCIPAL_ARN] === undefined || s.Sid === undefined || !s.Sid.includes("Role")) return undefined;
  const { ArnEquals: _, ...rest } = s.Condition!;
  return JSON.stringify([s.Effect, s.Action, s.Resource, rest, s.Sid.slice(0, s.Sid.indexOf("Role"))]);
}

/**
 * Merges role statements equal in everything but their principal and their
 * `aws:PrincipalArn` values; every other statement passes through unchanged. A
 * merged statement stands where its first part stood, its Sid the level's prefix
 * plus `Roles` (`SendRoles`); the resource Sids of the kinds that use this hold no
 * `Role` before the grantee's part.
 */
export function mergeRoleStatements(statements: readonly Statement[]): Statement[] {
  const groups: { first: Statement; parts: Statement[] }[] = [];
  const index = new Map<string, number>();
  const out: ({ first: Statement; parts: Statement[] } | Statement)[] = [];
  for (const s of statements) {
    const key = roleKey(s);
    const at = key === undefined ? undefined : index.get(key);
    if (at !== undefined) {
      groups[at].parts.push(s);
      continue;
    }
    if (key === undefined) {
      out.push(s);
      continue;
    }
    const group = { first: s, parts: [s] };
    index.set(key, groups.length);
    groups.push(group);
    out.push(group);
  }
  return out.map((entry) => {
    if (!("parts" in entry)) return entry;
    const { first, parts } = entry;
    if (parts.length === 1) return first;
    const roots = parts.flatMap((p) => (typeof p.Principal === "object" ? asList(p.Principal.AWS) : []));
    const arns = parts.flatMap((p) => asList(p.Condition!.ArnEquals[PRINCIPAL_ARN]));
    return {
      ...first,
      Sid: `${first.Sid!.slice(0, first.Sid!.indexOf("Role"))}Roles`,
      Principal: { AWS: oneOrMany(roots) },
      Condition: { ...first.Condition!, ArnEquals: { [PRINCIPAL_ARN]: oneOrMany(arns) } },
    };
  });
}
