/**
 * The retire plan (tools/retire-plan.ts): which deployed stacks the map no longer
 * has, and which grants of the other deployed stacks still name their account.
 * States are the shape Terraform writes (format 4), cut to what is read.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
