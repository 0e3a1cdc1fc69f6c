/**
 * The account baseline (`baseline` in the map) as plans: every document and
 * setting each account's stack writes for it, computed before any construct
 * exists. Both halves of the trail's and the alerts' access come from one
 * function each ({@link trailGrant}, {@link alertGrant}), like every grant.
 */
import { ALERT_DELIVERY_ROLE, auditBucketName, SELF_SERVICE_MFA_POLICY } from "../config/baseline";
import type { Located } from "../config/errors";
import type { Account, AlertOn, Audit, Group, Model } from "../config/model";
import { byCodePoint } from "../config/order";
import { createHash } from "node:crypto";
import { policyDocument, type PolicyDocument, sid, type Statement } from "./document";
import { denyInsecureTransport } from "../resources/bucket";
import { hasAlias, keyAdministration, keyArnPattern, viaService } from "../resources/kms";

/**
 * The CIS AWS Foundations password policy (CIS 1.8, 1.9 of v1.4: 14 characters,
 * reuse prevention 24; every character class and 90-day expiry as in v1.2).
 * https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-15
 */
export const CIS_PASSWORD_POLICY = {
  minimumPasswordLength: 14,
  requireLowercaseCharacters: true,
  requireUppercaseCharacters: true,
  requireNumbers: true,
  requireSymbols: true,
  passwordReusePrevention: 24,
  maxPasswordAge: 90,
  allowUsersToChangePassword: true,
  hardExpiry: false,
} as const;

export type PasswordPolicy = typeof CIS_PASSWORD_POLICY;

/** The names the baseline takes, which the loader keeps the map from declaring (config/baseline.ts). */
export { ALERT_DELIVERY_ROLE, auditBucketName, SELF_SERVICE_MFA_POLICY };

/** The trail each account gets with `audit`, and the key prefix CloudTrail writes under. */
export const TRAIL_NAME = "audit-trail";
/** The audit account's alert topic of a region (one per region that has alert rules; topics are regional, and EventBridge delivers to another account only in its own region). */
export const alertTopicName = (region: string): string => `role-assumed-alerts-${region}`;
/** STS's global endpoint records its events in us-east-1. https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html#stscloudtrailregion */
export const GLOBAL_STS_REGION = "us-east-1";

export const trailArn = (account: Account): string => `arn:aws:cloudtrail:${account.region}:${account.id}:trail/${TRAIL_NAME}`;
export const alertTopicArn = (audit: Audit, region: string): string => `arn:aws:sns:${region}:${audit.account.id}:${alertTopicName(region)}`;
/** The alias of the key that encrypts a region's alert topic (EventBridge cannot publish to a topic under AWS's managed key alias/aws/sns). */
export const alertKeyAlias = (region: string): string => `alias/sns/${alertTopicName(region)}`;
export const alertDeliveryRoleArn = (account: Account): string => `arn:aws:iam::${account.id}:role/${ALERT_DELIVERY_ROLE}`;

/**
 * A rule's name: EventBridge takes 1 to 64 of letters, digits, `.`, `-` and `_`.
 * Other characters IAM allows in role names become `_`; a name that would be
 * longer, or that changed, ends in 8 hex digits of the role name's SHA-256 so
 * two roles never share a rule.
 */
export function alertRuleName(roleName: string): string {
  const plain = `assume-${roleName}`;
  const safe = plain.replace(/[^A-Za-z0-9._-]/g, "_");
  if (safe === plain && safe.length <= 64) return safe;
  const hash = createHash("sha256").update(roleName).digest("hex").slice(0, 8);
  return `${safe.slice(0, 55)}-${hash}`;
}

/** Where an alert's rules stand: us-east-1 for the global STS endpoint, and the role's account's home region for its regional endpoint. */
export const alertRegions = (alert: AlertOn): string[] => [...new Set([GLOBAL_STS_REGION, alert.role.account.region])].sort(byCodePoint);

