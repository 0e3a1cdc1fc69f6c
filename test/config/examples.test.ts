/** The maps users start from must load and synthesize. */
import { actionProblem } from "../../config/actions";
import { BUILT_IN_ACTIONS } from "../../policies/actions";
import { exampleText, synth } from "../helpers";
import { readFileSync } from "node:fs";

test("the format document's example synthesizes, with its organization and S3 state", async () => {
  const stacks = await synth(readFileSync("test/fixtures/spec-example/accounts.yaml", "utf8"));
  expect(Object.keys(stacks).sort()).toEqual(["dev", "prod", "staging"]);
  expect(stacks.prod.terraform.backend.s3).toMatchObject({ bucket: "acme-terraform-state", key: "prod/terraform.tfstate", use_lockfile: true });
  expect(stacks.prod.resource.aws_s3_bucket_policy["production-test-bucket-101"].policy).toContain('"aws:PrincipalOrgID":"o-a1b2c3d4e5"');
});

test("the example map encodes the four scenarios, an external vendor and a CI caller", async () => {
  const stacks = await synth(exampleText());
  const role = (stack: string, name: string) => stacks[stack].resource.aws_iam_role[name];
  expect(role("prod", "UpdateProdApp")).toBeDefined();
  expect(role("prod", "StageRole")).toBeDefined();
  expect(role("staging", "StagingAccess")).toBeDefined();
  expect(stacks.staging.resource.aws_iam_role_policy_attachment["StagingAccess__aws__AWSLambda_ReadOnlyAccess"]).toBeDefined();
  expect(stacks.prod.resource.aws_iam_role_policy_attachment["UpdateProdApp__read-write-prod-app-from-dev"]).toBeDefined();
  expect(role("prod", "Monitoring").assume_role_policy).toContain("sts:ExternalId");
  expect(role("staging", "ci-deployer").assume_role_policy).toContain("arn:aws:iam::333333333333:role/ci-runner");
  // Staging people reach the prod bucket through the bucket policy alone: no role in between.
  expect(stacks.staging.resource.aws_iam_group_policy.testers.policy).toContain("arn:aws:s3:::production-test-bucket-101/*");
});

test.each(BUILT_IN_ACTIONS)("built-in action %s is in AWS's action catalog", async (action) => {
  expect(await actionProblem(action)).toBeUndefined();
});

test("the catalog check refuses what it should", async () => {
  expect(await actionProblem("s3:GetObjects")).toEqual({ message: 'unknown action "s3:GetObjects"', hint: 'did you mean "s3:GetObject"?' });
  expect(await actionProblem("s3:getobject")).toBeUndefined();
  expect(await actionProblem("s3:Get*")).toBeUndefined();
  expect((await actionProblem("s3:Frobnicate*"))?.message).toBe('action pattern "s3:Frobnicate*" matches no s3 action');
});
