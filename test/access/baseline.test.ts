/**
 * The access report on the account baseline (test/fixtures/good/baseline.yaml):
 * the synthesized stacks pass, with the baseline's probes denied and its checks
 * allowed; each probe fails when the stacks are broken the way a hand edit would
 * break them (the MFA deny dropped, a trail admitted under every prefix, a topic
 * opened to every rule).
 */
import { readFileSync } from "node:fs";
import type { Analysis } from "../../access/analyze";
import { analyzed, sid, synthesized, withPolicy } from "./fixture";
import type { Model } from "../../config/model";
import { isSelfServiceMfa } from "../../access/lint";

const FIXTURE = "test/fixtures/good/baseline.yaml";
let model: Model;
let outdir: string;
let clean: Analysis;
beforeAll(async () => {
  ({ model, outdir } = await synthesized(readFileSync(FIXTURE, "utf8"), FIXTURE));
  clean = await analyzed(model, outdir);
}, 60_000);

const row = (a: Analysis, probe: string) => a.verdict.probes.find((p) => p.probe === probe);
const messages = (a: Analysis) => a.verdict.differences.map((d) => d.message);

test("the baseline's stacks pass the gate, each baseline probe asked and answered as expected", () => {
  expect(messages(clean)).toEqual([]);
  expect(row(clean, "mfa-self-service")).toMatchObject({ requests: 24, denied: 24 });
  expect(row(clean, "trail-bucket")).toMatchObject({ requests: 11, denied: 11 });
  expect(row(clean, "alert-topic")).toMatchObject({ requests: 8, denied: 8 });
});

test("the alert delivery role's publishing is declared by alertOn, so it is not undeclared access", () => {
  expect(clean.intents.filter((i) => i.what === "baseline.audit.alertOn").map((i) => `${i.caller} → ${i.target}`)).toEqual([
    "prod/role/AuditAlertDelivery → security/topic/role-assumed-alerts-us-east-1",
    "prod/role/AuditAlertDelivery → security/topic/role-assumed-alerts-us-west-2",
  ]);
});

test("WHEN the MFA policy's deny is dropped THEN a member without MFA deactivating MFA is reported", async () => {
  const broken = withPolicy(outdir, "prod aws_iam_policy.baseline__SelfServiceMfa", (doc) => {
    doc.Statement = doc.Statement.filter((s) => s.Sid !== "DenyAllExceptListedIfNoMFA");
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual('probe "mfa-self-service" not denied: prod/operators → own user: iam:DeactivateMFADevice (no MFA)');
});

test("WHEN the MFA policy names every user THEN managing another user's device is reported", async () => {
  const broken = withPolicy(outdir, "dev aws_iam_policy.baseline__SelfServiceMfa", (doc) => {
    sid(doc, "AllowManageOwnUserMFA").Resource = "arn:aws:iam::*:user/*";
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual('probe "mfa-self-service" not denied: dev/developers → another user: iam:DeactivateMFADevice, iam:EnableMFADevice (MFA)');
});

test("WHEN a trail's write statement admits every prefix THEN another account's prefix is reported", async () => {
  const broken = withPolicy(outdir, "security aws_s3_bucket_policy.audit-trail-999999999999", (doc) => {
    sid(doc, "AWSCloudTrailWrite111111111111").Resource = "arn:aws:s3:::audit-trail-999999999999/AWSLogs/*";
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual(`probe "trail-bucket" not denied: prod/trail/audit-trail → security/bucket/audit-trail-999999999999: s3:PutObject (security's prefix)`);
});

test("WHEN the trail's write statement loses its aws:SourceArn THEN another trail of the account is reported", async () => {
  const broken = withPolicy(outdir, "security aws_s3_bucket_policy.audit-trail-999999999999", (doc) => {
    const s = sid(doc, "AWSCloudTrailWrite333333333333");
    s.Condition = { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } };
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual('probe "trail-bucket" not denied: dev/trail/audit-trail → security/bucket/audit-trail-999999999999: s3:PutObject (own prefix, another trail of the account)');
});

test("WHEN the topic admits EventBridge without aws:SourceArn THEN another rule is reported", async () => {
  const broken = withPolicy(outdir, "security aws_sns_topic_policy.baseline__role-assumed-alerts-us-east-1", (doc) => {
    delete sid(doc, "AlertRules").Condition;
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual('probe "alert-topic" not denied: service/events.amazonaws.com → security/topic/role-assumed-alerts-us-east-1: sns:Publish (another rule)');
});

test("WHEN the delivery role loses its statement THEN the baseline check reports that alerts cannot be delivered", async () => {
  const broken = withPolicy(outdir, "prod aws_iam_role_policy.AuditAlertDelivery", (doc) => {
    sid(doc, "PublishAlerts").Resource = "arn:aws:sns:us-east-1:999999999999:elsewhere";
  });
  const a = await analyzed(model, broken);
  expect(messages(a)).toContainEqual('baseline check "alert-topic" not allowed: prod/role/AuditAlertDelivery → security/topic/role-assumed-alerts-us-west-2: sns:Publish (the delivery role)');
});

test("the lint notes AWS's self-service MFA policy as info; the same statements without its MFA deny are warnings", async () => {
  const mfaFindings = (a: Analysis) => a.findings.filter((f) => f.resource === "aws_iam_policy.baseline__SelfServiceMfa" && f.rule === "wildcard-resource");
  expect(mfaFindings(clean).length).toBe(15);
  expect(new Set(mfaFindings(clean).map((f) => f.severity))).toEqual(new Set(["info"]));
  const broken = withPolicy(outdir, "prod aws_iam_policy.baseline__SelfServiceMfa", (doc) => {
    doc.Statement = doc.Statement.filter((s) => s.Sid !== "DenyAllExceptListedIfNoMFA");
  });
  const a = await analyzed(model, broken);
  expect(mfaFindings(a).filter((f) => f.stack === "prod").map((f) => f.severity)).toEqual(["warning", "warning", "warning", "warning", "warning"]);
});

test("isSelfServiceMfa needs the Deny with NotAction and BoolIfExists MFA false", () => {
  const deny = { Sid: "DenyAllExceptListedIfNoMFA", Effect: "Deny", NotAction: ["iam:EnableMFADevice"], Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } } as const;
  expect(isSelfServiceMfa([deny])).toBe(true);
  expect(isSelfServiceMfa([{ ...deny, Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } }])).toBe(false);
  expect(isSelfServiceMfa([{ ...deny, Effect: "Allow" }])).toBe(false);
});