/**
 * AWS's documented self-service policy: each user manages their own password,
 * access keys and virtual MFA device (`${aws:username}`), and everything else is
 * denied while the request carries no MFA (`BoolIfExists`: long-term access keys
 * carry no MFA key at all). `iam:ChangePassword` and `iam:GetAccountPasswordPolicy`
 * stay usable without MFA so that a first sign-in can set the password; deactivating
 * MFA is not among them, so it needs MFA.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
 */
export function selfServiceMfaDocument(): PolicyDocument {
  const own = "arn:aws:iam::*:user/${aws:username}";
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AllowViewAccountInfo", Effect: "Allow", Action: ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], Resource: "*" },
      { Sid: "AllowManageOwnPasswords", Effect: "Allow", Action: ["iam:ChangePassword", "iam:GetUser"], Resource: own },
      {
        Sid: "AllowManageOwnAccessKeys",
        Effect: "Allow",
        Action: ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetAccessKeyLastUsed", "iam:ListAccessKeys", "iam:UpdateAccessKey"],
        Resource: own,
      },
      { Sid: "AllowManageOwnVirtualMFADevice", Effect: "Allow", Action: ["iam:CreateVirtualMFADevice"], Resource: "arn:aws:iam::*:mfa/*" },
      {
        Sid: "AllowManageOwnUserMFA",
        Effect: "Allow",
        Action: ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
        Resource: own,
      },
      {
        Sid: "DenyAllExceptListedIfNoMFA",
        Effect: "Deny",
        Action: [],
        NotAction: [
          "iam:ChangePassword",
          "iam:CreateVirtualMFADevice",
          "iam:EnableMFADevice",
          "iam:GetAccountPasswordPolicy",
          "iam:GetMFADevice",
          "iam:GetUser",
          "iam:ListMFADevices",
          "iam:ListVirtualMFADevices",
          "iam:ResyncMFADevice",
          "sts:GetSessionToken",
        ],
        Resource: "*",
        Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
      },
    ],
  };
}

/** The actions the self-service policy leaves a member without MFA (its Deny's NotAction). */
export const WITHOUT_MFA: readonly string[] = (selfServiceMfaDocument().Statement[5].NotAction as readonly string[]).slice();

/** Both halves of one account's trail: the trail (identity side) and its statement on the audit bucket (resource side). */
export interface TrailGrant {
  readonly trail: { readonly name: string; readonly arn: string; readonly bucket: string; readonly region: string };
  readonly resource: readonly Statement[];
}

/**
 * An account's trail and the audit bucket's statement that admits it: CloudTrail
 * writes `AWSLogs/<account id>/*` with `bucket-owner-full-control`, and
 * `aws:SourceArn` names exactly this trail.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export function trailGrant(account: Account, audit: Audit): TrailGrant {
  const bucket = auditBucketName(audit);
  const arn = trailArn(account);
  return {
    trail: { name: TRAIL_NAME, arn, bucket, region: account.region },
    resource: [
      {
        Sid: sid("AWSCloudTrailWrite", account.id),
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `arn:aws:s3:::${bucket}/AWSLogs/${account.id}/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": arn } },
      },
    ],
  };
}

/** Deletes in the audit bucket by anyone but its own account are refused, whatever else allows them. */
const TRAIL_DELETES = ["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"];

/** The audit bucket's policy: TLS only, deletes by its own account only, CloudTrail's ACL check, then each trail's write. */
export function auditBucketPolicy(audit: Audit, trails: readonly TrailGrant[]): PolicyDocument {
  const arn = `arn:aws:s3:::${auditBucketName(audit)}`;
  return policyDocument([
    denyInsecureTransport({ arn }),
    { Sid: "DenyDeletesByOtherAccounts", Effect: "Deny", Principal: "*", Action: TRAIL_DELETES, Resource: [arn, `${arn}/*`], Condition: { StringNotEquals: { "aws:PrincipalAccount": audit.account.id } } },
    {
      Sid: "AWSCloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: arn,
      Condition: { StringEquals: { "aws:SourceArn": trails.map((t) => t.trail.arn).sort(byCodePoint) } },
    },
    ...trails.flatMap((t) => t.resource),
  ]);
}

