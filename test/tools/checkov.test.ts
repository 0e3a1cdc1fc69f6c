/** checkov's findings, sorted into the map's choices (reported) and the program's (failing). */
import { renderTriage, triage, type CheckovFinding } from "../../tools/checkov";

const stacks: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {
  prod: {
    aws_iam_role_policy_attachment: {
      admins__aws__AdministratorAccess: { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess", role: "${aws_iam_role.admins.name}" },
      ci__deploy: { policy_arn: "${aws_iam_policy.deploy.arn}", role: "${aws_iam_role.ci.name}" },
    },
    aws_iam_policy: { deploy: { name: "deploy", policy: "{}" } },
    aws_s3_bucket: { data: { bucket: "data" } },
  },
};
const finding = (check_id: string, resource: string, stack = "prod"): CheckovFinding => ({ check_id, check_name: `name of ${check_id}`, resource: `resource.${resource}`, file_path: `/${stack}/cdk.tf.json` });

test("an AWS managed policy the map attaches, and a customer policy's statements, are the map's choices", () => {
  const t = triage([finding("CKV_AWS_274", "admins__aws__AdministratorAccess"), finding("CKV_AWS_290", "deploy")], (s) => stacks[s]);
  expect(t).toEqual([
    { kind: "map", stack: "prod", address: "aws_iam_policy.deploy", check: "CKV_AWS_290", name: "name of CKV_AWS_290", because: "the map declares customer managed policy deploy with these statements (policies.deploy)" },
    { kind: "map", stack: "prod", address: "aws_iam_role_policy_attachment.admins__aws__AdministratorAccess", check: "CKV_AWS_274", name: "name of CKV_AWS_274", because: "the map attaches the AWS managed policy AdministratorAccess to role admins (managedPolicies)" },
  ]);
  expect(renderTriage(t, { passed: 10, failed: 2 })).toBe(
    "checkov: 10 passed, 2 failed: 0 the program's, 2 the map's choice\n" +
      "  map's choice CKV_AWS_290 prod aws_iam_policy.deploy: name of CKV_AWS_290; the map declares customer managed policy deploy with these statements (policies.deploy)\n" +
      "  map's choice CKV_AWS_274 prod aws_iam_role_policy_attachment.admins__aws__AdministratorAccess: name of CKV_AWS_274; the map attaches the AWS managed policy AdministratorAccess to role admins (managedPolicies)\n" +
      "checkov: passed: no finding is the program's\n",
  );
});

test("anything about how the program writes resources is the program's, and listed first", () => {
  const t = triage([finding("CKV_AWS_274", "admins__aws__AdministratorAccess"), finding("CKV_AWS_21", "data"), finding("CKV_X", "ci__deploy"), finding("CKV_Y", "gone")], (s) => stacks[s]);
  expect(t.map((x) => `${x.kind} ${x.address}`)).toEqual([
    "map aws_iam_role_policy_attachment.admins__aws__AdministratorAccess",
    "program aws_iam_role_policy_attachment.ci__deploy",
    "program aws_s3_bucket.data",
    "program resource.gone",
  ]);
  const text = renderTriage(t, { passed: 0, failed: 4 });
  expect(text.split("\n")[1]).toBe("  FAILED CKV_X prod aws_iam_role_policy_attachment.ci__deploy: name of CKV_X");
  expect(text).toContain("checkov: failed: the program writes a resource checkov refuses\n");
});
