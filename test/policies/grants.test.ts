/**
 * Each grant as a short claim about both halves: the resource side (trust or
 * bucket policy) in the resource's account and the identity side on the caller.
 */
import type { Statement } from "../../policies/document";
import type { AccountPlan } from "../../policies/plan";
import { S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from "../../policies/actions";
import { exampleText, plan, statement } from "../helpers";

const MFA = { Bool: { "aws:MultiFactorAuthPresent": "true" } };
const BUCKET = "arn:aws:s3:::production-test-bucket-101";

let plans: AccountPlan[];
beforeAll(async () => {
  ({ plans } = await plan(exampleText()));
});

const accountPlan = (name: string) => plans.find((p) => p.account.name === name)!;
const role = (account: string, name: string) => accountPlan(account).roles.find((r) => r.role.name === name)!;
const group = (account: string, name: string) => accountPlan(account).groups.find((g) => g.group.name === name)!;
const bucketPolicy = (account: string, name: string) => accountPlan(account).buckets.find((b) => b.bucket.name === name)!.policy;
/** Every action a document allows on a resource (ignoring conditions). */
const allowed = (statements: readonly Statement[], resource: string): string[] =>
  statements
    .filter((s) => s.Effect === "Allow" && [s.Resource].flat().includes(resource))
    .flatMap((s) => [s.Action].flat() as string[])
    .sort();

describe("GIVEN prod/UpdateProdApp assumableBy dev/developers (people, MFA required)", () => {
  test("THEN the role trusts dev's account root only with MFA", () => {
    expect(role("prod", "UpdateProdApp").trustPolicy.Statement).toEqual([
      { Sid: "TrustPeopleWithMfa", Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "sts:AssumeRole", Condition: MFA },
    ]);
  });
  test("THEN dev/developers may call sts:AssumeRole on it, with MFA, beside StagingAccess", () => {
    expect(group("dev", "developers").inlinePolicy!.Statement).toEqual([
      {
        Sid: "AssumeRolesWithMfa",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: ["arn:aws:iam::111111111111:role/UpdateProdApp", "arn:aws:iam::222222222222:role/StagingAccess"],
        Condition: MFA,
      },
    ]);
  });
  test("THEN its customer managed policy is attached and holds the statements as written", () => {
    const r = role("prod", "UpdateProdApp");
    expect(r.role.customerPolicies.map((p) => p.name)).toEqual(["read-write-prod-app-from-dev"]);
    expect(accountPlan("prod").policies[0].document.Statement).toEqual([
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::prod-app-artifacts/*"] },
    ]);
  });
});

describe("GIVEN staging/ci-deployer assumableBy dev/role/ci-runner (a machine)", () => {
  test("THEN the trust names dev's root narrowed to that role by aws:PrincipalArn, without MFA", () => {
    expect(role("staging", "ci-deployer").trustPolicy.Statement).toEqual([
      {
        Sid: "TrustRoleDevCiRunner",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::333333333333:root" },
        Action: "sts:AssumeRole",
        Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/ci-runner" } },
      },
    ]);
  });
  test("THEN ci-runner's inline policy allows sts:AssumeRole on ci-deployer, without MFA", () => {
    expect(role("dev", "ci-runner").inlinePolicy!.Statement).toEqual([
      { Sid: "AssumeRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::222222222222:role/ci-deployer" },
    ]);
  });
});

describe("GIVEN prod/Monitoring assumableBy external/acme-monitoring", () => {
  test("THEN the trust names the vendor's root and requires its external id", () => {
    expect(role("prod", "Monitoring").trustPolicy.Statement).toEqual([
      {
        Sid: "TrustExternalAcmeMonitoring",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::444455556666:root" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "acme-7f3a9c" } },
      },
    ]);
  });
  test("THEN there is no identity half: the vendor's account is not ours", () => {
    const holders = plans.flatMap((p) => [...p.groups, ...p.roles]).filter((h) => JSON.stringify(h.inlinePolicy ?? {}).includes("Monitoring"));
    expect(holders).toEqual([]);
  });
  test("THEN its session may last 2 hours", () => {
    expect(role("prod", "Monitoring").role.maxSessionSeconds).toBe(7200);
  });
});

describe("GIVEN dev/ci-runner assumableBy service/ec2.amazonaws.com", () => {
  test("THEN the trust names the service principal", () => {
    expect(role("dev", "ci-runner").trustPolicy.Statement).toEqual([
      { Sid: "TrustServiceEc2AmazonawsCom", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });
});

describe("GIVEN production-test-bucket-101 grants staging/developers read-write and staging/testers read", () => {
  test("THEN the bucket policy allows staging's root those object actions, with MFA", () => {
    const doc = bucketPolicy("prod", "production-test-bucket-101");
    expect(statement(doc, "ReadWriteObjectsPeopleWithMfa")).toEqual({
      Sid: "ReadWriteObjectsPeopleWithMfa",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::222222222222:root" },
      Action: [...S3_OBJECT_ACTIONS["read-write"]],
      Resource: `${BUCKET}/*`,
      Condition: MFA,
    });
    expect(statement(doc, "ReadObjectsPeopleWithMfa").Action).toEqual([...S3_OBJECT_ACTIONS.read]);
    expect(statement(doc, "ListBucketPeopleWithMfa")).toMatchObject({ Action: [...S3_BUCKET_ACTIONS], Resource: BUCKET, Condition: MFA });
  });
  test("THEN testers' own policy allows reading only: no put, no delete", () => {
    const s = group("staging", "testers").inlinePolicy!.Statement;
    expect(allowed(s, `${BUCKET}/*`)).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
    expect(allowed(s, BUCKET)).toEqual(["s3:GetBucketLocation", "s3:ListBucket"]);
    expect(s.every((x) => JSON.stringify(x.Condition) === JSON.stringify(MFA))).toBe(true);
  });
  test("THEN developers may read and write objects", () => {
    const s = group("staging", "developers").inlinePolicy!.Statement;
    expect(allowed(s, `${BUCKET}/*`)).toEqual([...S3_OBJECT_ACTIONS["read-write"]].sort());
  });
  test("THEN no statement anywhere grants a bucket-level change", () => {
    const bucketAdmin = /^s3:(Put|Delete)Bucket|^s3:CreateBucket|^s3:PutBucketAcl|^s3:PutLifecycle|^s3:PutEncryption/;
    const everyAllow = plans.flatMap((p) => [
      ...p.groups.flatMap((g) => g.inlinePolicy?.Statement ?? []),
      ...p.roles.flatMap((r) => r.inlinePolicy?.Statement ?? []),
      ...p.buckets.flatMap((b) => b.policy.Statement),
    ]).filter((s) => s.Effect === "Allow");
    expect(everyAllow.flatMap((s) => [s.Action].flat()).filter((a) => bucketAdmin.test(a as string))).toEqual([]);
  });
});

describe("GIVEN production-test-bucket-101 grants prod/role/StageRole read (same account)", () => {
  test("THEN StageRole's inline policy allows reading the bucket", () => {
    expect(allowed(role("prod", "StageRole").inlinePolicy!.Statement, `${BUCKET}/*`)).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
  });
  test("THEN the bucket policy adds nothing for it: the identity half is enough inside one account", () => {
    const doc = bucketPolicy("prod", "production-test-bucket-101");
    expect(JSON.stringify(doc)).not.toContain("111111111111");
    expect(doc.Statement.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "ReadWriteObjectsPeopleWithMfa",
      "ListBucketPeopleWithMfa",
      "ReadObjectsPeopleWithMfa",
    ]);
  });
});

test("every bucket denies requests without TLS", () => {
  for (const p of plans) {
    for (const b of p.buckets) {
      expect(statement(b.policy, "DenyInsecureTransport")).toEqual({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [b.bucket.arn, `${b.bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  }
});

test("both halves of every grant in the example map are written", () => {
  const inline = (holder: { kind: string; name: string; account: { name: string } }) => {
    const p = accountPlan(holder.account.name);
    const h = holder.kind === "group" ? p.groups.find((g) => g.group.name === holder.name) : p.roles.find((r) => r.role.name === holder.name);
    return h?.inlinePolicy?.Statement ?? [];
  };
  let checked = 0;
  for (const p of plans) {
    for (const { role: r, trustPolicy } of p.roles) {
      for (const caller of r.callers) {
        const c = caller.principal;
        if (c.kind === "github") continue; // a Federated principal: test/policies/callers.test.ts
        const root = c.kind === "service" ? undefined : `arn:aws:iam::${c.kind === "external" ? c.id : c.account.id}:root`;
        const trusts = trustPolicy.Statement.some((s) =>
          c.kind === "service" ? JSON.stringify(s.Principal) === JSON.stringify({ Service: c.service }) : [typeof s.Principal === "object" ? s.Principal.AWS : undefined].flat().includes(root),
        );
        expect({ caller: caller.ref, role: r.arn, trusts }).toEqual({ caller: caller.ref, role: r.arn, trusts: true });
        if (c.kind === "group" || c.kind === "role") expect(allowed(inline(c), r.arn)).toEqual(["sts:AssumeRole"]);
        checked++;
      }
    }
    for (const { bucket, policy: doc } of p.buckets) {
      for (const g of bucket.grants) {
        if (g.grantee.kind === "sso") continue; // its identity half is a permission set's: test/policies/callers.test.ts
        expect(allowed(inline(g.grantee), `${bucket.arn}/*`)).toEqual([...S3_OBJECT_ACTIONS[g.level]].sort());
        const crossAccount = g.grantee.account !== bucket.account;
        const inPolicy = doc.Statement.some((s) => JSON.stringify(s.Principal ?? "").includes(`arn:aws:iam::${g.grantee.account.id}:root`));
        expect({ grant: g.ref, inPolicy }).toEqual({ grant: g.ref, inPolicy: crossAccount });
        checked++;
      }
    }
  }
  expect(checked).toBe(9);
});

describe("GIVEN an organization id", () => {
  const withOrg = (text: string) => text.replace("external:\n", "organization:\n  id: o-a1b2c3d4e5\n\nexternal:\n");
  test("THEN cross-account bucket statements require aws:PrincipalOrgID, and trust policies don't", async () => {
    const { plans: p } = await plan(withOrg(exampleText()));
    const prod = p.find((x) => x.account.name === "prod")!;
    const doc = prod.buckets[0].policy;
    expect(statement(doc, "ReadObjectsPeopleWithMfa").Condition).toEqual({ ...MFA, StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } });
    expect(statement(doc, "DenyInsecureTransport").Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    for (const r of prod.roles) expect(JSON.stringify(r.trustPolicy)).not.toContain("PrincipalOrgID");
  });
});

describe("GIVEN a cross-account role grantee on a bucket", () => {
  test("THEN the bucket policy names the role's account root narrowed by aws:PrincipalArn", async () => {
    const text = exampleText().replace("          prod/role/StageRole: read\n", "          prod/role/StageRole: read\n          staging/role/ci-deployer: read-write\n");
    const { plans: p } = await plan(text);
    const doc = p.find((x) => x.account.name === "prod")!.buckets[0].policy;
    expect(statement(doc, "ReadWriteObjectsRoleStagingCiDeployer")).toEqual({
      Sid: "ReadWriteObjectsRoleStagingCiDeployer",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::222222222222:root" },
      Action: [...S3_OBJECT_ACTIONS["read-write"]],
      Resource: `${BUCKET}/*`,
      Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/ci-deployer" } },
    });
  });
});

describe("GIVEN requireMfa: false on a role with group callers", () => {
  test("THEN neither half carries the MFA condition", async () => {
    const text = exampleText().replace("        assumableBy: [staging/admins]\n", "        assumableBy: [staging/admins]\n        requireMfa: false\n");
    const { plans: p } = await plan(text);
    const stage = p.find((x) => x.account.name === "prod")!.roles.find((r) => r.role.name === "StageRole")!;
    expect(stage.trustPolicy.Statement[0]).toEqual({ Sid: "TrustPeople", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "sts:AssumeRole" });
    const admins = p.find((x) => x.account.name === "staging")!.groups.find((g) => g.group.name === "admins")!;
    expect(admins.inlinePolicy!.Statement).toEqual([{ Sid: "AssumeRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/StageRole" }]);
  });
});
