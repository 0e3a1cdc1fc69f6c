/**
 * Onboarding an account is a few lines in the map and nothing else: a new stack,
 * the new halves of grants that name it, and no other resource touched.
 */
import { addresses, exampleText, synth, type TfJson } from "./helpers";

/** The block an operator adds, exactly as the README's walkthrough shows it. */
const QA_BLOCK = `
  qa:
    id: "555555555555"
    groups: [testers]
    roles:
      QaAccess:
        assumableBy: [dev/developers]
    buckets:
      qa-test-results-555:
        grants:
          staging/testers: read
          qa/testers: read-write
`;

/** Every resource by `stack address`, as its JSON. */
function byAddress(stacks: Record<string, TfJson>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [stack, tf] of Object.entries(stacks)) {
    for (const [type, byName] of Object.entries(tf.resource)) {
      for (const [name, r] of Object.entries(byName)) out.set(`${stack} ${type}.${name}`, JSON.stringify(r));
    }
  }
  return out;
}

let before: Record<string, TfJson>;
let after: Record<string, TfJson>;
beforeAll(async () => {
  before = await synth(exampleText());
  after = await synth(exampleText() + QA_BLOCK);
});

test("the new account gets its own stack, provider and resources", () => {
  expect(Object.keys(after).sort()).toEqual(["dev", "prod", "qa", "staging"]);
  expect(after.qa.provider.aws[0]).toMatchObject({ alias: "qa", allowed_account_ids: ["555555555555"] });
  expect(addresses(after.qa)).toEqual([
    "aws_iam_group.testers",
    "aws_iam_group_policies_exclusive.testers",
    "aws_iam_group_policy.testers",
    "aws_iam_group_policy_attachments_exclusive.testers",
    "aws_iam_role.QaAccess",
    "aws_iam_role_policies_exclusive.QaAccess",
    "aws_iam_role_policy_attachments_exclusive.QaAccess",
    "aws_s3_bucket.qa-test-results-555",
    "aws_s3_bucket_ownership_controls.qa-test-results-555",
    "aws_s3_bucket_policy.qa-test-results-555",
    "aws_s3_bucket_public_access_block.qa-test-results-555",
    "aws_s3_bucket_server_side_encryption_configuration.qa-test-results-555",
    "aws_s3_bucket_versioning.qa-test-results-555",
  ]);
});

test("in the other stacks, only the grants that name the new account change, and only by adding", () => {
  const old = byAddress(before);
  const now = byAddress(after);
  const others = [...now.keys()].filter((a) => !a.startsWith("qa "));
  expect(others.filter((a) => !old.has(a))).toEqual([]);
  expect([...old.keys()].filter((a) => !now.has(a))).toEqual([]);
  const changed = others.filter((a) => old.get(a) !== now.get(a));
  expect(changed).toEqual(["dev aws_iam_group_policy.developers", "staging aws_iam_group_policy.testers"]);

  const statements = (stacks: Record<string, TfJson>, stack: string, group: string) =>
    JSON.parse(stacks[stack].resource.aws_iam_group_policy[group].policy as string).Statement;
  expect(statements(after, "dev", "developers")).toEqual([
    expect.objectContaining({
      Sid: "AssumeRolesWithMfa",
      Resource: [
        "arn:aws:iam::111111111111:role/UpdateProdApp",
        "arn:aws:iam::222222222222:role/StagingAccess",
        "arn:aws:iam::555555555555:role/QaAccess",
      ],
    }),
  ]);
  const testers = statements(after, "staging", "testers");
  expect(testers.map((s: { Resource: unknown }) => s.Resource)).toEqual([
    ["arn:aws:s3:::production-test-bucket-101/*", "arn:aws:s3:::qa-test-results-555/*"],
    ["arn:aws:s3:::production-test-bucket-101", "arn:aws:s3:::qa-test-results-555"],
  ]);
});

test("reordering the map changes nothing in the output", async () => {
  // Accounts in reverse order, and a bucket's grants swapped.
  const text = exampleText();
  const start = text.indexOf("  prod:\n");
  const staging = text.indexOf("  staging:\n");
  const dev = text.indexOf("  dev:\n");
  const reordered = text.slice(0, start) + text.slice(dev) + "\n" + text.slice(staging, dev) + text.slice(start, staging);
  const developers = "          staging/developers: read-write     # objects only; never the bucket itself\n";
  const testers = "          staging/testers: read\n";
  expect(reordered).toContain(developers + testers);
  const swapped = reordered.replace(developers + testers, testers + developers);
  expect(swapped.indexOf(testers)).toBeLessThan(swapped.indexOf(developers));
  const again = await synth(swapped);
  for (const name of Object.keys(before)) expect(again[name]).toEqual(before[name]);
});
