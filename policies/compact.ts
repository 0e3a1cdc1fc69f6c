/**
 * A compact form for identity policies that would outgrow IAM's quotas at scale.
 *
 * A group that may assume the role `developers` in 1,000 accounts would list
 * 1,000 ARNs (about 45 KB) against a 5,120-character quota. Its identity half can
 * name `arn:aws:iam::*:role/developers` instead: a cross-account assume needs both
 * halves, and each role's trust policy (written per role, naming exactly the
 * callers the map declares) stays the exact gate.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 *
 * Two guards keep the effect exactly as strict within the map:
 * - a role of that name that the map does not grant this caller may still trust
 *   the caller's account root (for another group of that account), so every such
 *   role in the map is denied explicitly;
 * - in the caller's own account the identity half alone can be enough (a role
 *   trusting its own account's root defers to identity policies), so the role of
 *   that name there is denied unless granted, whether the map declares it or not.
 */
import { ASSUME_ROLE } from "./actions";
import type { Statement } from "./document";

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(.+)$/;

/**
 * Rewrites the `sts:AssumeRole` statements of an identity policy: role ARNs that
 * share a name across two or more accounts become one account-wildcard ARN, and
 * the guards above are added as one Deny. Other statements pass through unchanged.
 * `roleArnsNamed` lists the ARNs of the map's roles with a given name.
 */
export function compactAssumeRoles(
  statements: readonly Statement[],
  ownAccountId: string,
  roleArnsNamed: (name: string) => readonly string[] = () => [],
): Statement[] {
  const isAssume = (s: Statement) => s.Effect === "Allow" && s.Action === ASSUME_ROLE && s.Resource !== undefined;
  const granted = new Set(statements.filter(isAssume).flatMap((s) => [s.Resource!].flat()));
  const wildcarded = new Set<string>();

  const out = statements.map((s) => {
    if (!isAssume(s)) return s;
    const byName = new Map<string, string[]>();
    for (const arn of [s.Resource!].flat()) {
      const m = ROLE_ARN.exec(arn);
      const key = m ? m[2] : `\0${arn}`;
      byName.set(key, [...(byName.get(key) ?? []), arn]);
    }
    const resources = [...byName].flatMap(([name, arns]) => {
      if (name.startsWith("\0") || arns.length < 2) return arns;
      wildcarded.add(name);
      return [`arn:aws:iam::*:role/${name}`];
    });
    return { ...s, Resource: resources.length === 1 ? resources[0] : resources.sort() };
  });

  const guard = [...new Set([...wildcarded].flatMap((name) => [`arn:aws:iam::${ownAccountId}:role/${name}`, ...roleArnsNamed(name)]))]
    .filter((arn) => !granted.has(arn))
    .sort();
  if (guard.length === 0) return out;
  return [...out, { Sid: "DenyUngrantedRoles", Effect: "Deny", Action: ASSUME_ROLE, Resource: guard.length === 1 ? guard[0] : guard }];
}
