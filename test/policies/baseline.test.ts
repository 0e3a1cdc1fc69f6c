/**
 * The account baseline (test/fixtures/good/baseline.yaml) as claims about the
 * plans: the CIS password policy and self-service MFA where there are groups,
 * one trail per account and the audit bucket's statement admitting exactly it,
 * the alert rules in each region STS records the event in, and the topic
 * statements that admit exactly those rules. Then the defaults, the compact
 * bucket policy at scale, and a map without a baseline block.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../config/errors";
import { CIS_PASSWORD_POLICY, WITHOUT_MFA, alertRuleName } from "../../policies/baseline";
import { policySize } from "../../policies/document";
import type { AccountPlan } from "../../policies/plan";
import { exampleText, plan, statement } from "../helpers";

const FIXTURE = "test/fixtures/good/baseline.yaml";
const BUCKET = "arn:aws:s3:::audit-trail-999999999999";
const trail = (region: string, id: string) => `arn:aws:cloudtrail:${region}:${id}:trail/audit-trail`;

let plans: AccountPlan[];
beforeAll(async () => {
  ({ plans } = await plan(readFileSync(FIXTURE, "utf8"), FIXTURE));
});
const of = (name: string) => plans.find((p) => p.account.name === name)!.baseline!;

describe("GIVEN a baseline block with every key", () => {
  test("THEN every account with groups gets the CIS password policy", () => {
    for (const a of ["prod", "dev", "security"]) expect(of(a).passwordPolicy).toEqual(CIS_PASSWORD_POLICY);
    expect(CIS_PASSWORD_POLICY).toMatchObject({ minimumPasswordLength: 14, passwordReusePrevention: 24, maxPasswordAge: 90, requireSymbols: true, requireNumbers: true, requireLowercaseCharacters: true, requireUppercaseCharacters: true });
  });

  test("THEN every group gets the self-service MFA policy, scoped to the user's own name, denying the rest without MFA", () => {
    expect(of("prod").selfServiceMfa!.groups.map((g) => g.name)).toEqual(["operators"]);
    const doc = of("prod").selfServiceMfa!.document;
    expect(statement(doc, "AllowManageOwnUserMFA").Resource).toBe("arn:aws:iam::*:user/${aws:username}");
    expect(statement(doc, "AllowManageOwnAccessKeys").Resource).toBe("arn:aws:iam::*:user/${aws:username}");
    const deny = statement(doc, "DenyAllExceptListedIfNoMFA");
    expect(deny).toMatchObject({ Effect: "Deny", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } });
    // Setting MFA up is left open; deactivating it is not.
    expect(deny.NotAction).toEqual(expect.arrayContaining(["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"]));
    expect(deny.NotAction).not.toContain("iam:DeactivateMFADevice");
    expect(WITHOUT_MFA).toEqual(deny.NotAction);
  });

  test("THEN every account has a multi-region trail named after the audit bucket", () => {
    expect(of("prod").trail).toEqual({ name: "audit-trail", arn: trail("us-west-2", "111111111111"), bucket: "audit-trail-999999999999", region: "us-west-2" });
    expect(of("dev").trail!.arn).toBe(trail("us-east-1", "333333333333"));
  });

  test("THEN the audit bucket admits each trail only under its own account's prefix, and only that trail", () => {
    const policy = of("security").auditBucket!.policy;
    expect(statement(policy, "AWSCloudTrailWrite111111111111")).toEqual({
      Sid: "AWSCloudTrailWrite111111111111",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${BUCKET}/AWSLogs/111111111111/*`,
      Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail("us-west-2", "111111111111") } },
    });
    expect(statement(policy, "AWSCloudTrailAclCheck").Condition).toEqual({
      StringEquals: { "aws:SourceArn": [trail("us-east-1", "333333333333"), trail("us-east-1", "999999999999"), trail("us-west-2", "111111111111")] },
    });
    expect(statement(policy, "DenyDeletesByOtherAccounts")).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalAccount": "999999999999" } } });
    expect(statement(policy, "DenyInsecureTransport").Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(of("prod").auditBucket).toBeUndefined();
  });

  test("THEN an alerted role outside us-east-1 gets a rule there (STS's global endpoint) and in its home region", () => {
    const rules = of("prod").alertRules;
    expect(rules.map((r) => [r.name, r.region, r.topicArn, r.viaRole])).toEqual([
      ["assume-BreakGlass", "us-east-1", "arn:aws:sns:us-east-1:999999999999:role-assumed-alerts-us-east-1", true],
      ["assume-BreakGlass", "us-west-2", "arn:aws:sns:us-west-2:999999999999:role-assumed-alerts-us-west-2", true],
    ]);
    expect(JSON.parse(rules[0].pattern)).toEqual({
      source: ["aws.sts"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"], requestParameters: { roleArn: ["arn:aws:iam::111111111111:role/BreakGlass"] } },
    });
  });

  test("THEN across accounts the delivery role trusts EventBridge for exactly its account's rules, and the topic admits only that role", () => {
    const delivery = of("prod").alertDelivery!;
    expect(delivery.trustPolicy.Statement).toEqual([
      {
        Sid: "TrustEventBridgeAlertRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "111111111111" },
          ArnEquals: { "aws:SourceArn": ["arn:aws:events:us-east-1:111111111111:rule/assume-BreakGlass", "arn:aws:events:us-west-2:111111111111:rule/assume-BreakGlass"] },
        },
      },
    ]);
    const west = of("security").alertTopics.find((t) => t.region === "us-west-2")!;
    expect(statement(west.policy, "AlertDeliveryProd")).toEqual({
      Sid: "AlertDeliveryProd",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111111111111:root" },
      Action: "sns:Publish",
      Resource: "arn:aws:sns:us-west-2:999999999999:role-assumed-alerts-us-west-2",
      Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/AuditAlertDelivery" } },
    });
    expect(west.policy.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "AlertDeliveryProd"]);
  });

  test("THEN in the audit account itself the topic admits EventBridge for exactly that rule, with no delivery role", () => {
    expect(of("security").alertDelivery).toBeUndefined();
    const east = of("security").alertTopics.find((t) => t.region === "us-east-1")!;
    expect(statement(east.policy, "AlertRules")).toEqual({
      Sid: "AlertRules",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: "arn:aws:sns:us-east-1:999999999999:role-assumed-alerts-us-east-1",
      Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:us-east-1:999999999999:rule/assume-Auditor" } },
    });
  });
});

describe("GIVEN the defaults", () => {
  const map = (baseline: string) => `${exampleText()}\nbaseline:\n${baseline}\n`;

  test("WHEN the block is empty THEN the password policy and MFA are written, and no trail", async () => {
    const { plans } = await plan(map("  {}").replace("baseline:\n  {}", "baseline: {}"));
    const staging = plans.find((p) => p.account.name === "staging")!.baseline!;
    expect(staging.passwordPolicy).toEqual(CIS_PASSWORD_POLICY);
    expect(staging.selfServiceMfa!.groups.map((g) => g.name)).toEqual(["admins", "developers", "testers"]);
    expect(staging.trail).toBeUndefined();
    expect(staging.alertRules).toEqual([]);
  });

  test("WHEN passwordPolicy is none and selfServiceMfa false THEN neither is written", async () => {
    const { plans } = await plan(map("  passwordPolicy: none\n  selfServiceMfa: false"));
    for (const p of plans) expect(p.baseline).toEqual({ at: expect.anything(), alertRules: [], alertTopics: [] });
  });

  test("WHEN the map has no baseline block THEN no plan has a baseline part", async () => {
    const { plans } = await plan(exampleText());
    for (const p of plans) expect("baseline" in p).toBe(false);
  });
});

describe("GIVEN many accounts", () => {
  const accounts = (n: number) =>
    Array.from({ length: n }, (_, i) => `  a${i}:\n    id: "${String(100000000000 + i)}"\n`).join("");
  const map = (n: number, org = "") => `version: 1\ndefaults:\n  region: eu-west-1\n${org}baseline:\n  audit:\n    account: a0\naccounts:\n${accounts(n)}`;

  test("WHEN the explicit bucket policy is past S3's 20 KB THEN the compact form names the prefix by the request's own account and fits", async () => {
    const { plans } = await plan(map(400));
    const policy = plans.find((p) => p.account.name === "a0")!.baseline!.auditBucket!.policy;
    expect(policySize(policy)).toBeLessThanOrEqual(20480);
    const write = statement(policy, "AWSCloudTrailWrite");
    expect(write.Resource).toBe("arn:aws:s3:::audit-trail-100000000000/AWSLogs/${aws:SourceAccount}/*");
    expect(write.Condition!.ArnLike).toEqual({ "aws:SourceArn": "arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/audit-trail" });
    expect(write.Condition!.StringEquals["aws:SourceAccount"]).toHaveLength(400);
  });

  test("WHEN few accounts THEN the explicit form, one write statement per trail", async () => {
    const { plans } = await plan(map(3));
    const policy = plans.find((p) => p.account.name === "a0")!.baseline!.auditBucket!.policy;
    expect(policy.Statement.filter((s) => s.Sid?.startsWith("AWSCloudTrailWrite"))).toHaveLength(3);
  });

  test("WHEN an organization is declared THEN the compact form lists no accounts (aws:SourceOrgID)", async () => {
    const { plans } = await plan(map(2000, "organization:\n  id: o-a1b2c3d4e5\n"));
    const policy = plans.find((p) => p.account.name === "a0")!.baseline!.auditBucket!.policy;
    expect(statement(policy, "AWSCloudTrailWrite").Condition!.StringEquals).toEqual({ "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceOrgID": "o-a1b2c3d4e5" });
    expect(policySize(policy)).toBeLessThan(2000);
  });

  test("WHEN even the compact form's account list is past 20 KB THEN the map is refused, located at the audit block", async () => {
    const error = await plan(map(1500), "many.yaml").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split("\n")[0]).toMatch(
      /^many\.yaml:5:3 baseline\.audit: bucket policy of the audit bucket audit-trail-100000000000 is [\d,]+ characters, over AWS's limit of 20,480 \(declare an organization/,
    );
  });
});

test("a rule's name keeps EventBridge's characters and length, and two roles never share one", () => {
  expect(alertRuleName("BreakGlass")).toBe("assume-BreakGlass");
  expect(alertRuleName("ops+admin@x")).toMatch(/^assume-ops_admin_x-[0-9a-f]{8}$/);
  expect(alertRuleName("ops=admin@x")).not.toBe(alertRuleName("ops+admin@x"));
  expect(alertRuleName("R".repeat(64))).toHaveLength(64);
});

test("each alert topic has a key of its own: the root administers it, and only the topic's own rules or delivery roles use it, through SNS", async () => {
  const { plans } = await plan(readFileSync(FIXTURE, "utf8"), FIXTURE);
  const security = plans.find((p) => p.account.name === "security")!.baseline!;
  const west = security.alertTopics.find((t) => t.region === "us-west-2")!;
  expect(west.key.alias).toBe("alias/sns/role-assumed-alerts-us-west-2");
  expect(west.key.policy.Statement.map((s) => s.Sid)).toEqual(["EnableIamUserPermissions", "AlertDeliveryProdThroughSns"]);
  expect(statement(west.key.policy, "AlertDeliveryProdThroughSns").Condition).toEqual({
    ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/AuditAlertDelivery" },
    StringEquals: { "kms:ViaService": "sns.us-west-2.amazonaws.com" },
  });
  const east = security.alertTopics.find((t) => t.region === "us-east-1")!;
  expect(statement(east.key.policy, "AlertRules")).toMatchObject({ Principal: { Service: "events.amazonaws.com" }, Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:us-east-1:999999999999:rule/assume-Auditor" } } });
  const inline = plans.find((p) => p.account.name === "prod")!.baseline!.alertDelivery!.inlinePolicy;
  expect(statement(inline, "EncryptAlerts")).toMatchObject({
    Resource: "arn:aws:kms:us-east-1:999999999999:key/*",
    Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/sns/role-assumed-alerts-us-east-1" }, StringEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } },
  });
});
