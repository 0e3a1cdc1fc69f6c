/**
 * KMS keys, KMS-encrypted buckets and secrets: both halves of each grant, and the
 * key policy written beside the resource policy (test/fixtures/good/kinds-keys.yaml).
 */
import { readFileSync } from "node:fs";
import type { Statement } from "../../policies/document";
import type { AccountPlan, ResourcePlan } from "../../policies/plan";
import { resourcePlans } from "../../policies/plan";
import { plan, statement } from "../helpers";

const FIXTURE = "test/fixtures/good/kinds-keys.yaml";
let plans: AccountPlan[];
beforeAll(async () => {
  ({ plans } = await plan(readFileSync(FIXTURE, "utf8"), FIXTURE));
});
const account = (name: string) => plans.find((p) => p.account.name === name)!;
const entry = (name: string): ResourcePlan => resourcePlans(account("prod")).find((e) => e.resource.name === name)!;
const keyPolicy = (name: string) => entry(name).extra.find((d) => d.id === "key")!.document;
const roleInline = (acct: string, role: string) => account(acct).roles.find((r) => r.role.name === role)!.inlinePolicy;
const groupInline = (acct: string, group: string) => account(acct).groups.find((g) => g.group.name === group)!.inlinePolicy;
const KEY_MANAGEMENT = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:DisableKey"];
const actionsOf = (s: Statement) => [s.Action].flat();

describe("GIVEN key artifact-signing grants dev/role/ci-runner encrypt-decrypt, staging/role/reporting decrypt, prod/release-managers encrypt", () => {
  test("THEN its key policy keeps the account root's administration first and names each other account's grantee with its level's actions", () => {
    const doc = entry("artifact-signing").policy;
    expect(doc.Statement[0]).toEqual({ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" });
    expect(statement(doc, "UseKeyRoleDevCiRunner")).toEqual({
      Sid: "UseKeyRoleDevCiRunner",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::333333333333:root" },
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/ci-runner" }, StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
    });
    expect(actionsOf(statement(doc, "UseKeyRoleStagingReporting"))).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
    // Same account: the identity half alone, through the root statement.
    expect(doc.Statement).toHaveLength(3);
  });
  test("THEN each grantee's identity half names key/* of the key's account and region, narrowed to the alias, with no cross-stack reference", () => {
    expect(statement(roleInline("dev", "ci-runner"), "UseKeys")).toEqual({
      Sid: "UseKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: "arn:aws:kms:us-west-2:111111111111:key/*",
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/artifact-signing" } },
    });
    expect(actionsOf(statement(roleInline("staging", "reporting"), "UseKeys"))).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
    const people = statement(groupInline("prod", "release-managers"), "UseKeysWithMfa");
    expect(actionsOf(people)).toEqual(["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]);
    expect(people.Condition).toEqual({ Bool: { "aws:MultiFactorAuthPresent": "true" }, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/artifact-signing" } });
  });
  test("THEN no statement of any plan grants managing a key", () => {
    const all = plans.flatMap((p) => [
      ...p.roles.flatMap((r) => r.inlinePolicy?.Statement ?? []),
      ...p.groups.flatMap((g) => g.inlinePolicy?.Statement ?? []),
      ...resourcePlans(p).flatMap((e) => [...e.policy.Statement, ...e.extra.flatMap((d) => d.document.Statement)]).filter((s) => s.Sid !== "EnableIamUserPermissions"),
    ]);
    for (const s of all) for (const a of KEY_MANAGEMENT) expect(actionsOf(s)).not.toContain(a);
  });
});

describe("GIVEN bucket prod-ledger-exports with encryption: kms grants staging/role/reporting read and staging/developers read-write", () => {
  test("THEN the bucket has a key policy as an extra document: root administration, and kms:Decrypt (read) or also kms:GenerateDataKey (read-write) through S3 of the bucket's region", () => {
    const doc = keyPolicy("prod-ledger-exports");
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["EnableIamUserPermissions", "ReadWriteThroughS3PeopleWithMfa", "ReadThroughS3RoleStagingReporting"]);
    expect(statement(doc, "ReadThroughS3RoleStagingReporting")).toEqual({
      Sid: "ReadThroughS3RoleStagingReporting",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::222222222222:root" },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: {
        ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/reporting" },
        StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:ViaService": "s3.us-west-2.amazonaws.com" },
      },
    });
    expect(actionsOf(statement(doc, "ReadWriteThroughS3PeopleWithMfa"))).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
  });
  test("THEN the grantees' identity halves hold kms statements on the bucket's key through S3", () => {
    expect(statement(roleInline("staging", "reporting"), "ReadBucketKeys")).toEqual({
      Sid: "ReadBucketKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: "arn:aws:kms:us-west-2:111111111111:key/*",
      Condition: { StringEquals: { "kms:ViaService": "s3.us-west-2.amazonaws.com" }, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/s3/prod-ledger-exports" } },
    });
    expect(actionsOf(statement(groupInline("staging", "developers"), "ReadWriteBucketKeysWithMfa"))).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
  });
  test("AND a bucket without encryption: kms has no extra document and no kms statement", () => {
    expect(entry("prod-plain-artifacts").extra).toEqual([]);
  });
});

describe("GIVEN secret ledger-db grants staging/role/reporting read and prod/role/ledger-writer read", () => {
  test("THEN its secret policy denies plain HTTP and lets the other account's role read, on Resource *", () => {
    const doc = entry("ledger-db").policy;
    expect(doc.Statement[0]).toEqual({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(actionsOf(statement(doc, "ReadSecretRoleStagingReporting"))).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    expect(doc.Statement).toHaveLength(2);
  });
  test("THEN its own key's policy lets that role decrypt through Secrets Manager only", () => {
    expect(statement(keyPolicy("ledger-db"), "ReadSecretThroughSecretsManagerRoleStagingReporting").Condition).toEqual({
      ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/reporting" },
      StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" },
    });
  });
  test("THEN each grantee reads secret:<name>-?????? and decrypts the secret's key through Secrets Manager; the same-account grantee gets only this half", () => {
    for (const [acct, role] of [["staging", "reporting"], ["prod", "ledger-writer"]]) {
      const doc = roleInline(acct, role);
      expect(statement(doc, "ReadSecrets").Resource).toEqual("arn:aws:secretsmanager:us-west-2:111111111111:secret:ledger-db-??????");
      expect(statement(doc, "ReadSecretKeys").Condition).toEqual({
        StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" },
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": expect.stringMatching(/^alias\/secret\/ledger-db-[0-9a-f]{8}$/) },
      });
    }
  });
  test("AND a secret in another region is written with that region's ARNs and key alias from its name", () => {
    const doc = groupInline("staging", "developers");
    expect(statement(doc, "ReadSecretsWithMfa").Resource).toBe("arn:aws:secretsmanager:eu-west-1:111111111111:secret:team/api+token@v1-??????");
    expect(JSON.stringify(statement(doc, "ReadSecretKeysWithMfa"))).toContain("alias/secret/team/api_token_v1-");
  });
});
