/** The reviewers' plan summary: counts per stack, destructive changes spelled out. */
import { readFileSync } from "node:fs";
import { renderSummary, summarizePlan } from "../../tools/plan-summary";

// Recorded from `terraform show -json` of the example's staging stack against the emulator (trimmed to the fields read).
const staging = JSON.parse(readFileSync("test/fixtures/plans/staging-create.json", "utf8"));

test("a first apply: everything is added", () => {
  const s = summarizePlan("staging", staging);
  expect(s.add).toHaveLength(9);
  expect(s.add).toContain("aws_iam_role.ci-deployer");
  expect([s.change, s.destroy, s.replace]).toEqual([[], [], []]);
});

test("updates, destroys and replacements are told apart, and the destructive ones spelled out", () => {
  const plan = {
    resource_changes: [
      { address: "aws_iam_group_policy.testers", change: { actions: ["update"] } },
      { address: "aws_iam_role.Old", change: { actions: ["delete"] } },
      { address: "aws_s3_bucket.renamed", change: { actions: ["delete", "create"] } },
      { address: "aws_iam_role.Same", change: { actions: ["no-op"] } },
      { address: "aws_iam_group.new", change: { actions: ["create"] } },
    ],
  };
  const s = summarizePlan("prod", plan);
  expect(s).toEqual({
    stack: "prod",
    add: ["aws_iam_group.new"],
    change: ["aws_iam_group_policy.testers"],
    destroy: ["aws_iam_role.Old"],
    replace: ["aws_s3_bucket.renamed"],
  });
  expect(renderSummary([s, summarizePlan("dev", { resource_changes: [] })])).toBe(
    [
      "stack     add  change destroy replace",
      "dev         0       0       0       0",
      "prod        1       1       1       1",
      "",
      "Destroys and replacements:",
      "  destroy  prod: aws_iam_role.Old",
      "  replace  prod: aws_s3_bucket.renamed",
    ].join("\n"),
  );
});

test("a failed plan is shown as failed, with Terraform's words", () => {
  const out = renderSummary([{ stack: "qa", add: [], change: [], destroy: [], replace: [], error: "Error: No valid credential sources found" }]);
  expect(out).toContain("qa      plan failed");
  expect(out).toContain("Plan of qa failed:\n  Error: No valid credential sources found");
});
