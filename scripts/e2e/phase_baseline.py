"""The account baseline against moto: deploy test/fixtures/e2e/baseline.yaml (the
audit account's stack first: its bucket policy must admit the trails), check
through the emulator's API each account's password policy, the self-service MFA
policy on every group, the trail, the audit bucket and its policy, the alert
rules and their targets, the alert topics, their policies and keys; re-plan
empty, destroy, and check that nothing is left."""
from __future__ import annotations

import json

NAME = "baseline"
PROD, SECURITY = "111111111111", "999999999999"
DEPLOY = "OrganizationAccountAccessRole"
BUCKET = f"audit-trail-{SECURITY}"


def _policy(text: str) -> dict:
    return json.loads(text.replace("$${", "${"))


def _client(e2e, endpoint: str, account: str, service: str, region: str | None = None):
    return e2e.session(endpoint, account, DEPLOY).client(service, endpoint_url=endpoint, verify=False, **({"region_name": region} if region else {}))


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    stacks = e2e.synth(e2e.ROOT / "test" / "fixtures" / "e2e" / "baseline.yaml", endpoint)
    e2e.check(stacks == ["prod", "security"], f"baseline: one stack per account: {stacks}")
    for stack in stacks:
        e2e.terraform(stack, env, "init")
    try:
        e2e.terraform("security", env, "apply", "-auto-approve")
        e2e.log("applied security")
        e2e.terraform("prod", env, "apply", "-auto-approve")
        e2e.log("applied prod")
        for stack, account in (("prod", PROD), ("security", SECURITY)):
            res = e2e.stack_json(stack)["resource"]
            iam = _client(e2e, endpoint, account, "iam")
            want = next(iter(res["aws_iam_account_password_policy"].values()))
            got = iam.get_account_password_policy()["PasswordPolicy"]
            e2e.check(
                (got["MinimumPasswordLength"], got["RequireSymbols"], got["RequireNumbers"], got["RequireUppercaseCharacters"], got["RequireLowercaseCharacters"],
                 got["PasswordReusePrevention"], got["MaxPasswordAge"], got["AllowUsersToChangePassword"])
                == (want["minimum_password_length"], want["require_symbols"], want["require_numbers"], want["require_uppercase_characters"],
                    want["require_lowercase_characters"], want["password_reuse_prevention"], want["max_password_age"], want["allow_users_to_change_password"]),
                f"baseline: {stack}'s password policy is the CIS one ({got})")
            mfa = next(p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == "SelfServiceMfa")
            doc = iam.get_policy_version(PolicyArn=mfa["Arn"], VersionId=mfa["DefaultVersionId"])["PolicyVersion"]["Document"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            e2e.check(doc == _policy(res["aws_iam_policy"]["baseline__SelfServiceMfa"]["policy"]), f"baseline: {stack}'s SelfServiceMfa policy is the synthesized one")
            for group in sorted(g["name"] for g in res["aws_iam_group"].values()):
                attached = [p["PolicyName"] for p in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]]
                e2e.check(attached == ["SelfServiceMfa"], f"baseline: {stack}/{group} has SelfServiceMfa attached ({attached})")
            region = e2e.stack_json(stack)["provider"]["aws"][0]["region"]
            ct = _client(e2e, endpoint, account, "cloudtrail", region)
            trails = ct.describe_trails()["trailList"]
            e2e.check(len(trails) == 1, f"baseline: {stack} has one trail ({[t['Name'] for t in trails]})")
            t = trails[0]
            e2e.check((t["Name"], t["S3BucketName"], t["IsMultiRegionTrail"], t["LogFileValidationEnabled"], t["IncludeGlobalServiceEvents"], t.get("HomeRegion"))
                      == ("audit-trail", BUCKET, True, True, True, region),
                      f"baseline: {stack}'s trail is multi-region with log file validation, delivering to {BUCKET} ({t})")

        res = e2e.stack_json("security")["resource"]
        s3 = _client(e2e, endpoint, SECURITY, "s3")
        e2e.check(_policy(res["aws_s3_bucket_policy"][BUCKET]["policy"]) == json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]),
                  "baseline: the audit bucket's policy is the synthesized one")
        e2e.check(s3.get_bucket_versioning(Bucket=BUCKET).get("Status") == "Enabled", "baseline: the audit bucket is versioned")
        sse = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        e2e.check(sse == "AES256", f"baseline: the audit bucket is encrypted by default ({sse})")
        pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
        e2e.check(all(pab.values()) and len(pab) == 4, f"baseline: the audit bucket blocks public access ({pab})")

        for region in ("us-east-1", "us-west-2"):
            name = f"role-assumed-alerts-{region}"
            sns = _client(e2e, endpoint, SECURITY, "sns", region)
            arn = f"arn:aws:sns:{region}:{SECURITY}:{name}"
            attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            e2e.check(json.loads(attrs["Policy"]) == _policy(res["aws_sns_topic_policy"][f"baseline__{name}"]["policy"]), f"baseline: the policy of {name} is the synthesized one")
            kms = _client(e2e, endpoint, SECURITY, "kms", region)
            key = kms.describe_key(KeyId=f"alias/sns/{name}")["KeyMetadata"]
            e2e.check(attrs.get("KmsMasterKeyId", "").endswith(key["KeyId"]) or attrs.get("KmsMasterKeyId") == key["Arn"],
                      f"baseline: {name} is encrypted with its own key ({attrs.get('KmsMasterKeyId')})")
            got_key = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
            e2e.check(got_key == _policy(res["aws_kms_key"][f"baseline__{name}"]["policy"]), f"baseline: the key policy of {name} is the synthesized one")

        prod = e2e.stack_json("prod")["resource"]
        for region in ("us-east-1", "us-west-2"):
            events = _client(e2e, endpoint, PROD, "events", region)
            rules = events.list_rules()["Rules"]
            e2e.check([r["Name"] for r in rules] == ["assume-BreakGlass"], f"baseline: prod has the BreakGlass rule in {region} ({[r['Name'] for r in rules]})")
            e2e.check(json.loads(rules[0]["EventPattern"]) == json.loads(prod["aws_cloudwatch_event_rule"][f"baseline__assume-BreakGlass__{region}"]["event_pattern"]),
                      f"baseline: prod's rule in {region} matches AssumeRole on BreakGlass, as synthesized")
            targets = events.list_targets_by_rule(Rule="assume-BreakGlass")["Targets"]
            e2e.check([(t["Arn"], t.get("RoleArn")) for t in targets] == [(f"arn:aws:sns:{region}:{SECURITY}:role-assumed-alerts-{region}", f"arn:aws:iam::{PROD}:role/AuditAlertDelivery")],
                      f"baseline: prod's rule in {region} targets security's topic of that region through the delivery role ({targets})")
        sec_events = _client(e2e, endpoint, SECURITY, "events", "us-east-1")
        targets = sec_events.list_targets_by_rule(Rule="assume-Auditor")["Targets"]
        e2e.check([(t["Arn"], t.get("RoleArn")) for t in targets] == [(f"arn:aws:sns:us-east-1:{SECURITY}:role-assumed-alerts-us-east-1", None)],
                  f"baseline: security's own rule targets its topic without a role ({targets})")
        iam = _client(e2e, endpoint, PROD, "iam")
        trust = iam.get_role(RoleName="AuditAlertDelivery")["Role"]["AssumeRolePolicyDocument"]
        e2e.check(trust == json.loads(prod["aws_iam_role"]["AuditAlertDelivery"]["assume_role_policy"]), "baseline: the delivery role's trust is the synthesized one")

        e2e.check(e2e.all_zero(e2e.plan_summary(env)), "baseline: plan again: no changes in any stack")
    finally:
        e2e.destroy_all(stacks, env)
    for stack in stacks:
        state = json.loads((e2e.WORK / f"terraform.{stack}.tfstate").read_text())
        e2e.check(state.get("resources") == [], f"baseline: {stack}'s state holds nothing after destroy")
    for account, region in ((PROD, "us-west-2"), (SECURITY, "us-east-1")):
        ct = _client(e2e, endpoint, account, "cloudtrail", region)
        left = [t["Name"] for t in ct.describe_trails()["trailList"]]
        if left == ["audit-trail"]:
            # Terraform deletes a trail by its ARN (the resource's id); moto 5.2.5's DeleteTrail
            # looks the name up among its trails' names only and silently keeps the trail.
            findings["trail_delete"] = "not emulated: moto's DeleteTrail ignores a trail ARN, which Terraform's destroy sends; the trail was left and is deleted by name through the API"
            e2e.log(f"baseline: {findings['trail_delete']}")
            ct.delete_trail(Name="audit-trail")
        left_trails = [t["Name"] for t in ct.describe_trails()["trailList"]]
        left_rules = [r["Name"] for rg in ("us-east-1", "us-west-2") for r in _client(e2e, endpoint, account, "events", rg).list_rules()["Rules"]]
        left_topics = [t["TopicArn"] for rg in ("us-east-1", "us-west-2") for t in _client(e2e, endpoint, account, "sns", rg).list_topics()["Topics"]]
        e2e.check(not left_trails and not left_rules and not left_topics, f"baseline: nothing left in {account} (trails {left_trails}, rules {left_rules}, topics {left_topics})")
    e2e.check_empty(endpoint, {PROD: DEPLOY, SECURITY: DEPLOY})
    return findings
