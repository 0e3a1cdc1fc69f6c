/**
 * The stack resources of the callers organizations have today: an account's
 * GitHub Actions OIDC provider, and, in the `identityCenter.account` stack, the
 * permission sets with their managed policies, inline policies and account
 * assignments. Built from the plan only (policies/callers.ts); no policy is written here.
 */
import { DataAwsIdentitystoreGroup } from "@cdktf/provider-aws/lib/data-aws-identitystore-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SsoadminAccountAssignment } from "@cdktf/provider-aws/lib/ssoadmin-account-assignment";
import { SsoadminManagedPolicyAttachment } from "@cdktf/provider-aws/lib/ssoadmin-managed-policy-attachment";
import { SsoadminPermissionSet } from "@cdktf/provider-aws/lib/ssoadmin-permission-set";
import { SsoadminPermissionSetInlinePolicy } from "@cdktf/provider-aws/lib/ssoadmin-permission-set-inline-policy";
import type { TerraformElement } from "cdktf";
import type { Construct } from "constructs";
import { GITHUB_AUDIENCE, GITHUB_OIDC_HOST } from "../config/callers";
import { byCodePoint } from "../config/order";
import type { PolicyDocument } from "../policies/document";
import type { CallerPlans } from "../policies/callers";
import { tfName } from "./names";

interface Context {
  readonly scope: Construct;
  readonly provider: AwsProvider;
  readonly named: <T extends TerraformElement>(element: T, ...names: string[]) => T;
  readonly json: (doc: PolicyDocument) => string;
}

/** ISO 8601, as Identity Center takes a session duration: `PT8H`, `PT1H30M`. */
export function isoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}`;
}

/** The OIDC provider and the Identity Center resources of one account's plan, when it has them. */
export function buildCallers(ctx: Context, plan: CallerPlans): void {
  const { scope, provider, named } = ctx;
  if (plan.githubOidcProvider) {
    // No thumbprint: AWS verifies GitHub's certificate against its own trusted CAs (provider 5.x makes the list optional).
    named(
      new IamOpenidConnectProvider(scope, "github-oidc", { provider, url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [GITHUB_AUDIENCE] }),
      "github",
    );
  }
  const ic = plan.identityCenter;
  if (!ic) return;
  const { instanceArn, identityStoreId } = ic.center;
  const groups = new Map<string, DataAwsIdentitystoreGroup>();
  const groupNamed = (name: string): DataAwsIdentitystoreGroup => {
    let g = groups.get(name);
    if (!g) {
      g = named(
        new DataAwsIdentitystoreGroup(scope, `sso-group_${tfName(name)}`, {
          provider,
          identityStoreId,
          alternateIdentifier: { uniqueAttribute: { attributePath: "DisplayName", attributeValue: name } },
        }),
        name,
      );
      groups.set(name, g);
    }
    return g;
  };
  for (const { set, inlinePolicy } of ic.permissionSets) {
    const ps = named(
      new SsoadminPermissionSet(scope, `permission-set_${tfName(set.name)}`, { provider, instanceArn, name: set.name, sessionDuration: isoDuration(set.sessionSeconds) }),
      set.name,
    );
    for (const arn of set.managedPolicyArns) {
      const managed = arn.slice("arn:aws:iam::aws:policy/".length);
      named(
        new SsoadminManagedPolicyAttachment(scope, `permission-set-attach_${tfName(set.name, managed)}`, { provider, instanceArn, permissionSetArn: ps.arn, managedPolicyArn: arn }),
        set.name,
        "aws",
        managed,
      );
    }
    if (inlinePolicy) {
      named(
        new SsoadminPermissionSetInlinePolicy(scope, `permission-set-policy_${tfName(set.name)}`, { provider, instanceArn, permissionSetArn: ps.arn, inlinePolicy: ctx.json(inlinePolicy) }),
        set.name,
      );
    }
    for (const { group, accounts } of [...set.assignments].sort((a, b) => byCodePoint(a.group, b.group))) {
      for (const account of [...accounts].sort((a, b) => byCodePoint(a.name, b.name))) {
        named(
          new SsoadminAccountAssignment(scope, `assignment_${tfName(set.name, group, account.name)}`, {
            provider,
            instanceArn,
            permissionSetArn: ps.arn,
            principalId: groupNamed(group).groupId,
            principalType: "GROUP",
            targetId: account.id,
            targetType: "AWS_ACCOUNT",
          }),
          set.name,
          group,
          account.name,
        );
      }
    }
  }
}
