/**
 * The retire plan (tools/retire-plan.ts): which deployed stacks the map no longer
 * has, and which grants of the other deployed stacks still name their account.
 * States are the shape Terraform writes (format 4), cut to what is read.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_MAP } from "../helpers";
import { remoteStates } from "../../tools/deployed-states";
import { mapHistory } from "../../tools/git";
import {
  accountsInMapText,
  localStates,
  orphanCandidates,
  orphanedStacks,
  orphanSearchUnsupported,
  providersForState,
  renderOrphans,
  renderOrphanSearch,
  retireFromStateProblems,
  retireOptionsProblem,
  type StackState,
  stateAccount,
  type TerraformState,
} from "../../tools/retire-plan";

const doc = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

const QA: TerraformState = {
  resources: [
    { mode: "managed", type: "aws_iam_role", name: "QaAccess", instances: [{ attributes: { arn: "arn:aws:iam::555555555555:role/QaAccess", name: "QaAccess" } }] },
    { mode: "managed", type: "aws_s3_bucket", name: "qa-test-results-555", instances: [{ attributes: { arn: "arn:aws:s3:::qa-test-results-555" } }] },
    { mode: "data", type: "aws_caller_identity", name: "me", instances: [{ attributes: { account_id: "555555555555" } }] },
  ],
};
const DEV: TerraformState = {
  resources: [
    { mode: "managed", type: "aws_iam_group", name: "developers", instances: [{ attributes: { arn: "arn:aws:iam::333333333333:group/developers" } }] },
    {
      mode: "managed",
      type: "aws_iam_group_policy",
      name: "developers",
      instances: [{ attributes: { policy: doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::555555555555:role/QaAccess" }) } }],
    },
  ],
};
const PROD: TerraformState = {
  resources: [
    // 13 digits that contain the id are not the id.
    { mode: "managed", type: "aws_iam_policy", name: "p", instances: [{ attributes: { arn: "arn:aws:iam::111111111111:policy/p", policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b-5555555555551/*" }) } }] },
  ],
};
const states = (): StackState[] => [
  { stack: "dev", file: "/w/terraform.dev.tfstate", state: DEV },
  { stack: "old", file: "/w/terraform.old.tfstate", state: { resources: [] } },
  { stack: "prod", file: "/w/terraform.prod.tfstate", state: PROD },
  { stack: "qa", file: "/w/terraform.qa.tfstate", state: QA },
];

test("GIVEN qa removed from the map WHEN its state still holds resources THEN it is the one orphan, with the grant dev still holds", () => {
  expect(orphanedStacks(["dev", "prod"], states())).toEqual([
    {
      stack: "qa",
      file: "/w/terraform.qa.tfstate",
      accountId: "555555555555",
      resources: ["aws_iam_role.QaAccess", "aws_s3_bucket.qa-test-results-555"],
      namedBy: [{ stack: "dev", address: "aws_iam_group_policy.developers", attribute: "policy" }],
    },
  ]);
});

test("a state without resources (destroyed, or retired) is not deployed; a stack in the map is never an orphan", () => {
  expect(orphanedStacks(["dev", "prod", "qa"], states())).toEqual([]);
  expect(orphanedStacks(["dev", "prod", "qa"], states()).map((o) => o.stack)).not.toContain("old");
});

test("the account of a state is read from its resources' ARNs, not from data sources", () => {
  expect(stateAccount(QA)).toBe("555555555555");
  expect(stateAccount({ resources: [QA.resources![2]] })).toBeUndefined();
});

test("the report names the orphan, its account and resources, and each grant that named it", () => {
  expect(renderOrphans(orphanedStacks(["dev", "prod"], states()))).toBe(
    [
      "Deployed but no longer in the map (orphaned access; npm run retire -- <stack> destroys it):",
      "  qa (account 555555555555): 2 resources in terraform.qa.tfstate",
      "    named by dev: aws_iam_group_policy.developers (policy); dev's next deploy removes it",
    ].join("\n"),
  );
  expect(renderOrphans([])).toBe("");
});

test("local states are the terraform.<stack>.tfstate files in the folder above the output folder", () => {
  const root = mkdtempSync(join(tmpdir(), "retire-"));
  mkdirSync(join(root, "cdktf.out"));
  writeFileSync(join(root, "terraform.qa.tfstate"), JSON.stringify(QA));
  writeFileSync(join(root, "terraform.dev.tfstate"), JSON.stringify(DEV));
  writeFileSync(join(root, "terraform.broken.tfstate"), "{");
  writeFileSync(join(root, "notes.txt"), "x");
  expect(localStates(join(root, "cdktf.out")).map((s) => s.stack)).toEqual(["dev", "qa"]);
  expect(localStates(join(root, "missing", "cdktf.out"))).toEqual([]);
});

describe("npm run retire and npm run adopt: the command line, before any Terraform", () => {
  beforeAll(() => {
    expect(spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" }).status).toBe(0);
  });
  const tool = (name: string, args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [`dist/${name}.js`, ...args], { env: { ...process.env, ACCOUNT_MAP: EXAMPLE_MAP, AWS_ACCESS_KEY_ID: "fake", AWS_SECRET_ACCESS_KEY: "fake", ...env }, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  test("retire: an account still in the map is refused, exit 2", () => {
    expect(tool("retire", ["prod"])).toEqual({ status: 2, stdout: "", stderr: `retire: prod is still in ${EXAMPLE_MAP}: remove it from the map first (retire destroys only stacks of accounts that left it); usage: npm run retire -- <account> [--out DIR] [--from-state --role-arn ARN --region REGION] [--yes]\n` });
    expect(tool("retire", []).status).toBe(2);
    expect(tool("retire", ["qa", "ops"]).status).toBe(2);
  });
  test("retire: an account with no deployed state is refused, exit 1, naming where the state would be", () => {
    const root = mkdtempSync(join(tmpdir(), "retire-none-"));
    const r = tool("retire", ["qa", "--out", join(root, "cdktf.out")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`retire: qa: no deployed stack to retire: no state with resources at ${join(root, "terraform.qa.tfstate")} (no deployed stack is missing from the map)\n`);
  });
  test("retire: --role-arn and --region only with --from-state; from the state they are both required and checked, exit 2", () => {
    const usage = "; usage: npm run retire -- <account> [--out DIR] [--from-state --role-arn ARN --region REGION] [--yes]\n";
    expect(tool("retire", ["qa", "--role-arn", "arn:aws:iam::555555555555:role/D"]).stderr).toBe(`retire: --role-arn and --region go with --from-state${usage}`);
    const root = mkdtempSync(join(tmpdir(), "retire-state-"));
    writeFileSync(join(root, "terraform.qa.tfstate"), JSON.stringify(QA));
    const out = join(root, "cdktf.out");
    const noRole = tool("retire", ["qa", "--out", out, "--from-state", "--region", "us-east-1"]);
    expect(noRole).toEqual({
      status: 2,
      stdout: "",
      stderr: `retire: qa: from the state alone; the state does not record how to reach the account: give --from-state --role-arn arn:aws:iam::<account id>:role/<deploy role> --region <home region>${usage}`,
    });
    expect(tool("retire", ["qa", "--out", out, "--from-state", "--role-arn", "Deployer", "--region", "us-east-1"]).stderr).toBe(`retire: --role-arn Deployer is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)${usage}`);
    const wrongAccount = tool("retire", ["qa", "--out", out, "--from-state", "--role-arn", "arn:aws:iam::666666666666:role/D", "--region", "us-east-1"]);
    expect(wrongAccount).toEqual({ status: 1, stdout: "", stderr: "retire: qa: --role-arn arn:aws:iam::666666666666:role/D is in account 666666666666, but qa's state holds resources of account 555555555555\n" });
  });
  test("retire: state.backend cloud is refused, exit 1, saying where to destroy instead", () => {
    const root = mkdtempSync(join(tmpdir(), "retire-cloud-"));
    const map = join(root, "accounts.yaml");
    writeFileSync(map, "version: 1\ndefaults:\n  region: us-east-1\nstate:\n  backend: cloud\n  organization: acme\n  workspacePrefix: accounts-\naccounts:\n  dev:\n    id: \"333333333333\"\n");
    expect(tool("retire", ["qa", "--out", join(root, "cdktf.out")], { ACCOUNT_MAP: map })).toEqual({
      status: 1,
      stdout: "",
      stderr: "retire: qa: state.backend cloud is not supported: retire reads no HCP Terraform workspace; destroy workspace accounts-qa in HCP Terraform (queue a destroy run there)\n",
    });
  });
  test("adopt: stacks are required and must be the map's, exit 2", () => {
    expect(tool("adopt", []).stderr).toBe(`adopt: name the stacks to adopt into (accounts in ${EXAMPLE_MAP}: dev, prod, staging); usage: npm run adopt -- <stack...> [--out DIR] [--parallel N]\n`);
    const bad = tool("adopt", ["qa"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`adopt: unknown stack "qa" (accounts in ${EXAMPLE_MAP}: dev, prod, staging); usage: npm run adopt -- <stack...> [--out DIR] [--parallel N]\n`);
  });
  test("adopt: bad import records are the map's kind of report, exit 1, nothing synthesized", () => {
    const root = mkdtempSync(join(tmpdir(), "adopt-bad-"));
    const r = tool("adopt", ["prod", "--out", join(root, "cdktf.out")], { ACCOUNT_MAP: "test/fixtures/bad/import-records/accounts.yaml" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${readFileSync("test/fixtures/bad/import-records/expected.txt", "utf8").trimEnd()}\n`);
    expect(existsSync(join(root, "cdktf.out"))).toBe(false);
  });
});

describe("orphans beyond local state files: candidates from the map's history, the messages", () => {
  test("the accounts a revision's text names, even when this program would refuse that revision", () => {
    expect(accountsInMapText('version: 1\naccounts:\n  qa:\n    id: "555555555555"\n  dev:\n    id: "333333333333"\n')).toEqual(["dev", "qa"]);
    expect(accountsInMapText('version: 1\naccounts:\n  old:\n    id: "5"\n    someKeyLongGone: true\n')).toEqual(["old"]);
    expect(accountsInMapText("accounts: [a, b]\n")).toEqual([]);
    expect(accountsInMapText("accounts: {\n")).toEqual([]);
    expect(accountsInMapText("")).toEqual([]);
  });

  test("GIVEN revisions that held qa and ops, and a local state file of old WHEN the map has dev THEN the candidates are old, ops, qa", () => {
    expect(orphanCandidates(["dev"], [["dev"], ["dev", "qa"], ["ops", "qa", "dev"]], ["old", "dev"])).toEqual(["old", "ops", "qa"]);
    expect(orphanCandidates(["dev", "qa"], [["dev", "qa"]], [])).toEqual([]);
  });

  test("every committed revision of the map, newest first; none outside git", () => {
    const root = mkdtempSync(join(tmpdir(), "retire-git-"));
    const git = (...args: string[]) => expect(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@127.0.0.1", "-c", "commit.gpgsign=false", ...args], { cwd: root }).status).toBe(0);
    expect(mapHistory(join(root, "accounts.yaml"))).toEqual([]);
    git("init", "-q");
    writeFileSync(join(root, "accounts.yaml"), "accounts:\n  qa: {}\n");
    git("add", "accounts.yaml");
    git("commit", "-qm", "one");
    writeFileSync(join(root, "accounts.yaml"), "accounts:\n  dev: {}\n");
    git("commit", "-qam", "two");
    writeFileSync(join(root, "accounts.yaml"), "accounts:\n  uncommitted: {}\n");
    expect(mapHistory(join(root, "accounts.yaml")).map((r) => accountsInMapText(r.text))).toEqual([["dev"], ["qa"]]);
  });

  test("an S3 state is shown as its bucket and key; a cloud backend says plainly that orphans were not looked for", () => {
    const [qa] = orphanedStacks(["dev"], [{ stack: "qa", file: "s3://acme-terraform-state/qa/terraform.tfstate", state: QA }]);
    const unsupported = orphanSearchUnsupported({ backend: "cloud", organization: "acme", workspacePrefix: "accounts-" });
    expect(orphanSearchUnsupported({ backend: "s3", bucket: "b", region: "us-east-1" })).toBeUndefined();
    expect(orphanSearchUnsupported({ backend: "local" })).toBeUndefined();
    expect(renderOrphanSearch({ orphans: [qa], problems: ["ops: cannot read its state at s3://acme-terraform-state/ops/terraform.tfstate: AccessDenied"], unsupported })).toBe(
      [
        "Deployed but no longer in the map (orphaned access; npm run retire -- <stack> destroys it):",
        "  qa (account 555555555555): 2 resources in s3://acme-terraform-state/qa/terraform.tfstate",
        "",
        "state.backend: cloud: deployed stacks no longer in the map are not looked for (HCP Terraform workspaces are not read); list the workspaces of acme named accounts-* in HCP Terraform, and destroy a retired account's there",
        "",
        "Deployed stacks no longer in the map may be missing here: some states could not be read:",
        "  ops: cannot read its state at s3://acme-terraform-state/ops/terraform.tfstate: AccessDenied",
      ].join("\n"),
    );
    expect(renderOrphanSearch({ orphans: [], problems: [] })).toBe("");
  });

  test("from the state alone: the home provider in --region, another region's from its alias; a provider of another shape is refused", () => {
    const at = (provider: string) => ({ mode: "managed", type: "aws_iam_role", name: provider, provider, instances: [{ attributes: {} }] });
    const state: TerraformState = { resources: [at('provider["registry.terraform.io/hashicorp/aws"].qa'), at('provider["registry.terraform.io/hashicorp/aws"].qa_eu-west-1'), at('provider["registry.terraform.io/hashicorp/aws"].qa')] };
    expect(providersForState("qa", state, "us-east-1")).toEqual({
      providers: [
        { alias: "qa", region: "us-east-1" },
        { alias: "qa_eu-west-1", region: "eu-west-1" },
      ],
      problems: [],
    });
    const odd: TerraformState = { resources: [at('provider["registry.terraform.io/hashicorp/aws"]'), at('provider["registry.terraform.io/hashicorp/aws"].prod')] };
    expect(providersForState("qa", odd, "us-east-1")).toEqual({
      providers: [],
      problems: ["provider aws (no alias) is not one of stack qa's (qa, or qa_<region>)", "provider aws.prod is not one of stack qa's (qa, or qa_<region>)"],
    });
  });

  test("from the state alone: the options' values are checked, and the role must be in the state's account", () => {
    expect(retireOptionsProblem("arn:aws:iam::555555555555:role/D", "us-east-1")).toBeUndefined();
    expect(retireOptionsProblem("arn:aws:iam::555555555555:role/D", "useast1")).toBe("--region useast1 is not an AWS region (such as us-east-1)");
    expect(retireFromStateProblems("qa", "arn:aws:iam::555555555555:role/D", "555555555555", [])).toEqual([]);
    expect(retireFromStateProblems("qa", "arn:aws:iam::555555555555:role/D", undefined, ["provider aws.prod is not one of stack qa's (qa, or qa_<region>)"])).toEqual(["qa: provider aws.prod is not one of stack qa's (qa, or qa_<region>)"]);
  });
});

describe("reading S3 states through Terraform (tools/deployed-states.ts)", () => {
  const S3 = { backend: "s3", bucket: "acme-terraform-state", region: "us-east-1" } as const;
  test("each stack's state is pulled in a folder holding its backend alone; an absent state object is an empty state; nothing is left behind", async () => {
    const root = mkdtempSync(join(tmpdir(), "retire-s3-"));
    const calls: string[] = [];
    const got = await remoteStates(S3, ["qa", "ops"], join(root, "cdktf.out"), undefined, (dir) => async (...args) => {
      const tf = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      calls.push(`${tf.terraform.backend.s3.key} ${args[0]}${tf.resource || tf.provider ? " with resources" : ""}`);
      return { stdout: args[0] === "state" && dir.endsWith("qa") ? JSON.stringify(QA) : "" };
    });
    expect(got).toEqual({
      states: [
        { stack: "ops", file: "s3://acme-terraform-state/ops/terraform.tfstate", state: {} },
        { stack: "qa", file: "s3://acme-terraform-state/qa/terraform.tfstate", state: QA },
      ],
      problems: [],
    });
    expect(calls.sort()).toEqual(["ops/terraform.tfstate init", "ops/terraform.tfstate state", "qa/terraform.tfstate init", "qa/terraform.tfstate state"]);
    expect(existsSync(join(root, "cdktf.out.state"))).toBe(false);
  });

  test("a state that cannot be read, Terraform missing included, is a problem naming the stack and its bucket key, never a crash", async () => {
    const root = mkdtempSync(join(tmpdir(), "retire-s3-"));
    const missing = Object.assign(new Error("spawn terraform ENOENT"), { code: "ENOENT" });
    const denied = Object.assign(new Error("exit 1"), { stderr: "Error: Failed to get existing workspaces: AccessDenied: Access Denied\n" });
    const got = await remoteStates(S3, ["ops", "qa"], join(root, "cdktf.out"), undefined, (dir) => async () => {
      throw dir.endsWith("qa") ? missing : denied;
    });
    expect(got.states).toEqual([]);
    expect(got.problems).toEqual([
      "ops: cannot read its state at s3://acme-terraform-state/ops/terraform.tfstate: Error: Failed to get existing workspaces: AccessDenied: Access Denied",
      "qa: cannot read its state at s3://acme-terraform-state/qa/terraform.tfstate: terraform is not on PATH (install Terraform 1.10 or later)",
    ]);
  });
});
