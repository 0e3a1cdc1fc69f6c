/**
 * Lint findings of the access report: each names its stack, the Terraform address
 * and a fix.
 */
import { CONFUSED_DEPUTY_PAGE, lintStacks, serviceTrustWithoutSourceAccount } from "../../access/lint";
import type { Inventory, PolicyText } from "../../access/types";
import { LIMITS } from "../../policies/limits";
import { exampleText } from "../helpers";
import { analyzed, synthesized } from "./fixture";

test("a customer policy with allowWildcards: true is flagged, with its address and a fix", async () => {
  const text = exampleText().replace(
    "    policies:\n      read-write-prod-app-from-dev:\n",
    '    policies:\n      ops-everything:\n        allowWildcards: true\n        statements:\n          - actions: ["s3:*"]\n            resources: ["*"]\n      read-write-prod-app-from-dev:\n',
  );
  const { model, outdir } = await synthesized(text);
  const a = await analyzed(model, outdir);
  const wild = a.findings.filter((f) => f.rule.startsWith("wildcard-")).map((f) => `${f.severity} ${f.rule} ${f.stack} ${f.resource}: ${f.message}`);
  expect(wild).toEqual([
    "warning wildcard-action prod aws_iam_policy.ops-everything: customer managed policy ops-everything statement #1 allows s3:*",
    "warning wildcard-resource prod aws_iam_policy.ops-everything: customer managed policy ops-everything statement #1 allows *",
  ]);
  expect(a.findings.find((f) => f.rule === "wildcard-action")!.fix).toContain("allowWildcards: true");
});

test("the example's unused group is flagged; people's trust without MFA is flagged", async () => {
  const text = exampleText().replace("      StageRole:                             # staging admins read the prod test bucket through this role\n        assumableBy: [staging/admins]\n", "      StageRole:\n        assumableBy: [staging/admins]\n        requireMfa: false\n");
  const { model, outdir } = await synthesized(text);
  const a = await analyzed(model, outdir);
  const rules = a.findings.filter((f) => f.severity !== "info").map((f) => `${f.rule} ${f.stack} ${f.resource}`).sort();
  expect(rules).toEqual(["trust-without-mfa prod aws_iam_role.StageRole", "unused-group prod aws_iam_group.release-managers"]);
});

function inventoryWith(policy: PolicyText, trustOf: string | undefined): Inventory {
  const role = { kind: "role" as const, stack: "prod", accountId: "111111111111", name: "big", arn: "arn:aws:iam::111111111111:role/big", address: "aws_iam_role.big", inline: [policy], attachments: [], ...(trustOf ? { trust: { ...policy, size: 100, address: "aws_iam_role.big", label: "trust policy of role big", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: trustOf }, Action: "sts:AssumeRole" }] } } } : {}) };
  return { stacks: [{ name: "prod", accountId: "111111111111", groups: [], roles: [role], buckets: [], policies: [] }], problems: [] };
}

test("inline policies at 90% of their quota warn; a role nobody can assume is flagged", async () => {
  const near = Math.ceil(LIMITS.roleInline * 0.9);
  const policy: PolicyText = { stack: "prod", address: "aws_iam_role_policy.big", label: "inline policy of role big", document: { Version: "2012-10-17", Statement: [] }, size: near };
  const findings = await lintStacks({ inventory: inventoryWith(policy, "arn:aws:iam::222222222222:root"), access: [] });
  expect(findings.map((f) => `${f.severity} ${f.rule} ${f.resource}: ${f.message}`).sort()).toEqual([
    `warning unassumable-role aws_iam_role.big: nobody can assume role big: no caller has both halves (trust policy and its own sts:AssumeRole)`,
    `warning trust-without-mfa aws_iam_role.big: trust policy of role big statement #1 lets people of 222222222222 assume the role without MFA`,
    `warning policy-size aws_iam_role_policy.big: role inline policy is ${near.toLocaleString("en-US")} characters, 90% of AWS's limit of ${LIMITS.roleInline.toLocaleString("en-US")}`,
  ].sort());
  const under = await lintStacks({ inventory: inventoryWith({ ...policy, size: near - 1 }, undefined), access: [] });
  expect(under.filter((f) => f.rule === "policy-size")).toEqual([]);
});

describe("a service's trust without aws:SourceAccount is noted", () => {
  const trustOf = (service: string, condition?: Record<string, Record<string, string>>): PolicyText => ({
    stack: "dev",
    address: "aws_iam_role.worker",
    label: "trust policy of role worker",
    size: 100,
    document: { Version: "2012-10-17", Statement: [{ Sid: "TrustService", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }] },
  });

  test("GIVEN EC2, which AWS does not document as sending it, THEN an info finding with the confused-deputy page", () => {
    const found = serviceTrustWithoutSourceAccount(trustOf("ec2.amazonaws.com"));
    expect(found.map((f) => `${f.severity} ${f.rule} ${f.stack} ${f.resource}: ${f.message}`)).toEqual([
      `info service-trust-without-source-account dev aws_iam_role.worker: trust policy of role worker statement TrustService trusts ec2.amazonaws.com without aws:SourceAccount: AWS does not document that this service sends it, so confused-deputy protection is the service's own (${CONFUSED_DEPUTY_PAGE})`,
    ]);
  });

  test("GIVEN Step Functions with aws:SourceAccount, or a service of the table THEN nothing", () => {
    expect(serviceTrustWithoutSourceAccount(trustOf("states.amazonaws.com", { StringEquals: { "aws:SourceAccount": "100000000003" } }))).toEqual([]);
    expect(serviceTrustWithoutSourceAccount(trustOf("scheduler.amazonaws.com"))).toEqual([]);
  });
});
