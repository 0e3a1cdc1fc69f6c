/**
 * Drift ownership and the order of creation, read from the synthesized JSON of
 * the maps that use every resource kind and caller form (no emulator):
 *
 * - every role and group owns its inline policies and managed policy attachments
 *   exclusively, and the exclusive lists are exactly what the stack itself writes
 *   on it (otherwise an apply would remove the program's own policy, or keep a
 *   hand-added one);
 * - what a deploy killed half way may have left is never wider than declared:
 *   each exclusive resource comes after what it lists, a bucket policy after the
 *   bucket's public access block, ownership, encryption and versioning, each
 *   resource policy after its resource, each key alias after its key.
 */
import { readFileSync } from "node:fs";
import { exampleText, synth, type TfJson } from "../helpers";

const FIXTURES = ["test/fixtures/good/kinds-messaging.yaml", "test/fixtures/good/kinds-keys.yaml", "test/fixtures/good/callers.yaml", "test/fixtures/good/baseline.yaml"];

let maps: Record<string, Record<string, TfJson>>;
beforeAll(async () => {
  maps = { example: await synth(exampleText()) };
  for (const f of FIXTURES) maps[f] = await synth(readFileSync(f, "utf8"));
});

type Res = Record<string, unknown>;
const each = (tf: TfJson, type: string): [string, Res][] => Object.entries(tf.resource?.[type] ?? {});
const stacksOf = () => Object.entries(maps).flatMap(([map, stacks]) => Object.entries(stacks).map(([stack, tf]) => ({ where: `${map} ${stack}`, tf })));
/** Every address a resource waits for: its depends_on and the resources its attributes refer to. */
function waitsFor(r: Res): Set<string> {
  const { depends_on, ...attrs } = r;
  const refs = [...JSON.stringify(attrs).matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\./g)].map((m) => m[1]);
  return new Set([...((depends_on as string[] | undefined) ?? []), ...refs]);
}
/** The address of the role or group a resource names, by reference: `aws_iam_role.StageRole`. */
const owner = (ref: unknown): string => /^\$\{([a-z_]+\.[A-Za-z0-9_-]+)\.name\}$/.exec(String(ref))?.[1] ?? `not a reference: ${String(ref)}`;

describe("drift ownership", () => {
  test.each([
    ["aws_iam_role", "aws_iam_role_policies_exclusive", "aws_iam_role_policy_attachments_exclusive", "role_name"],
    ["aws_iam_group", "aws_iam_group_policies_exclusive", "aws_iam_group_policy_attachments_exclusive", "group_name"],
  ])("every %s has one exclusive inline-policy and one exclusive attachment resource", (type, policies, attachments, key) => {
    let seen = 0;
    for (const { where, tf } of stacksOf()) {
      for (const name of Object.keys(tf.resource?.[type] ?? {})) {
        seen++;
        for (const exclusive of [policies, attachments]) {
          const owners = each(tf, exclusive).filter(([, r]) => owner(r[key]) === `${type}.${name}`);
          expect({ where, name, exclusive, count: owners.length }).toEqual({ where, name, exclusive, count: 1 });
        }
      }
      expect(Object.keys(tf.resource?.[policies] ?? {}).sort()).toEqual(Object.keys(tf.resource?.[type] ?? {}).sort());
    }
    expect(seen).toBeGreaterThan(5);
  });

  test("each exclusive list is exactly what the stack writes on that role or group", () => {
    const checks = [
      { exclusive: "aws_iam_role_policies_exclusive", key: "role_name", list: "policy_names", member: "aws_iam_role_policy", of: "role", value: "name" },
      { exclusive: "aws_iam_group_policies_exclusive", key: "group_name", list: "policy_names", member: "aws_iam_group_policy", of: "group", value: "name" },
      { exclusive: "aws_iam_role_policy_attachments_exclusive", key: "role_name", list: "policy_arns", member: "aws_iam_role_policy_attachment", of: "role", value: "policy_arn" },
      // A group's only attachment is the baseline's self-service MFA policy; without a baseline the list is empty, so a hand-made attachment is drift.
      { exclusive: "aws_iam_group_policy_attachments_exclusive", key: "group_name", list: "policy_arns", member: "aws_iam_group_policy_attachment", of: "group", value: "policy_arn" },
    ];
    let nonEmpty = 0;
    for (const { where, tf } of stacksOf()) {
      // A customer managed policy's ARN, as the attachment refers to it and as the exclusive list writes it.
      const policyArns = new Map(each(tf, "aws_iam_policy").map(([n, r]) => [`\${aws_iam_policy.${n}.arn}`, `arn:aws:iam::${(tf.provider.aws[0].allowed_account_ids as string[])[0]}:policy/${String(r.name)}`]));
      for (const c of checks) {
        for (const [name, r] of each(tf, c.exclusive)) {
          const written = each(tf, c.member)
            .filter(([, m]) => owner(m[c.of]) === owner(r[c.key]))
            .map(([, m]) => policyArns.get(String(m[c.value])) ?? String(m[c.value]))
            .sort();
          if (written.length > 0) nonEmpty++;
          const listed = ((r[c.list] as string[] | undefined) ?? []).map((v) => policyArns.get(v) ?? v).sort();
          expect({ where, name, list: listed }).toEqual({ where, name, list: written });
        }
      }
    }
    expect(nonEmpty).toBeGreaterThan(3);
    // The baseline's groups own the MFA attachment; the example's own none.
    const groupLists = (map: string) => Object.values(maps[map]).flatMap((tf) => each(tf, "aws_iam_group_policy_attachments_exclusive").map(([, r]) => (r.policy_arns as string[]).length));
    expect(groupLists("test/fixtures/good/baseline.yaml").every((n) => n === 1)).toBe(true);
    expect(groupLists("example").every((n) => n === 0)).toBe(true);
  });

  test("the example's roles: an attachment-only role owns an empty inline list, an inline-only role an empty attachment list", () => {
    const prod = maps.example.prod.resource;
    expect(prod.aws_iam_role_policies_exclusive.Monitoring.policy_names).toEqual([]);
    expect(prod.aws_iam_role_policy_attachments_exclusive.Monitoring.policy_arns).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(prod.aws_iam_role_policies_exclusive.StageRole.policy_names).toEqual(["cross-account-access"]);
    expect(prod.aws_iam_role_policy_attachments_exclusive.StageRole.policy_arns).toEqual([]);
    expect(prod.aws_iam_role_policy_attachments_exclusive.UpdateProdApp.policy_arns).toEqual(["arn:aws:iam::111111111111:policy/read-write-prod-app-from-dev"]);
  });
});

