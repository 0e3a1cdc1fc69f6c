/**
 * The drift table, from canned plans: what changed outside Terraform, resource by
 * resource, with readable policy diffs; what the refresh reads back but no apply
 * changes is not drift.
 */
import { readFileSync } from "node:fs";
import { driftExitCode, driftOfPlan, renderDrift, statementsOf, type DriftPlanJson } from "../../tools/drift-report";

// Recorded from `terraform show -json` of plans of the example's prod stack against the emulator, right
// after its apply (clean) and after a hand-added inline policy on StageRole, AdministratorAccess attached
// to it, a statement added to UpdateProdApp's trust and s3:DeleteObject added to StageRole's own policy
// (trimmed to the fields read).
const clean: DriftPlanJson = JSON.parse(readFileSync("test/fixtures/plans/prod-clean.json", "utf8"));
const drifted: DriftPlanJson = JSON.parse(readFileSync("test/fixtures/plans/prod-drift.json", "utf8"));

describe("GIVEN a stack just applied", () => {
  test("THEN no drift: the refresh's differences are computed attributes no apply changes", () => {
    expect(clean.resource_drift!.length).toBeGreaterThan(0);
    const d = driftOfPlan("prod", clean);
    expect(d.drifted).toEqual([]);
    expect(d.pending).toEqual([]);
    expect(d.readBack).toContain("aws_s3_bucket.production-test-bucket-101");
    expect(d.readBack).toContain("aws_iam_role.Monitoring");
    expect(driftExitCode([d])).toBe(0);
    expect(renderDrift([d])).toBe("No drift in 1 stack: prod.\n(6 resources read back with computed attributes that no apply changes: not drift.)");
  });
});

describe("GIVEN policies added and edited by hand", () => {
  const d = driftOfPlan("prod", drifted);

  test("THEN each resource the next apply puts back is a row, and nothing else", () => {
    expect(d.drifted.map((r) => [r.address, r.change])).toEqual([
      ["aws_iam_role.UpdateProdApp", "edited"],
      ["aws_iam_role_policies_exclusive.StageRole", "edited"],
      ["aws_iam_role_policy.StageRole", "edited"],
      ["aws_iam_role_policy_attachments_exclusive.StageRole", "edited"],
    ]);
    // StageRole's own refresh shows the new inline policy and attachment, but the exclusive resources undo them.
    expect(d.readBack).toContain("aws_iam_role.StageRole");
    expect(driftExitCode([d])).toBe(2);
  });

  test("THEN the hand-added inline policy and attachment are named, with the policy's statements", () => {
    const names = d.drifted.find((r) => r.address === "aws_iam_role_policies_exclusive.StageRole")!;
    expect(names.attributes).toEqual([{ kind: "list", attribute: "policy_names", added: ["hand-added"], removed: [] }]);
    expect(names.addedPolicies).toEqual([{ name: "hand-added", statements: ['{"Action":["s3:*"],"Effect":"Allow","Resource":["*"]}'] }]);
    const arns = d.drifted.find((r) => r.address === "aws_iam_role_policy_attachments_exclusive.StageRole")!;
    expect(arns.attributes).toEqual([{ kind: "list", attribute: "policy_arns", added: ["arn:aws:iam::aws:policy/AdministratorAccess"], removed: [] }]);
  });

  test("THEN a policy's diff is the statements added and removed, not the computed attributes beside it", () => {
    const trust = d.drifted.find((r) => r.address === "aws_iam_role.UpdateProdApp")!;
    expect(trust.attributes).toEqual([
      { kind: "policy", attribute: "assume_role_policy", added: ['{"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::999999999999:root"]},"Sid":"HandMade"}'], removed: [] },
    ]);
  });

  test("THEN the table, as printed", () => {
    expect(renderDrift([d, driftOfPlan("dev", clean)])).toBe(
      [
        "stack  resource                                             change  outside Terraform",
        "prod   aws_iam_role.UpdateProdApp                           edited  assume_role_policy: 1 statement added",
        "prod   aws_iam_role_policies_exclusive.StageRole            edited  policy_names: +hand-added",
        "prod   aws_iam_role_policy.StageRole                        edited  policy: 1 statement added, 1 statement removed",
        "prod   aws_iam_role_policy_attachments_exclusive.StageRole  edited  policy_arns: +arn:aws:iam::aws:policy/AdministratorAccess",
        "",
        "Policy statements changed outside Terraform:",
        "",
        "prod aws_iam_role.UpdateProdApp assume_role_policy:",
        '  + {"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::999999999999:root"]},"Sid":"HandMade"}',
        "",
        'prod aws_iam_role_policies_exclusive.StageRole: inline policy "hand-added", added by hand:',
        '  + {"Action":["s3:*"],"Effect":"Allow","Resource":["*"]}',
        "",
        "prod aws_iam_role_policy.StageRole policy:",
        '  + {"Action":["s3:DeleteObject","s3:GetObject","s3:GetObjectVersion"],"Effect":"Allow","Resource":["arn:aws:s3:::production-test-bucket-101/*"],"Sid":"ReadObjects"}',
        '  - {"Action":["s3:GetObject","s3:GetObjectVersion"],"Effect":"Allow","Resource":["arn:aws:s3:::production-test-bucket-101/*"],"Sid":"ReadObjects"}',
        "",
        "Drift: 4 resources in 1 stack (prod); the next deploy of that stack puts the map's values back.",
        "(11 resources read back with computed attributes that no apply changes: not drift.)",
      ].join("\n"),
    );
  });
});