/**
 * The same effect in a size that does not grow with the trails' ARNs, for maps
 * whose explicit policy is past S3's 20 KB: the write names the prefix by the
 * request's own `${aws:SourceAccount}`, so a trail still writes only under its own
 * account's prefix; its ARN must be `trail/audit-trail` of that account (any region);
 * the accounts are listed once, or, with an organization, replaced by `aws:SourceOrgID`.
 * The ACL check (which reveals only the bucket's owner-only ACL) admits the trail
 * name with the same account list.
 */
export function compactAuditBucketPolicy(audit: Audit, accountIds: readonly string[], organizationId: string | undefined): PolicyDocument {
  const arn = `arn:aws:s3:::${auditBucketName(audit)}`;
  const who: Record<string, string | string[]> = organizationId ? { "aws:SourceOrgID": organizationId } : { "aws:SourceAccount": [...accountIds].sort(byCodePoint) };
  return policyDocument([
    denyInsecureTransport({ arn }),
    { Sid: "DenyDeletesByOtherAccounts", Effect: "Deny", Principal: "*", Action: TRAIL_DELETES, Resource: [arn, `${arn}/*`], Condition: { StringNotEquals: { "aws:PrincipalAccount": audit.account.id } } },
    {
      Sid: "AWSCloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: arn,
      Condition: { StringEquals: who, ArnLike: { "aws:SourceArn": `arn:aws:cloudtrail:*:*:trail/${TRAIL_NAME}` } },
    },
    {
      Sid: "AWSCloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${arn}/AWSLogs/\${aws:SourceAccount}/*`,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", ...who },
        ArnLike: { "aws:SourceArn": `arn:aws:cloudtrail:*:\${aws:SourceAccount}:trail/${TRAIL_NAME}` },
      },
    },
  ]);
}

/** What publishing to an encrypted topic asks of its key. https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html */
const KEY_USE = ["kms:Decrypt", "kms:GenerateDataKey"];

/** One EventBridge rule of an alerted role, in one region of its account. */
export interface AlertRulePlan {
  readonly alert: AlertOn;
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  /** The event pattern, as the literal JSON EventBridge takes. */
  readonly pattern: string;
  readonly topicArn: string;
  /** The rule is in another account than the topic: EventBridge delivers through the account's delivery role. */
  readonly viaRole: boolean;
}

/** Both halves of one alert rule: the rule (and the delivery role's statements, across accounts) and the topic's statement. */
export interface AlertGrant {
  readonly rule: AlertRulePlan;
  readonly topic: Statement;
  /** The statement of the topic's key policy: EventBridge (or the delivery role) encrypts what it publishes. */
  readonly key: Statement;
  /** Across accounts: the delivery role's trust and inline statements. */
  readonly delivery?: { readonly trust: Statement; readonly inline: readonly Statement[] };
}

/**
 * An alert rule and what admits it. In the audit account itself the topic admits
 * EventBridge for exactly that rule (`aws:SourceArn`). From another account
 * EventBridge delivers to a topic of the same region through an execution role
 * of the rule's account (AWS's cross-account targets): the role trusts
 * EventBridge for exactly that account's alert rules (`aws:SourceArn`,
 * `aws:SourceAccount`) and may publish to the topic, and the topic admits that role only.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
 */
