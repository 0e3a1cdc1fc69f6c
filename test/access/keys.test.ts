/**
 * The access report on keys, KMS-encrypted buckets and secrets: both halves of
 * every grant evaluated, the key policy as the third document of SSE-KMS buckets
 * and secrets, and the probes (read grantees cannot write, decrypt-only cannot
 * encrypt, nobody manages a key or changes a secret, plain HTTP refused).
 */
import { readFileSync } from "node:fs";
import type { Analysis } from "../../access/analyze";
import { analyzed, sid, synthesized, withPolicy } from "./fixture";

const FIXTURE = "test/fixtures/good/kinds-keys.yaml";
let clean: Analysis;
let outdir: string;
let model: Analysis["model"];
beforeAll(async () => {
  ({ model, outdir } = await synthesized(readFileSync(FIXTURE, "utf8"), FIXTURE));
  clean = await analyzed(model, outdir);
}, 60_000);

const allowed = (a: Analysis, caller: string, target: string) =>
  a.access.filter((x) => x.caller === caller && x.target === target).map((x) => x.action).sort();
const probe = (a: Analysis, id: string) => a.verdict.probes.find((p) => p.probe === id)!;

test("the gate is clean: every declared key, bucket-key and secret grant is allowed, nothing else, every probe denied", () => {
  expect(clean.verdict.differences).toEqual([]);
  expect(clean.verdict.ok).toBe(true);
  for (const id of ["key-other-level", "key-change", "secret-change", "secret-plain-http", "read-only-write", "bucket-change", "plain-http", "unknown-account"]) {
    expect(`${id}: ${probe(clean, id).requests > 0}`).toBe(`${id}: true`);
    expect(probe(clean, id).failures).toEqual([]);
  }
});

test("a read grantee of an SSE-KMS bucket may decrypt through S3 but not generate data keys; read-write may both", () => {
  expect(allowed(clean, "staging/role/reporting", "prod/bucket/prod-ledger-exports")).toEqual(["kms:Decrypt", "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
  expect(allowed(clean, "staging/developers", "prod/bucket/prod-ledger-exports")).toContain("kms:GenerateDataKey");
  const readOnly = probe(clean, "read-only-write");
  expect(readOnly.pairs).toContain("staging/role/reporting → prod/bucket/prod-ledger-exports");
});

test("key levels: decrypt-only cannot encrypt, encrypt-only cannot decrypt", () => {
  expect(allowed(clean, "staging/role/reporting", "prod/key/artifact-signing")).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
  expect(allowed(clean, "prod/release-managers", "prod/key/artifact-signing")).toEqual(["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]);
  expect(probe(clean, "key-other-level").pairs).toEqual(["prod/release-managers → prod/key/artifact-signing", "staging/role/reporting → prod/key/artifact-signing"]);
});

test("a secret grantee reads it and decrypts its key through Secrets Manager; TLS is required of the secret", () => {
  const ledger = clean.access.filter((x) => x.caller === "staging/role/reporting" && x.target === "prod/secret/ledger-db");
  expect(ledger.map((x) => x.action).sort()).toEqual(["kms:Decrypt", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
  expect(ledger.find((x) => x.action === "secretsmanager:GetSecretValue")!.tls).toBe(true);
});

test("the key policy is a third document: without its grantee statement the bucket's object reads lose kms:Decrypt, and the gate says so", async () => {
  const broken = withPolicy(outdir, "prod aws_kms_key.bucket__prod-ledger-exports", (doc) => {
    doc.Statement = [sid(doc, "EnableIamUserPermissions")];
  });
  const a = await analyzed(model, broken);
  expect(a.verdict.ok).toBe(false);
  expect(a.verdict.differences.map((d) => d.message)).toContainEqual(expect.stringMatching(/^staging\/role\/reporting → prod\/bucket\/prod-ledger-exports: kms:Decrypt declared .* but not allowed: the resource's half/));
}, 60_000);

test("a key that another account's role may manage (kms:* on both halves) fails the key-change probe", async () => {
  const keyPolicy = withPolicy(outdir, "prod aws_kms_key.artifact-signing", (doc) => {
    sid(doc, "UseKeyRoleDevCiRunner").Action = "kms:*";
  });
  const broken = withPolicy(keyPolicy, "dev aws_iam_role_policy.ci-runner", (doc) => {
    sid(doc, "UseKeys").Action = "kms:*";
  });
  const a = await analyzed(model, broken);
  expect(probe(a, "key-change").failures.map((f) => f.action)).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]));
}, 60_000);
