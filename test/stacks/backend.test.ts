/**
 * The backend block (stacks/backend.ts): a stack without resources built to read
 * or destroy a stack's state (stacks/state-stack.ts) gets exactly the account
 * stack's backend, so both name the same state; and the emulator's settings only
 * on a local target.
 */
import { readFileSync } from "node:fs";
import { Testing } from "cdktf";
import { loadAccountMapText } from "../../config/load";
import { stateKey, stateLocation } from "../../stacks/backend";
import { StateStack } from "../../stacks/state-stack";
import { exampleText, synth } from "../helpers";

const S3_MAP = "test/fixtures/pipeline/accounts.yaml";
const stateStack = async (text: string, stack: string, localEndpoint?: string) => {
  const { model } = await loadAccountMapText(text, "test.yaml");
  return JSON.parse(Testing.synth(new StateStack(Testing.app(), stack, { state: model.state, ...(localEndpoint ? { localEndpoint } : {}) }), true)) as { terraform: Record<string, unknown>; provider?: unknown; resource?: unknown };
};

test("GIVEN the S3 backend WHEN a state stack is built for prod THEN its backend block is prod's own, key prod/terraform.tfstate", async () => {
  const text = readFileSync(S3_MAP, "utf8");
  const prod = (await synth(text)).prod;
  const scratch = await stateStack(text, "prod");
  expect(scratch.terraform.backend).toEqual(prod.terraform.backend);
  expect(prod.terraform.backend).toEqual({ s3: { bucket: "acme-terraform-state", key: stateKey("prod"), region: "us-east-1", encrypt: true, use_lockfile: true } });
  expect(scratch.resource).toBeUndefined();
  expect(scratch.provider).toBeUndefined();
});

test("the local backend: the same relative state file as the account stack", async () => {
  const prod = (await synth(exampleText())).prod;
  expect((await stateStack(exampleText(), "prod")).terraform.backend).toEqual(prod.terraform.backend);
  expect(prod.terraform.backend).toEqual({ local: { path: "../../../terraform.prod.tfstate" } });
});

test("a local target adds the emulator's endpoint and skip flags to the S3 backend, and a normal synth has none", async () => {
  const text = readFileSync(S3_MAP, "utf8");
  const local = (await synth(text, { localEndpoint: "https://127.0.0.1:4566" })).prod;
  expect(local.terraform.backend.s3).toEqual({
    bucket: "acme-terraform-state",
    key: "prod/terraform.tfstate",
    region: "us-east-1",
    encrypt: true,
    use_lockfile: true,
    endpoints: { s3: "https://127.0.0.1:4566", sts: "https://127.0.0.1:4566", iam: "https://127.0.0.1:4566" },
    use_path_style: true,
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_region_validation: true,
    skip_metadata_api_check: true,
    insecure: true,
  });
  expect((await stateStack(text, "prod", "https://127.0.0.1:4566")).terraform.backend).toEqual(local.terraform.backend);
  expect(JSON.stringify((await synth(text)).prod.terraform)).not.toContain("127.0.0.1");
});

test("where a stack's state is, for people, per backend", () => {
  expect(stateLocation({ backend: "local" }, "qa")).toBe("terraform.qa.tfstate");
  expect(stateLocation({ backend: "s3", bucket: "acme-terraform-state", region: "us-east-1" }, "qa")).toBe("s3://acme-terraform-state/qa/terraform.tfstate");
  expect(stateLocation({ backend: "cloud", organization: "acme", workspacePrefix: "accounts-" }, "qa")).toBe("workspace accounts-qa of acme");
});

test("a state stack for destroying: the state's providers by alias, each assuming the role in the one allowed account", async () => {
  const { model } = await loadAccountMapText(readFileSync(S3_MAP, "utf8"), "test.yaml");
  const providers = [
    { alias: "qa", region: "us-east-1" },
    { alias: "qa_eu-west-1", region: "eu-west-1" },
  ];
  const tf = JSON.parse(Testing.synth(new StateStack(Testing.app(), "qa", { state: model.state, providers, roleArn: "arn:aws:iam::555555555555:role/Deployer", accountId: "555555555555" }), true));
  expect(tf.provider.aws).toEqual([
    { alias: "qa", region: "us-east-1", allowed_account_ids: ["555555555555"], assume_role: [{ role_arn: "arn:aws:iam::555555555555:role/Deployer", session_name: "cross-account-bootstrap" }] },
    { alias: "qa_eu-west-1", region: "eu-west-1", allowed_account_ids: ["555555555555"], assume_role: [{ role_arn: "arn:aws:iam::555555555555:role/Deployer", session_name: "cross-account-bootstrap" }] },
  ]);
  expect(tf.resource).toBeUndefined();
  expect(tf.terraform.backend.s3.key).toBe("qa/terraform.tfstate");
});
