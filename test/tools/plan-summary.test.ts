/** The reviewers' plan summary: counts per stack, destructive changes spelled out. */
import { readFileSync } from "node:fs";
import { firstTerraformError, renderSummary, summarizePlan } from "../../tools/plan-summary";

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

test("a failed plan: never 'No destroys or replacements.', the failed stacks named", () => {
  const failed = { stack: "qa", add: [], change: [], destroy: [], replace: [], error: "Error: No valid credential sources found" };
  const out = renderSummary([failed, summarizePlan("dev", { resource_changes: [] })]);
  expect(out).not.toContain("No destroys or replacements.");
  expect(out).toBe(
    [
      "stack     add  change destroy replace",
      "dev         0       0       0       0",
      "qa      plan failed",
      "",
      "No destroys or replacements in the 1 stack that planned.",
      "",
      "1 of 2 stacks failed to plan, so its changes are unknown: qa",
      "",
      "Plan of qa failed:",
      "  Error: No valid credential sources found",
    ].join("\n"),
  );
  expect(renderSummary([failed])).not.toMatch(/No destroys/);
});

test("stacks and addresses are ordered by code point, not by locale", () => {
  const s = summarizePlan("b", { resource_changes: ["aws_iam_role.b", "aws_iam_role.B", "aws_iam_role.a"].map((address) => ({ address, change: { actions: ["create"] } })) });
  expect(s.add).toEqual(["aws_iam_role.B", "aws_iam_role.a", "aws_iam_role.b"]);
  expect(renderSummary([s, summarizePlan("B", {}), summarizePlan("a", {})]).split("\n").slice(1, 4).map((l) => l.split(" ")[0])).toEqual(["B", "a", "b"]);
});

describe("firstTerraformError", () => {
  test("the first Error: line and its detail, up to the next diagnostic", () => {
    const output = [
      "",
      "Error: No valid credential sources found",
      "",
      '  with provider["registry.terraform.io/hashicorp/aws"].prod,',
      "",
      "Please see https://registry.terraform.io/providers/hashicorp/aws",
      "",
      "Error: failed to refresh cached credentials",
      "",
    ].join("\n");
    expect(firstTerraformError(output)).toBe(
      ["Error: No valid credential sources found", "", '  with provider["registry.terraform.io/hashicorp/aws"].prod,', "", "Please see https://registry.terraform.io/providers/hashicorp/aws"].join("\n"),
    );
  });

  test("boxed diagnostics (colour output) lose their frame", () => {
    expect(firstTerraformError("╷\n│ Error: Invalid provider configuration\n│ \n│ Provider needs a region.\n╵\n")).toBe("Error: Invalid provider configuration\n\nProvider needs a region.");
  });

  test("a warning before the error is skipped; a long detail is cut", () => {
    const detail = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const out = firstTerraformError(["Warning: something deprecated", "", "Error: boom", ...detail].join("\n"));
    expect(out.split("\n")[0]).toBe("Error: boom");
    expect(out.split("\n")).toHaveLength(21);
    expect(out.endsWith("...")).toBe(true);
  });

  test("no Error: line: the last lines of the output", () => {
    expect(firstTerraformError("a\nb\n\nc\n")).toBe("a\nb\nc");
  });
});