describe("order of creation: a deploy killed half way leaves nothing wider than declared", () => {
  test("an exclusive resource waits for every policy and attachment it lists", () => {
    const members: Record<string, string> = {
      aws_iam_role_policies_exclusive: "aws_iam_role_policy",
      aws_iam_role_policy_attachments_exclusive: "aws_iam_role_policy_attachment",
      aws_iam_group_policies_exclusive: "aws_iam_group_policy",
    };
    let edges = 0;
    for (const { where, tf } of stacksOf()) {
      for (const [exclusive, member] of Object.entries(members)) {
        for (const [name, r] of each(tf, exclusive)) {
          const own = owner(r.role_name ?? r.group_name);
          const mine = each(tf, member)
            .filter(([, m]) => owner(m.role ?? m.group) === own)
            .map(([n]) => `${member}.${n}`);
          edges += mine.length;
          const waits = waitsFor(r);
          expect({ where, name, missing: mine.filter((a) => !waits.has(a)) }).toEqual({ where, name, missing: [] });
          expect(waits.has(own)).toBe(true);
        }
      }
    }
    expect(edges).toBeGreaterThan(3);
  });

  test("a bucket policy waits for its bucket's public access block, ownership controls, encryption and versioning", () => {
    let buckets = 0;
    for (const { where, tf } of stacksOf()) {
      for (const [name, r] of each(tf, "aws_s3_bucket_policy")) {
        buckets++;
        const waits = waitsFor(r);
        const needed = [
          "aws_s3_bucket",
          "aws_s3_bucket_public_access_block",
          "aws_s3_bucket_ownership_controls",
          "aws_s3_bucket_server_side_encryption_configuration",
          "aws_s3_bucket_versioning",
        ].map((t) => `${t}.${name}`);
        for (const a of needed) expect(tf.resource?.[a.split(".")[0]]?.[name]).toBeDefined();
        expect({ where, name, missing: needed.filter((a) => !waits.has(a)) }).toEqual({ where, name, missing: [] });
      }
    }
    expect(buckets).toBeGreaterThan(1);
  });

  test("each resource policy waits for its resource, each key alias for its key, each attachment for its role", () => {
    const pairs: [string, string][] = [
      ["aws_sqs_queue_policy", "aws_sqs_queue"],
      ["aws_sns_topic_policy", "aws_sns_topic"],
      ["aws_secretsmanager_secret_policy", "aws_secretsmanager_secret"],
      ["aws_iam_role_policy", "aws_iam_role"],
      ["aws_iam_group_policy", "aws_iam_group"],
      ["aws_iam_role_policy_attachment", "aws_iam_role"],
    ];
    const seen = new Set<string>();
    for (const { where, tf } of stacksOf()) {
      for (const [dependent, on] of pairs) {
        for (const [name, r] of each(tf, dependent)) {
          seen.add(dependent);
          expect({ where, name, waits: [...waitsFor(r)].some((a) => a.startsWith(`${on}.`)) }).toEqual({ where, name, waits: true });
        }
      }
      for (const [name, r] of each(tf, "aws_kms_alias")) {
        seen.add("aws_kms_alias");
        expect({ where, name, waits: waitsFor(r).has(`aws_kms_key.${name}`) }).toEqual({ where, name, waits: true });
      }
    }
    expect([...seen].sort()).toEqual([...pairs.map(([d]) => d), "aws_kms_alias"].sort());
  });

  test("the check sees a missing edge: a bucket policy without depends_on is caught", () => {
    const tf = maps.example.prod;
    const { depends_on: _gone, ...bare } = tf.resource.aws_s3_bucket_policy["production-test-bucket-101"];
    expect(waitsFor(bare).has("aws_s3_bucket_public_access_block.production-test-bucket-101")).toBe(false);
    expect(waitsFor(tf.resource.aws_s3_bucket_policy["production-test-bucket-101"]).has("aws_s3_bucket_public_access_block.production-test-bucket-101")).toBe(true);
  });
});