describe("removed, pending and failed", () => {
  const plan: DriftPlanJson = {
    resource_drift: [
      { address: "aws_iam_role.Gone", type: "aws_iam_role", change: { actions: ["delete"], before: { name: "Gone" }, after: null } },
      { address: "aws_s3_bucket_policy.b", type: "aws_s3_bucket_policy", change: { actions: ["update"], before: { policy: '{"Statement":[{"Effect":"Deny","Action":"s3:*","Principal":"*","Resource":"*"}]}' }, after: { policy: '{"Statement":[]}' } } },
    ],
    resource_changes: [
      { address: "aws_iam_role.Gone", change: { actions: ["create"], before: null, after: { name: "Gone" } } },
      { address: "aws_s3_bucket_policy.b", change: { actions: ["update"], before: { policy: '{"Statement":[]}' }, after: { policy: '{"Statement":[{"Effect":"Deny","Action":"s3:*","Principal":"*","Resource":"*"}]}' } } },
      { address: "aws_iam_group.new", change: { actions: ["create"], before: null, after: { name: "new" } } },
      { address: "aws_iam_group.same", change: { actions: ["no-op"] } },
    ],
  };

  test("a resource deleted by hand is removed; a statement deleted by hand is a statement removed; a change no refresh explains is pending, not drift", () => {
    const d = driftOfPlan("qa", plan);
    expect(d.drifted).toEqual([
      { address: "aws_iam_role.Gone", change: "removed", attributes: [], addedPolicies: [] },
      { address: "aws_s3_bucket_policy.b", change: "edited", attributes: [{ kind: "policy", attribute: "policy", added: [], removed: ['{"Action":["s3:*"],"Effect":"Deny","Principal":"*","Resource":["*"]}'] }], addedPolicies: [] },
    ]);
    expect(d.pending).toEqual(["aws_iam_group.new"]);
    expect(renderDrift([d]).split("\n").slice(0, 3)).toEqual([
      "stack  resource                change   outside Terraform",
      "qa     aws_iam_role.Gone       removed  removed outside Terraform",
      "qa     aws_s3_bucket_policy.b  edited   policy: 1 statement removed",
    ]);
    expect(renderDrift([d])).toContain("Not drift, not deployed yet: the map changes 1 resource in qa (npm run plan).");
  });

  test("only pending changes: no drift, exit 0", () => {
    const d = driftOfPlan("qa", { resource_changes: [{ address: "aws_iam_group.new", change: { actions: ["create"] } }] });
    expect(driftExitCode([d])).toBe(0);
    expect(renderDrift([d])).toBe("No drift in 1 stack: qa.\nNot drift, not deployed yet: the map changes 1 resource in qa (npm run plan).");
  });

  test("a stack that failed to plan: its drift is unknown, exit 1 even when another drifted", () => {
    const failed = { stack: "dev", drifted: [], readBack: [], pending: [], error: "Error: No valid credential sources found" };
    const d = driftOfPlan("prod", drifted);
    expect(driftExitCode([d, failed])).toBe(1);
    expect(driftExitCode([failed])).toBe(1);
    expect(renderDrift([failed])).toBe("\n1 of 1 stack failed to plan, so its drift is unknown: dev\n\nPlan of dev failed:\n  Error: No valid credential sources found");
  });
});

describe("statements compare as IAM reads them", () => {
  test("key order, X against [X] and list order do not make a difference", () => {
    const a = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["b","a"],"Principal":{"AWS":"arn:aws:iam::1:root"},"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}';
    const b = '{"Statement":{"Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]}},"Principal":{"AWS":["arn:aws:iam::1:root"]},"Resource":["a","b"],"Action":["s3:GetObject"],"Effect":"Allow"}}';
    expect(statementsOf(a)).toEqual(statementsOf(b));
  });

  test("a different action, principal or condition value does", () => {
    const base = '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Principal":{"AWS":"arn:aws:iam::1:root"},"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}';
    for (const [from, to] of [["s3:GetObject", "s3:PutObject"], ["iam::1:root", "iam::2:root"], ['"true"', '"false"']]) {
      expect(statementsOf(base.replace(from, to))).not.toEqual(statementsOf(base));
    }
  });

  test("what is not a policy is not read as one", () => {
    expect(statementsOf("AES256")).toBeUndefined();
    expect(statementsOf('{"not":"a policy"}')).toBeUndefined();
    expect(statementsOf("{broken")).toBeUndefined();
    expect(statementsOf(["x"])).toBeUndefined();
  });
});
