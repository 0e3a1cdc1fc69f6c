/**
 * What each declaration becomes in Terraform, checked on the synthesized JSON with
 * cdktf's matchers: providers, backend, roles, attachments, groups, buckets, outputs.
 */
import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicy } from "@cdktf/provider-aws/lib/iam-group-policy";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { addresses, exampleText, resource, synth, synthString, type TfJson } from "../helpers";

let stacks: Record<string, TfJson>;
let prod: string;
beforeAll(async () => {
  stacks = await synth(exampleText());
  prod = await synthString(exampleText(), "prod");
});

describe("providers", () => {
  test("each stack has one provider aliased after its account, assuming its deploy role, locked to its id", () => {
    expect(stacks.prod.provider.aws).toEqual([
      {
        alias: "prod",
        region: "us-west-2",
        assume_role: [{ role_arn: "arn:aws:iam::111111111111:role/TerraformDeployer", session_name: "cross-account-bootstrap" }],
        allowed_account_ids: ["111111111111"],
        default_tags: [{ tags: { CostCenter: "platform", ManagedBy: "cross-account-bootstrap" } }],
      },
    ]);
    expect(stacks.staging.provider.aws).toEqual([
      expect.objectContaining({
        alias: "staging",
        region: "us-east-1",
        assume_role: [expect.objectContaining({ role_arn: "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" })],
        allowed_account_ids: ["222222222222"],
      }),
    ]);
  });

  test("every resource names its provider, and only its own account's", () => {
    for (const [name, tf] of Object.entries(stacks)) {
      const aliases = tf.provider.aws.map((p) => `aws.${p.alias}`);
      for (const byName of Object.values(tf.resource)) {
        for (const r of Object.values(byName)) expect(aliases).toContain(r.provider);
      }
      expect(aliases[0]).toBe(`aws.${name}`);
    }
  });

  test("a bucket in another region gets its own aliased provider for that region", async () => {
    const text = exampleText().replace("      production-test-bucket-101:\n", "      production-test-bucket-101:\n        region: eu-west-1\n");
    const tf = (await synth(text)).prod;
    expect(tf.provider.aws.map((p) => [p.alias, p.region, p.allowed_account_ids])).toEqual([
      ["prod", "us-west-2", ["111111111111"]],
      ["prod_eu-west-1", "eu-west-1", ["111111111111"]],
    ]);
    expect(resource(tf, "aws_s3_bucket", "production-test-bucket-101").provider).toBe("aws.prod_eu-west-1");
    expect(resource(tf, "aws_s3_bucket_policy", "production-test-bucket-101").provider).toBe("aws.prod_eu-west-1");
    expect(resource(tf, "aws_iam_role", "StageRole").provider).toBe("aws.prod");
  });

  test("the provider is the one the offline mirror holds", () => {
    expect(stacks.dev.terraform.required_providers).toEqual({ aws: { source: "aws", version: "5.100.0" } });
  });
});

describe("backend", () => {
  test("by default, local state per stack next to the project, without a machine path", () => {
    expect(stacks.prod.terraform.backend).toEqual({ local: { path: "../../../terraform.prod.tfstate" } });
    expect(stacks.dev.terraform.backend).toEqual({ local: { path: "../../../terraform.dev.tfstate" } });
  });

  test("state: s3 switches every stack to its own key with S3 native locking", async () => {
    const text = exampleText().replace("external:\n", "state:\n  backend: s3\n  bucket: acme-terraform-state\n  region: us-east-1\n\nexternal:\n");
    const all = await synth(text);
    for (const name of ["dev", "prod", "staging"]) {
      expect(all[name].terraform.backend).toEqual({
        s3: { bucket: "acme-terraform-state", key: `${name}/terraform.tfstate`, region: "us-east-1", encrypt: true, use_lockfile: true },
      });
    }
  });
});

describe("state: cloud", () => {
  const cloud = (block: string) => exampleText().replace("external:\n", `state:\n${block}\nexternal:\n`);

  test("every stack gets HCP Terraform's cloud block with a workspace of its own, <workspacePrefix><stack>", async () => {
    const all = await synth(cloud("  backend: cloud\n  organization: acme\n  workspacePrefix: accounts-\n"));
    for (const name of ["dev", "prod", "staging"]) {
      expect(all[name].terraform.cloud).toEqual({ organization: "acme", workspaces: { name: `accounts-${name}` } });
      expect(all[name].terraform.backend).toBeUndefined();
    }
  });

  test("a Terraform Enterprise host name is written; without a prefix the workspace is the stack's name", async () => {
    const all = await synth(cloud("  backend: cloud\n  organization: acme\n  hostname: tfe.example.com\n"));
    expect(all.prod.terraform.cloud).toEqual({ organization: "acme", hostname: "tfe.example.com", workspaces: { name: "prod" } });
  });
});

