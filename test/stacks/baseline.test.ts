/**
 * The baseline's stack resources (test/fixtures/good/baseline.yaml): what each
 * account's synthesized stack holds, every resource on its account's provider
 * (us-east-1's aliased provider for the rules of a role whose home is elsewhere).
 */
import { readFileSync } from "node:fs";
import { addresses, exampleText, policy, resource, synth, type TfJson } from "../helpers";

let tf: Record<string, TfJson>;
beforeAll(async () => {
  tf = await synth(readFileSync("test/fixtures/good/baseline.yaml", "utf8"));
});

test("the password policy is the CIS one, on the account's provider", () => {
  expect(resource(tf.prod, "aws_iam_account_password_policy", "baseline")).toEqual({
    provider: "aws.prod",
    minimum_password_length: 14,
    require_lowercase_characters: true,
    require_uppercase_characters: true,
    require_numbers: true,
    require_symbols: true,
    password_reuse_prevention: 24,
    max_password_age: 90,
    allow_users_to_change_password: true,
    hard_expiry: false,
  });
});

test("the self-service MFA policy is a managed policy attached to every group by reference", () => {
  expect(resource(tf.prod, "aws_iam_group_policy_attachment", "baseline__SelfServiceMfa__operators")).toEqual({
    provider: "aws.prod",
    group: "${aws_iam_group.operators.name}",
    policy_arn: "${aws_iam_policy.baseline__SelfServiceMfa.arn}",
  });
  const doc = policy(tf.prod, "aws_iam_policy", "baseline__SelfServiceMfa");
  const deny = doc.Statement.find((s) => s.Sid === "DenyAllExceptListedIfNoMFA")!;
  // Written as NotAction alone: the Deny has no Action key at all.
  expect("Action" in deny).toBe(false);
  expect(deny.NotAction).toContain("sts:GetSessionToken");
});

test("every account's trail is multi-region with log file validation, delivering to the audit bucket", () => {
  expect(resource(tf.dev, "aws_cloudtrail", "baseline__audit-trail")).toEqual({
    provider: "aws.dev",
    name: "audit-trail",
    s3_bucket_name: "audit-trail-999999999999",
    is_multi_region_trail: true,
    include_global_service_events: true,
    enable_log_file_validation: true,
  });
  // In the audit account the trail waits for the bucket policy that admits it.
  expect(resource(tf.security, "aws_cloudtrail", "baseline__audit-trail").depends_on).toEqual(["aws_s3_bucket_policy.audit-trail-999999999999"]);
});

test("the audit bucket is versioned, encrypted, ownership-enforced and closed to the public", () => {
  const b = "audit-trail-999999999999";
  expect(resource(tf.security, "aws_s3_bucket_versioning", b).versioning_configuration).toEqual({ status: "Enabled" });
  expect(resource(tf.security, "aws_s3_bucket_server_side_encryption_configuration", b).rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
  expect(resource(tf.security, "aws_s3_bucket_public_access_block", b)).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  expect(resource(tf.security, "aws_s3_bucket_ownership_controls", b).rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  expect(addresses(tf.prod).filter((a) => a.startsWith("aws_s3_bucket"))).toEqual([]);
});

test("an alerted role's rules stand in us-east-1 and its home region, each targeting that region's topic through the delivery role", () => {
  expect(resource(tf.prod, "aws_cloudwatch_event_rule", "baseline__assume-BreakGlass__us-east-1").provider).toBe("aws.prod_us-east-1");
  expect(resource(tf.prod, "aws_cloudwatch_event_target", "baseline__assume-BreakGlass__us-west-2")).toEqual({
    provider: "aws.prod",
    rule: "${aws_cloudwatch_event_rule.baseline__assume-BreakGlass__us-west-2.name}",
    target_id: "audit-alert-topic",
    arn: "arn:aws:sns:us-west-2:999999999999:role-assumed-alerts-us-west-2",
    role_arn: "${aws_iam_role.AuditAlertDelivery.arn}",
  });
  // In the audit account the target needs no role: the topic admits the rule itself.
  expect(resource(tf.security, "aws_cloudwatch_event_target", "baseline__assume-Auditor__us-east-1").role_arn).toBeUndefined();
  expect(addresses(tf.security).filter((a) => a.startsWith("aws_sns_topic."))).toEqual(["aws_sns_topic.baseline__role-assumed-alerts-us-east-1", "aws_sns_topic.baseline__role-assumed-alerts-us-west-2"]);
  expect(resource(tf.security, "aws_sns_topic", "baseline__role-assumed-alerts-us-west-2").provider).toBe("aws.security_us-west-2");
});

test("a map without a baseline block has none of these resources", async () => {
  const plain = await synth(exampleText());
  const types = Object.values(plain).flatMap((t) => Object.keys(t.resource));
  for (const type of ["aws_iam_account_password_policy", "aws_cloudtrail", "aws_cloudwatch_event_rule", "aws_iam_group_policy_attachment"]) expect(types).not.toContain(type);
});

test("each alert topic is encrypted with its own rotating key", () => {
  expect(resource(tf.security, "aws_sns_topic", "baseline__role-assumed-alerts-us-east-1").kms_master_key_id).toBe("${aws_kms_key.baseline__role-assumed-alerts-us-east-1.arn}");
  expect(resource(tf.security, "aws_kms_key", "baseline__role-assumed-alerts-us-east-1").enable_key_rotation).toBe(true);
  expect(resource(tf.security, "aws_kms_alias", "baseline__role-assumed-alerts-us-east-1").name).toBe("alias/sns/role-assumed-alerts-us-east-1");
});