export function alertGrant(alert: AlertOn, region: string, audit: Audit): AlertGrant {
  const account = alert.role.account;
  const name = alertRuleName(alert.role.name);
  const arn = `arn:aws:events:${region}:${account.id}:rule/${name}`;
  const topicArn = alertTopicArn(audit, region);
  const viaRole = account !== audit.account;
  const pattern = JSON.stringify({
    source: ["aws.sts"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"], requestParameters: { roleArn: [alert.role.arn] } },
  });
  const rule: AlertRulePlan = { alert, name, region, arn, pattern, topicArn, viaRole };
  if (!viaRole) {
    return {
      rule,
      topic: { Sid: "AlertRules", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: topicArn, Condition: { ArnEquals: { "aws:SourceArn": arn } } },
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions (encrypted topics)
      key: { Sid: "AlertRules", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: KEY_USE, Resource: "*", Condition: { ArnEquals: { "aws:SourceArn": arn } } },
    };
  }
  const role = alertDeliveryRoleArn(account);
  return {
    rule,
    topic: { Sid: sid("AlertDelivery", account.name), Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account.id}:root` }, Action: "sns:Publish", Resource: topicArn, Condition: { ArnEquals: { "aws:PrincipalArn": role } } },
    key: {
      Sid: sid("AlertDelivery", account.name, "ThroughSns"),
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account.id}:root` },
      Action: KEY_USE,
      Resource: "*",
      Condition: { ArnEquals: { "aws:PrincipalArn": role }, ...viaService("sns", region) },
    },
    delivery: {
      trust: {
        Sid: "TrustEventBridgeAlertRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": account.id }, ArnEquals: { "aws:SourceArn": arn } },
      },
      inline: [
        { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
        { Sid: "EncryptAlerts", Effect: "Allow", Action: KEY_USE, Resource: keyArnPattern(audit.account.id, region), Condition: { ...hasAlias(alertKeyAlias(region)), ...viaService("sns", region) } },
      ],
    },
  };
}

/** The audit account's alert topic of one region and its policy. */
export interface AlertTopicPlan {
  readonly region: string;
  readonly name: string;
  readonly arn: string;
  readonly policy: PolicyDocument;
  /** The topic's own key (rotation on) and its policy. */
  readonly key: { readonly alias: string; readonly policy: PolicyDocument };
}

/** What one account's stack writes for the baseline. */
export interface BaselinePlan {
  /** Where the map's `baseline` block stands, for messages. */
  readonly at: Located;
  readonly passwordPolicy?: PasswordPolicy;
  /** The self-service MFA policy and the groups it is attached to. */
  readonly selfServiceMfa?: { readonly name: string; readonly document: PolicyDocument; readonly groups: readonly Group[] };
  readonly trail?: TrailGrant["trail"];
  /** In the audit account: the trail bucket and its policy. */
  readonly auditBucket?: { readonly name: string; readonly arn: string; readonly policy: PolicyDocument; readonly audit: Audit };
  /** The rules of the account's alerted roles, by role then region. */
  readonly alertRules: readonly AlertRulePlan[];
  /** The account's rules deliver to the audit account through this role. */
  readonly alertDelivery?: { readonly name: string; readonly arn: string; readonly trustPolicy: PolicyDocument; readonly inlinePolicy: PolicyDocument };
  /** In the audit account: one topic per region that has alert rules. */
  readonly alertTopics: readonly AlertTopicPlan[];
}

/** An account's plan part: absent for a map without a `baseline` block. */
export interface BaselinePlans {
  readonly baseline?: BaselinePlan;
}

/**
 * Every account's baseline plan, by account name; empty without a `baseline` block.
 * `compactTrail`: the audit bucket's policy takes the compact form (the planner
 * decides: only past S3's quota).
 */
