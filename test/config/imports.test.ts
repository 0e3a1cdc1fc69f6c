/**
 * Import records (config/imports.ts): read next to the map, checked against it
 * with located problems, and turned into Terraform import blocks on exactly the
 * resources they name. The bad records file is pinned in test/fixtures/bad/import-records.
 */
import { readFileSync } from "node:fs";
import { Testing } from "cdktf";
import { importsFileOf, importsOf, renderImports, resolveImports } from "../../config/imports";
import { loadAccountMap, loadAccountMapText } from "../../config/load";
import type { Model } from "../../config/model";
import { planWithinLimits } from "../../policies/limits";
import { AccountStack } from "../../stacks/account-stack";
import { EXAMPLE_MAP, exampleText } from "../helpers";

const ADOPT_MAP = "test/fixtures/adopt/accounts.yaml";

function importBlocks(model: Model, account: string): { to: string; id: string; provider: string }[] {
  const p = planWithinLimits(model).find((x) => x.account.name === account)!;
  const stack = new AccountStack(Testing.app(), { plan: p, state: model.state, tags: model.tags, imports: importsOf(model, account) });
  return (JSON.parse(Testing.synth(stack, true)).import ?? []) as { to: string; id: string; provider: string }[];
}

test("the records file is the map's name with .imports before the extension", () => {
  expect(importsFileOf("maps/org.yaml")).toBe("maps/org.imports.yaml");
  expect(importsFileOf("maps/org.yml")).toBe("maps/org.imports.yml");
  expect(importsFileOf("map")).toBe("map.imports.yaml");
});

test("GIVEN records beside the map WHEN it is loaded THEN the model holds them, in section order, frozen", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  expect(model.imports?.map((r) => `${r.account} ${r.section}/${r.name} ${r.id}`)).toEqual([
    "prod roles/StageRole StageRole",
    "prod groups/operators operators",
    "prod policies/read-artifacts arn:aws:iam::111111111111:policy/read-artifacts",
    "prod buckets/prod-artifacts-adopt prod-artifacts-adopt",
    "prod queues/order-events https://sqs.us-west-2.amazonaws.com/111111111111/order-events",
    "prod topics/deploy-notices arn:aws:sns:us-west-2:111111111111:deploy-notices",
    "prod secrets/ledger-db arn:aws:secretsmanager:us-west-2:111111111111:secret:ledger-db-AbC123",
    "prod keys/artifact-signing 1234abcd-12ab-34cd-56ef-1234567890ab",
    "prod ownKeys/buckets/prod-artifacts-adopt 9abcabcd-12ab-34cd-56ef-1234567890ab",
    "prod kmsKeys/secrets/ledger-db 5678abcd-12ab-34cd-56ef-1234567890ab",
  ]);
  expect(Object.isFrozen(model.imports)).toBe(true);
  expect(Object.isFrozen(model.imports![0])).toBe(true);
});

test("GIVEN records THEN the stack imports exactly the named resources, a key with its alias, a key found by its tag without it, each through the account's provider", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  const blocks = importBlocks(model, "prod");
  expect(blocks.map((b) => `${b.to} <- ${b.id}`).sort()).toEqual(
    [
      "aws_iam_role.StageRole <- StageRole",
      "aws_iam_group.operators <- operators",
      "aws_iam_policy.read-artifacts <- arn:aws:iam::111111111111:policy/read-artifacts",
      "aws_s3_bucket.prod-artifacts-adopt <- prod-artifacts-adopt",
      "aws_sqs_queue.order-events <- https://sqs.us-west-2.amazonaws.com/111111111111/order-events",
      "aws_sns_topic.deploy-notices <- arn:aws:sns:us-west-2:111111111111:deploy-notices",
      "aws_secretsmanager_secret.ledger-db <- arn:aws:secretsmanager:us-west-2:111111111111:secret:ledger-db-AbC123",
      "aws_kms_key.artifact-signing <- 1234abcd-12ab-34cd-56ef-1234567890ab",
      "aws_kms_alias.artifact-signing <- alias/artifact-signing",
      // Recorded under kmsKeys: the secret's own key, found by its tag; its alias is created, not imported.
      "aws_kms_key.secret__ledger-db <- 5678abcd-12ab-34cd-56ef-1234567890ab",
      // Recorded under ownKeys: the bucket's own key, found through its alias; both are imported.
      "aws_kms_key.bucket__prod-artifacts-adopt <- 9abcabcd-12ab-34cd-56ef-1234567890ab",
      "aws_kms_alias.bucket__prod-artifacts-adopt <- alias/s3/prod-artifacts-adopt",
    ].sort(),
  );
  expect(new Set(blocks.map((b) => b.provider))).toEqual(new Set(["aws.prod"]));
  // The other account has no records: no import blocks at all.
  expect(importBlocks(model, "staging")).toEqual([]);
});

