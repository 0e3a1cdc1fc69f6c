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
import { localStates, orphanedStacks, renderOrphans, type StackState, stateAccount, type TerraformState } from "../../tools/retire-plan";

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
    expect(tool("retire", ["prod"])).toEqual({ status: 2, stdout: "", stderr: `retire: prod is still in ${EXAMPLE_MAP}: remove it from the map first (retire destroys only stacks of accounts that left it); usage: npm run retire -- <account> [--out DIR] [--yes]\n` });
    expect(tool("retire", []).status).toBe(2);
    expect(tool("retire", ["qa", "ops"]).status).toBe(2);
  });
  test("retire: an account with no deployed state is refused, exit 1, naming where the state would be", () => {
    const root = mkdtempSync(join(tmpdir(), "retire-none-"));
    const r = tool("retire", ["qa", "--out", join(root, "cdktf.out")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`retire: qa: no deployed stack to retire: no state with resources at ${join(root, "terraform.qa.tfstate")} (no deployed stack is missing from the map)\n`);
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