export function planBaseline(model: Model, compactTrail: (explicit: PolicyDocument) => boolean): Map<Account, BaselinePlan> {
  const out = new Map<Account, BaselinePlan>();
  const baseline = model.baseline;
  if (!baseline) return out;
  const audit = baseline.audit;
  const trails = audit ? model.accounts.map((a) => trailGrant(a, audit)) : [];
  const grants = audit ? audit.alertOn.flatMap((alert) => alertRegions(alert).map((region) => alertGrant(alert, region, audit))) : [];
  for (const account of model.accounts) {
    const groups = account.groups;
    const mine = grants.filter((g) => g.rule.alert.role.account === account);
    const delivery = mine.filter((g) => g.delivery);
    const plan: BaselinePlan = {
      at: audit?.at ?? baseline.at,
      ...(baseline.passwordPolicy === "strict" && groups.length > 0 ? { passwordPolicy: CIS_PASSWORD_POLICY } : {}),
      ...(baseline.selfServiceMfa && groups.length > 0
        ? { selfServiceMfa: { name: SELF_SERVICE_MFA_POLICY, document: selfServiceMfaDocument(), groups: [...groups].sort((a, b) => byCodePoint(a.name, b.name)) } }
        : {}),
      ...(audit ? { trail: trails.find((t) => t.trail.arn === trailArn(account))!.trail } : {}),
      ...(audit && audit.account === account ? { auditBucket: auditBucket(audit, trails, model, compactTrail) } : {}),
      alertRules: mine.map((g) => g.rule),
      ...(delivery.length > 0
        ? {
            alertDelivery: {
              name: ALERT_DELIVERY_ROLE,
              arn: alertDeliveryRoleArn(account),
              trustPolicy: mergeSourceArns(delivery.map((g) => g.delivery!.trust)),
              inlinePolicy: policyDocument(delivery.flatMap((g) => g.delivery!.inline)),
            },
          }
        : {}),
      alertTopics: audit && audit.account === account ? alertTopics(audit, grants) : [],
    };
    out.set(account, plan);
  }
  return out;
}

function auditBucket(audit: Audit, trails: readonly TrailGrant[], model: Model, compact: (explicit: PolicyDocument) => boolean): NonNullable<BaselinePlan["auditBucket"]> {
  const explicit = auditBucketPolicy(audit, trails);
  const policy = compact(explicit) ? compactAuditBucketPolicy(audit, model.accounts.map((a) => a.id), model.organizationId) : explicit;
  return { name: auditBucketName(audit), arn: `arn:aws:s3:::${auditBucketName(audit)}`, policy, audit };
}

/** One trust statement whose `aws:SourceArn` lists every rule of the account. */
function mergeSourceArns(trusts: readonly Statement[]): PolicyDocument {
  const arns = [...new Set(trusts.flatMap((t) => [t.Condition!.ArnEquals["aws:SourceArn"]].flat()))].sort(byCodePoint);
  const first = trusts[0];
  return policyDocument([{ ...first, Condition: { ...first.Condition!, ArnEquals: { "aws:SourceArn": arns.length === 1 ? arns[0] : arns } } }]);
}

/** The audit account's topics, one per region with rules, each admitting exactly the rules (or delivery roles) of that region. */
function alertTopics(audit: Audit, grants: readonly AlertGrant[]): AlertTopicPlan[] {
  const regions = [...new Set(grants.map((g) => g.rule.region))].sort(byCodePoint);
  return regions.map((region) => {
    const here = grants.filter((g) => g.rule.region === region);
    const arn = alertTopicArn(audit, region);
    const own = here.filter((g) => !g.rule.viaRole).map((g) => g.rule.arn).sort(byCodePoint);
    const statements: Statement[] = [
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ...(own.length > 0 ? [{ ...here.find((g) => !g.rule.viaRole)!.topic, Condition: { ArnEquals: { "aws:SourceArn": own.length === 1 ? own[0] : own } } }] : []),
      ...here.filter((g) => g.rule.viaRole).map((g) => g.topic),
    ];
    const ownKey = here.filter((g) => !g.rule.viaRole);
    const keyStatements: Statement[] = [
      keyAdministration(audit.account.id),
      ...(ownKey.length > 0 ? [{ ...ownKey[0].key, Condition: { ArnEquals: { "aws:SourceArn": own.length === 1 ? own[0] : own } } }] : []),
      ...here.filter((g) => g.rule.viaRole).map((g) => g.key),
    ];
    return { region, name: alertTopicName(region), arn, policy: policyDocument(statements), key: { alias: alertKeyAlias(region), policy: policyDocument(keyStatements) } };
  });
}
