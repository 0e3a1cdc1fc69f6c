/** The security defaults hold on the example map, and the checker catches each kind of violation. */
import { exampleText, plan, synth, type TfJson } from "./helpers";
import { securityViolations } from "./security-invariants";
import type { Model } from "../config/model";

let stacks: Record<string, TfJson>;
let model: Model;
beforeAll(async () => {
  stacks = await synth(exampleText());
  ({ model } = await plan(exampleText()));
});

test("the example map's stacks hold every security default", () => {
  expect(securityViolations(stacks, model)).toEqual([]);
});

/** Applies a change to one policy attribute of a copy of the stacks. */
function tamper(stack: string, type: string, name: string, field: string, edit: (doc: any) => void): Record<string, TfJson> {
  const copy = JSON.parse(JSON.stringify(stacks));
  const doc = JSON.parse(copy[stack].resource[type][name][field]);
  edit(doc);
  copy[stack].resource[type][name][field] = JSON.stringify(doc);
  return copy;
}

test.each([
  [
    "a trust policy open to everyone",
    () => tamper("prod", "aws_iam_role", "UpdateProdApp", "assume_role_policy", (d) => {
      d.Statement[0].Principal = "*";
      delete d.Statement[0].Condition;
    }),
    ['prod aws_iam_role.UpdateProdApp: Principal "*" without a condition', "prod aws_iam_role.UpdateProdApp: trust statement TrustPeopleWithMfa has no condition"],
  ],
  [
    "people trusted without MFA",
    () => tamper("prod", "aws_iam_role", "StageRole", "assume_role_policy", (d) => delete d.Statement[0].Condition),
    ["prod aws_iam_role.StageRole: trust statement TrustPeopleWithMfa has no condition"],
  ],
  [
    "a vendor trusted without an external id",
    () => tamper("prod", "aws_iam_role", "Monitoring", "assume_role_policy", (d) => delete d.Statement[0].Condition),
    ["prod aws_iam_role.Monitoring: trust statement TrustExternalAcmeMonitoring has no condition"],
  ],
  [
    "a bucket without the TLS deny",
    () => tamper("prod", "aws_s3_bucket_policy", "production-test-bucket-101", "policy", (d) => d.Statement.shift()),
    ["prod production-test-bucket-101: no TLS-only deny"],
  ],
  [
    "another account allowed to change the bucket policy",
    () => tamper("prod", "aws_s3_bucket_policy", "production-test-bucket-101", "policy", (d) => d.Statement[1].Action.push("s3:PutBucketPolicy")),
    ["prod production-test-bucket-101: s3:PutBucketPolicy granted to another account"],
  ],
])("the checker catches %s", (_what, tampered, violations) => {
  expect(securityViolations(tampered(), model)).toEqual(violations);
});

test("the checker catches a public access block turned off, ownership not enforced and versioning off", () => {
  const copy = JSON.parse(JSON.stringify(stacks));
  copy.prod.resource.aws_s3_bucket_public_access_block["production-test-bucket-101"].restrict_public_buckets = false;
  copy.prod.resource.aws_s3_bucket_ownership_controls["production-test-bucket-101"].rule.object_ownership = "ObjectWriter";
  delete copy.prod.resource.aws_s3_bucket_versioning;
  expect(securityViolations(copy, model)).toEqual([
    "prod production-test-bucket-101: public access block not all on",
    "prod production-test-bucket-101: ownership not enforced",
    "prod production-test-bucket-101: versioning not enabled",
  ]);
});
