/**
 * The adopt listing (tools/adopt-changes.ts) over a canned plan: the prod stack of
 * the example map planned against the local AWS with a hand-made StageRole (trust
 * wider than the map's, an inline policy of its own) and a hand-made prod bucket
 * imported, and the probes that read the role's inline policies and attachments
 * (test/fixtures/plans/adopt-prod.json). Variations are edits of that plan.
 */
import { readFileSync } from "node:fs";
import { type Adoption, adoptChanges, type AdoptPlanJson, policyDifference, renderAdoptChanges } from "../../tools/adopt-changes";

/** The canned plan, writable for the variations. */
interface Plan {
  resource_changes: { address: string; type: string; change: { actions: string[]; replace_paths?: string[][]; before: Record<string, unknown>; after: Record<string, unknown> } }[];
  configuration: { root_module: { resources: { address: string; type: string; expressions?: Record<string, unknown> }[] } };
}
const canned = (): Plan & AdoptPlanJson => JSON.parse(readFileSync("test/fixtures/plans/adopt-prod.json", "utf8")) as Plan & AdoptPlanJson;
const change = (plan: Plan, address: string) => plan.resource_changes.find((r) => r.address === address)!.change;

const ROLE: Adoption = {
  address: "aws_iam_role.StageRole",
  noun: "role",
  name: "StageRole",
  probes: { inline: "aws_iam_role_policies_exclusive.adopt-probe__StageRole", attachments: "aws_iam_role_policy_attachments_exclusive.adopt-probe__StageRole" },
};
const BUCKET: Adoption = { address: "aws_s3_bucket.production-test-bucket-101", noun: "bucket", name: "production-test-bucket-101" };

test("GIVEN a hand-made StageRole and bucket WHEN adopted THEN what grants more than the map is listed first, then what the apply changes", () => {
  const { findings, refusals } = adoptChanges(canned(), [ROLE, BUCKET]);
  expect(refusals).toEqual([]);
  expect(renderAdoptChanges([{ stack: "prod", findings }])).toBe(
    [
      "Grants more than the map (review these first):",
      "  prod: role StageRole: its trust policy allows what the map does not (the first apply removes it): Allow sts:AssumeRole to arn:aws:iam::222222222222:root, no condition",
      "  prod: role StageRole: inline policy hand-made is not in the map and stays: the stack does not own the role's inline policies exclusively; delete it by hand",
      "What the first apply changes:",
      "  prod: role StageRole: trust policy replaced by the map's (1 statement, 1 not there before)",
      "  prod: role StageRole: inline policy cross-account-access written as the map says",
      "  prod: bucket production-test-bucket-101: s3 bucket ownership controls written as the map says",
      "  prod: bucket production-test-bucket-101: s3 bucket policy set to the map's (4 statements, 4 not there before)",
      "  prod: bucket production-test-bucket-101: s3 bucket public access block written as the map says",
      "  prod: bucket production-test-bucket-101: s3 bucket server side encryption configuration written as the map says",
      "  prod: bucket production-test-bucket-101: s3 bucket versioning written as the map says",
    ].join("\n"),
  );
});

test("GIVEN the stack owns the role's inline policies exclusively THEN the hand-made inline policy is removed, still listed first", () => {
  const plan = canned();
  plan.configuration.root_module.resources.push({ address: "aws_iam_role_policies_exclusive.StageRole", type: "aws_iam_role_policies_exclusive", expressions: { role_name: { references: ["aws_iam_role.StageRole.name", "aws_iam_role.StageRole"] } } });
  const { findings } = adoptChanges(plan, [ROLE]);
  expect(findings.filter((f) => f.widens).map((f) => f.text)).toContain("inline policy hand-made is not in the map: the first apply removes it");
});

test("GIVEN an existing attachment the map does not make THEN it is listed as granting more; one the map makes is not", () => {
  const plan = canned();
  change(plan, ROLE.probes!.attachments).before = { role_name: "StageRole", policy_arns: ["arn:aws:iam::aws:policy/AdministratorAccess"] };
  const { findings } = adoptChanges(plan, [ROLE]);
  expect(findings.filter((f) => f.widens).map((f) => f.text)).toContain(
    "attached policy arn:aws:iam::aws:policy/AdministratorAccess is not in the map and stays: the stack does not own the role's attachments exclusively; detach it by hand",
  );
  // The map's own inline policy name is replaced, not reported as extra.
  change(plan, ROLE.probes!.inline).before = { role_name: "StageRole", policy_names: ["cross-account-access"] };
  const again = adoptChanges(plan, [ROLE]).findings;
  expect(again.find((f) => f.text.includes("cross-account-access"))).toEqual({ resource: "role StageRole", widens: false, text: "inline policy cross-account-access replaced by the map's" });
});