describe("roles", () => {
  test("a role with its trust policy as literal JSON and its session length", () => {
    expect(prod).toHaveResourceWithProperties(IamRole, { name: "Monitoring", max_session_duration: 7200, provider: "aws.prod" });
    const trust = resource(stacks.prod, "aws_iam_role", "UpdateProdApp").assume_role_policy as string;
    expect(trust).not.toContain("${");
    expect(JSON.parse(trust).Statement[0].Principal).toEqual({ AWS: "arn:aws:iam::333333333333:root" });
    expect(resource(stacks.prod, "aws_iam_role", "UpdateProdApp").max_session_duration).toBe(3600);
  });

  test("AWS managed policies attach by ARN; customer managed policies are created and attached", () => {
    expect(prod).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", role: "${aws_iam_role.Monitoring.name}" });
    expect(prod).toHaveResourceWithProperties(IamPolicy, { name: "read-write-prod-app-from-dev" });
    expect(resource(stacks.prod, "aws_iam_role_policy_attachment", "UpdateProdApp__read-write-prod-app-from-dev")).toEqual({
      policy_arn: "${aws_iam_policy.read-write-prod-app-from-dev.arn}",
      provider: "aws.prod",
      role: "${aws_iam_role.UpdateProdApp.name}",
    });
    expect(resource(stacks.staging, "aws_iam_role_policy_attachment", "StagingAccess__aws__AWSLambda_ReadOnlyAccess").policy_arn).toBe(
      "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess",
    );
  });

  test("a role that is granted something gets one inline policy; one granted nothing gets none", () => {
    expect(Object.keys(stacks.prod.resource.aws_iam_role_policy)).toEqual(["StageRole"]);
    expect(resource(stacks.prod, "aws_iam_role_policy", "StageRole")).toMatchObject({ name: "cross-account-access", role: "${aws_iam_role.StageRole.name}" });
    expect(Object.keys(stacks.dev.resource.aws_iam_role_policy)).toEqual(["ci-runner"]);
  });
});

describe("groups", () => {
  test("each listed group exists; one inline policy where the map grants it something", () => {
    const staging = stacks.staging;
    expect(Object.keys(staging.resource.aws_iam_group).sort()).toEqual(["admins", "developers", "testers"]);
    expect(Object.keys(staging.resource.aws_iam_group_policy).sort()).toEqual(["admins", "developers", "testers"]);
    expect(prod).toHaveResourceWithProperties(IamGroup, { name: "release-managers" });
    expect(prod).not.toHaveResource(IamGroupPolicy);
  });
});

describe("buckets", () => {
  test("private by construction: public access block on, owner-enforced, encrypted, versioned, with a policy", () => {
    const bucket = "${aws_s3_bucket.production-test-bucket-101.id}";
    expect(prod).toHaveResourceWithProperties(S3Bucket, { bucket: "production-test-bucket-101" });
    expect(prod).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(prod).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket, rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(prod).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(prod).toHaveResourceWithProperties(S3BucketVersioningA, { bucket, versioning_configuration: { status: "Enabled" } });
    expect(prod).toHaveResourceWithProperties(S3BucketPolicy, { bucket });
  });
});

test("outputs: each role's ARN and switch-role link", () => {
  expect(stacks.staging.output.roles.value).toEqual({
    StagingAccess: {
      arn: "arn:aws:iam::222222222222:role/StagingAccess",
      switch_role_url: "https://signin.aws.amazon.com/switchrole?roleName=StagingAccess&account=222222222222&displayName=staging-StagingAccess",
    },
    "ci-deployer": {
      arn: "arn:aws:iam::222222222222:role/ci-deployer",
      switch_role_url: "https://signin.aws.amazon.com/switchrole?roleName=ci-deployer&account=222222222222&displayName=staging-ci-deployer",
    },
  });
});

test("no stack refers to another: stacks deploy in any order", () => {
  for (const [name, tf] of Object.entries(stacks)) {
    expect(JSON.stringify(tf)).not.toMatch(/terraform_remote_state|data\.terraform/);
    expect(Object.keys(tf)).not.toContain("data");
    expect(name).toBeTruthy();
  }
});

test("addresses come from names: readable and stable", () => {
  expect(addresses(stacks.prod)).toEqual([
    "aws_iam_group.release-managers",
    "aws_iam_group_policies_exclusive.release-managers",
    "aws_iam_group_policy_attachments_exclusive.release-managers",
    "aws_iam_policy.read-write-prod-app-from-dev",
    "aws_iam_role.Monitoring",
    "aws_iam_role.StageRole",
    "aws_iam_role.UpdateProdApp",
    "aws_iam_role_policies_exclusive.Monitoring",
    "aws_iam_role_policies_exclusive.StageRole",
    "aws_iam_role_policies_exclusive.UpdateProdApp",
    "aws_iam_role_policy.StageRole",
    "aws_iam_role_policy_attachment.Monitoring__aws__ReadOnlyAccess",
    "aws_iam_role_policy_attachment.UpdateProdApp__read-write-prod-app-from-dev",
    "aws_iam_role_policy_attachments_exclusive.Monitoring",
    "aws_iam_role_policy_attachments_exclusive.StageRole",
    "aws_iam_role_policy_attachments_exclusive.UpdateProdApp",
    "aws_s3_bucket.production-test-bucket-101",
    "aws_s3_bucket_ownership_controls.production-test-bucket-101",
    "aws_s3_bucket_policy.production-test-bucket-101",
    "aws_s3_bucket_public_access_block.production-test-bucket-101",
    "aws_s3_bucket_server_side_encryption_configuration.production-test-bucket-101",
    "aws_s3_bucket_versioning.production-test-bucket-101",
  ]);
});

test.each(["dev", "prod", "staging"])("the %s stack of the example map", (name) => {
  expect(stacks[name]).toMatchSnapshot();
});