test("every key the stack creates carries the tag naming its stack and owner, by which adopt finds one without its alias", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  const p = planWithinLimits(model).find((x) => x.account.name === "prod")!;
  const stack = new AccountStack(Testing.app(), { plan: p, state: model.state, tags: model.tags });
  const keys = (JSON.parse(Testing.synth(stack, true)).resource.aws_kms_key ?? {}) as Record<string, { tags?: Record<string, string> }>;
  expect(Object.fromEntries(Object.entries(keys).map(([label, k]) => [label, k.tags]))).toEqual({
    "artifact-signing": { "cross-account-bootstrap:key": "prod/keys/artifact-signing" },
    "secret__ledger-db": { "cross-account-bootstrap:key": "prod/secrets/ledger-db" },
    "bucket__prod-artifacts-adopt": { "cross-account-bootstrap:key": "prod/buckets/prod-artifacts-adopt" },
  });
});

test("GIVEN no records file THEN no stack has an import block", async () => {
  const { model } = await loadAccountMapText(exampleText(), EXAMPLE_MAP);
  expect(model.imports).toBeUndefined();
  for (const account of model.accounts) expect(importBlocks(model, account.name)).toEqual([]);
});

test("renderImports writes what resolveImports reads back, byte for byte the same on a second round", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  const text = renderImports(model.imports!);
  const again = resolveImports(text, "x.imports.yaml", model);
  expect(again.issues).toEqual([]);
  expect(again.records).toEqual(model.imports);
  expect(renderImports(again.records)).toBe(text);
  expect(text).toContain("      StageRole: StageRole\n");
  expect(renderImports([])).toMatch(/\nversion: 1\naccounts: \{\}\n$/);
});

test("an empty records file is no records; records of another map's names are located problems", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  expect(resolveImports("", "e.imports.yaml", model)).toEqual({ records: [], issues: [] });
  const { issues } = resolveImports("version: 2\nextra: 1\naccounts:\n  prod:\n    keys:\n      artifact-signing: alias/artifact-signing\n", "e.imports.yaml", model);
  expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message} (${i.hint})`)).toEqual([
    '2:1 extra: unknown key "extra" (the records file has version and accounts only)',
    "1:10 version: version 2 is not supported (version: 1)",
    '6:25 accounts.prod.keys.artifact-signing: "alias/artifact-signing" is not the id of key artifact-signing in account 111111111111 (a key\'s record is the id of the key its alias names (1234abcd-12ab-34cd-56ef-1234567890ab, or mrk-... for a multi-Region key))',
  ]);
});

test("a key recorded both by its tag and through its alias is a located problem at the tag's record", async () => {
  const { model } = await loadAccountMap(ADOPT_MAP);
  const text = [
    "version: 1",
    "accounts:",
    "  prod:",
    "    keys:",
    "      artifact-signing: 1234abcd-12ab-34cd-56ef-1234567890ab",
    "    ownKeys:",
    "      buckets/prod-artifacts-adopt: 9abcabcd-12ab-34cd-56ef-1234567890ab",
    "    kmsKeys:",
    "      keys/artifact-signing: 5678abcd-12ab-34cd-56ef-1234567890ab",
    "      buckets/prod-artifacts-adopt: 5678abcd-12ab-34cd-56ef-1234567890ab",
    "      secrets/ledger-db: 5678abcd-12ab-34cd-56ef-1234567890ab",
    "",
  ].join("\n");
  const { issues } = resolveImports(text, "k.imports.yaml", model);
  expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message} (${i.hint})`)).toEqual([
    '9:7 accounts.prod.kmsKeys["keys/artifact-signing"]: the key of keys/artifact-signing is recorded twice, here and under keys (keep one: keys for a key found through its alias, kmsKeys for one found by its tag without its alias)',
    '10:7 accounts.prod.kmsKeys["buckets/prod-artifacts-adopt"]: the key of buckets/prod-artifacts-adopt is recorded twice, here and under ownKeys (keep one: ownKeys for a key found through its alias, kmsKeys for one found by its tag without its alias)',
  ]);
});

test("the bad records fixture is the whole report of test/fixtures/bad/import-records", async () => {
  await expect(loadAccountMap("test/fixtures/bad/import-records/accounts.yaml")).rejects.toThrow(
    readFileSync("test/fixtures/bad/import-records/expected.txt", "utf8").trimEnd(),
  );
});
