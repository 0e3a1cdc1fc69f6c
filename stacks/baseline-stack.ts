/**
 * The stack resources of the account baseline, built from the plan only
 * (policies/baseline.ts): the password policy, the self-service MFA policy on
 * every group, the account's trail, and in the audit account the trail bucket
 * and the alert topics; the alerted roles' rules and, across accounts, their
 * delivery role. No policy is written here.
 */
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { IamAccountPasswordPolicy } from "@cdktf/provider-aws/lib/iam-account-password-policy";
import type { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import type { TerraformElement, TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import type { BaselinePlan } from "../policies/baseline";
import type { PolicyDocument } from "../policies/document";
import { buildKmsKey } from "../resources/kms-stack";
import { tfLiteral } from "./literal";
import { tfName } from "./names";

interface Context {
  readonly scope: Construct;
  /** The account's home-region provider. */
  readonly home: AwsProvider;
  /** The provider of a region, created on first use. */
  readonly provider: (region: string) => AwsProvider;
  readonly named: <T extends TerraformElement>(element: T, ...names: string[]) => T;
  readonly json: (doc: PolicyDocument) => string;
  /** The account's groups as built, by name. */
  readonly groups: ReadonlyMap<string, IamGroup>;
  /** Name of the one inline policy the program manages on each role. */
  readonly inlinePolicyName: string;
  /** The stack (account) name, for the tag of the alert topic's key. */
  readonly stack: string;
}

/** What the account's other resources need of the baseline: each group's attachment of the self-service MFA policy. */
export interface BaselineBuilt {
  readonly groupAttachments: ReadonlyMap<string, { readonly policyArn: string; readonly attachment: TerraformResource }>;
  /** The baseline's own roles (the alert delivery role), with their inline policies: the stack owns those exclusively too. */
  readonly roles: readonly { readonly role: IamRole; readonly name: string; readonly inline: readonly TerraformResource[] }[];
}

/** Every baseline resource of one account's plan. */
export function buildBaseline(ctx: Context, plan: BaselinePlan): BaselineBuilt {
  const groupAttachments = new Map<string, { policyArn: string; attachment: TerraformResource }>();
  const roles: { role: IamRole; name: string; inline: TerraformResource[] }[] = [];
  const { scope, home, named, json } = ctx;
  if (plan.passwordPolicy) named(new IamAccountPasswordPolicy(scope, "password-policy", { provider: home, ...plan.passwordPolicy }), "baseline");

  const mfa = plan.selfServiceMfa;
  if (mfa) {
    const policy = named(
      new IamPolicy(scope, "baseline-mfa-policy", {
        provider: home,
        name: mfa.name,
        description: "Each user manages their own password, access keys and MFA device; everything else needs MFA",
        policy: json(mfa.document),
      }),
      "baseline",
      mfa.name,
    );
    for (const group of mfa.groups) {
      const attachment = named(
        new IamGroupPolicyAttachment(scope, `baseline-mfa-attach_${tfName(group.name)}`, { provider: home, group: ctx.groups.get(group.name)!.name, policyArn: policy.arn }),
        "baseline",
        mfa.name,
        group.name,
      );
      groupAttachments.set(group.name, { policyArn: policy.arn, attachment });
    }
  }

  const bucket = plan.auditBucket;
  let auditBucket: S3BucketPolicy | undefined;
  if (bucket) {
    const b = named(new S3Bucket(scope, "audit-bucket", { provider: home, bucket: bucket.name }), bucket.name);
    // The policy waits for what keeps the bucket closed, as the map's buckets do (a deploy killed half way never leaves it open).
    const closed = [
      named(
        new S3BucketPublicAccessBlock(scope, "audit-bucket-public-access-block", { provider: home, bucket: b.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
        bucket.name,
      ),
      named(new S3BucketOwnershipControls(scope, "audit-bucket-ownership", { provider: home, bucket: b.id, rule: { objectOwnership: "BucketOwnerEnforced" } }), bucket.name),
      named(
        new S3BucketServerSideEncryptionConfigurationA(scope, "audit-bucket-encryption", { provider: home, bucket: b.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
        bucket.name,
      ),
      named(new S3BucketVersioningA(scope, "audit-bucket-versioning", { provider: home, bucket: b.id, versioningConfiguration: { status: "Enabled" } }), bucket.name),
    ];
    auditBucket = named(new S3BucketPolicy(scope, "audit-bucket-policy", { provider: home, bucket: b.id, policy: json(bucket.policy), dependsOn: closed }), bucket.name);
  }

  if (plan.trail) {
    // The bucket (in the audit account's stack) must admit the trail first: that stack is applied first (README).
    named(
      new Cloudtrail(scope, "trail", {
        provider: home,
        name: plan.trail.name,
        s3BucketName: plan.trail.bucket,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        ...(auditBucket ? { dependsOn: [auditBucket] } : {}),
      }),
      "baseline",
      plan.trail.name,
    );
  }

  for (const topic of plan.alertTopics) {
    const provider = ctx.provider(topic.region);
    const key = buildKmsKey({ scope, provider, named, json, stack: ctx.stack }, ["baseline", topic.name], {
      description: `Encrypts the alert topic ${topic.name}`,
      policy: topic.key.policy,
      alias: topic.key.alias,
      owner: `baseline/${topic.name}`,
    });
    const t = named(new SnsTopic(scope, `alert-topic_${topic.region}`, { provider, name: topic.name, kmsMasterKeyId: key.arn }), "baseline", topic.name);
    named(new SnsTopicPolicy(scope, `alert-topic-policy_${topic.region}`, { provider, arn: t.arn, policy: json(topic.policy) }), "baseline", topic.name);
  }

  const delivery = plan.alertDelivery;
  let deliveryRole: IamRole | undefined;
  if (delivery) {
    deliveryRole = named(
      new IamRole(scope, "alert-delivery-role", { provider: home, name: delivery.name, assumeRolePolicy: json(delivery.trustPolicy), description: "EventBridge delivers this account's alerts to the audit account's topics" }),
      delivery.name,
    );
    const inline = named(new IamRolePolicy(scope, "alert-delivery-policy", { provider: home, role: deliveryRole.name, name: ctx.inlinePolicyName, policy: json(delivery.inlinePolicy) }), delivery.name);
    roles.push({ role: deliveryRole, name: delivery.name, inline: [inline] });
  }

  for (const rule of plan.alertRules) {
    const provider = ctx.provider(rule.region);
    const r = named(
      new CloudwatchEventRule(scope, `alert-rule_${tfName(rule.alert.role.name)}_${rule.region}`, {
        provider,
        name: rule.name,
        description: `Alerts the audit account when ${rule.alert.ref} is assumed`,
        eventPattern: tfLiteral(rule.pattern),
      }),
      "baseline",
      rule.name,
      rule.region,
    );
    named(
      new CloudwatchEventTarget(scope, `alert-target_${tfName(rule.alert.role.name)}_${rule.region}`, {
        provider,
        rule: r.name,
        targetId: "audit-alert-topic",
        arn: rule.topicArn,
        ...(rule.viaRole ? { roleArn: deliveryRole!.arn } : {}),
      }),
      "baseline",
      rule.name,
      rule.region,
    );
  }
  return { groupAttachments, roles };
}