test("GIVEN an existing bucket policy with a Deny and a grant the map lacks THEN both are listed as widening the first apply would cause or remove", () => {
  const plan = canned();
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "s3:*", Resource: "arn:aws:s3:::production-test-bucket-101/*" },
      { Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::production-test-bucket-101/*" },
    ],
  };
  change(plan, BUCKET.address).before.policy = JSON.stringify(policy);
  const { findings } = adoptChanges(plan, [BUCKET]);
  expect(findings.filter((f) => f.widens).map((f) => f.text)).toEqual([
    "its s3 bucket policy allows what the map does not (the first apply removes it): Allow s3:* to arn:aws:iam::999999999999:root on arn:aws:s3:::production-test-bucket-101/*, no condition",
    "its s3 bucket policy has a Deny the map does not, which the first apply removes: Deny s3:DeleteObject to * on arn:aws:s3:::production-test-bucket-101/*, no condition",
  ]);
  expect(findings.map((f) => f.text)).toContain("s3 bucket policy replaced by the map's (4 statements, 4 not there before)");
});

test("GIVEN an ACL that grants the public THEN it is listed as granting more (BucketOwnerEnforced disables it)", () => {
  const plan = canned();
  (change(plan, BUCKET.address).before.grant as unknown[]).push({ id: "", permissions: ["READ"], type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" });
  const { findings } = adoptChanges(plan, [BUCKET]);
  expect(findings.filter((f) => f.widens).map((f) => f.text)).toEqual([
    "its ACL grants READ to http://acs.amazonaws.com/groups/global/AllUsers, which object ownership BucketOwnerEnforced disables",
  ]);
});

test("GIVEN a role under another path (Terraform would replace it) THEN it is refused, with both paths, and not listed", () => {
  const plan = canned();
  const c = change(plan, ROLE.address);
  c.actions = ["delete", "create"];
  c.replace_paths = [["path"]];
  c.before.path = "/hand-made/";
  const { findings, refusals } = adoptChanges(plan, [ROLE, BUCKET]);
  expect(refusals.map((r) => `${r.adoption.address}: ${r.reason}`)).toEqual([
    'aws_iam_role.StageRole: exists but cannot be adopted: path is "/hand-made/" there, "/" in the map (Terraform would destroy and re-create it)',
  ]);
  expect(findings.some((f) => f.resource === "role StageRole")).toBe(false);
});

test("a resource the plan does not import (not there, or already in the state) gets no line", () => {
  const { findings } = adoptChanges(canned(), [{ address: "aws_iam_role.Monitoring", noun: "role", name: "Monitoring" }]);
  expect(findings).toEqual([]);
});

test("GIVEN several stacks THEN every widening line comes before any other line", () => {
  const text = renderAdoptChanges([
    { stack: "staging", findings: [{ resource: "group admins", widens: false, text: "a" }] },
    { stack: "prod", findings: [{ resource: "role R", widens: false, text: "b" }, { resource: "role R", widens: true, text: "c" }] },
    { stack: "dev", findings: [{ resource: "group g", widens: true, text: "d" }] },
  ]);
  expect(text.split("\n")).toEqual(["Grants more than the map (review these first):", "  dev: group g: d", "  prod: role R: c", "What the first apply changes:", "  prod: role R: b", "  staging: group admins: a"]);
  expect(renderAdoptChanges([{ stack: "dev", findings: [] }])).toBe("Grants more than the map: nothing found.");
});

test("policyDifference compares statements by meaning: Sid and list order do not count", () => {
  const before = JSON.stringify({ Statement: [{ Sid: "A", Effect: "Allow", Action: ["b", "a"], Resource: "*" }] });
  const after = JSON.stringify({ Statement: [{ Sid: "B", Effect: "Allow", Action: ["a", "b"], Resource: ["*"] }] });
  expect(policyDifference(before, after)).toEqual({ removed: [], added: [] });
  expect(policyDifference(before, JSON.stringify({ Statement: [] })).removed).toHaveLength(1);
});

test("GIVEN a hand-made key adopted through its alias THEN its key policy's wider statement comes first, and the alias does not say the key is as the map says", () => {
  const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" };
  const vendor = { Sid: "Vendor", Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" };
  const doc = (...s: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: s });
  const plan: AdoptPlanJson = {
    resource_changes: [
      {
        address: "aws_kms_key.artifact-signing",
        type: "aws_kms_key",
        change: { actions: ["update"], importing: { id: "1234abcd-12ab-34cd-56ef-1234567890ab" }, before: { policy: doc(root, vendor), description: "made by hand" }, after: { policy: doc(root), description: "alias/artifact-signing" }, after_unknown: {} },
      },
      {
        address: "aws_kms_alias.artifact-signing",
        type: "aws_kms_alias",
        change: { actions: ["no-op"], importing: { id: "alias/artifact-signing" }, before: { name: "alias/artifact-signing" }, after: { name: "alias/artifact-signing" }, after_unknown: { target_key_id: true } },
      },
    ],
    configuration: {
      root_module: {
        resources: [
          { address: "aws_kms_key.artifact-signing", type: "aws_kms_key", expressions: { policy: {}, description: {} } },
          { address: "aws_kms_alias.artifact-signing", type: "aws_kms_alias", expressions: { name: {}, target_key_id: { references: ["aws_kms_key.artifact-signing.key_id", "aws_kms_key.artifact-signing"] } } },
        ],
      },
    },
  };
  // tools/adopt.ts lists the key it imports through the alias before the alias.
  const key: Adoption = { address: "aws_kms_key.artifact-signing", noun: "key", name: "artifact-signing" };
  const alias: Adoption = { address: "aws_kms_alias.artifact-signing", noun: "key", name: "artifact-signing" };
  const { findings, refusals } = adoptChanges(plan, [key, alias]);
  expect(refusals).toEqual([]);
  expect(renderAdoptChanges([{ stack: "prod", findings }])).toBe(
    [
      "Grants more than the map (review these first):",
      "  prod: key artifact-signing: its key policy allows what the map does not (the first apply removes it): Allow kms:Decrypt, kms:Encrypt to arn:aws:iam::444455556666:root on *, no condition",
      "What the first apply changes:",
      '  prod: key artifact-signing: description: "made by hand" → "alias/artifact-signing"',
      "  prod: key artifact-signing: key policy replaced by the map's (1 statement)",
    ].join("\n"),
  );
});
