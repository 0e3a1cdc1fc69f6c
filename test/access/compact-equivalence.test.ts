/**
 * The compact form of identity halves (policies/compact.ts) is exactly as strict as
 * explicit role ARN lists: on a generated organization, the access evaluated from
 * stacks written entirely in the compact form equals the access evaluated from
 * stacks written entirely with explicit lists, request for request, and both pass
 * the gate.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { analyze } from "../../access/analyze";
import { loadAccountMapText } from "../../config/load";
import type { Model } from "../../config/model";
import { planAccounts, type CompactMode } from "../../policies/plan";
import { generateMap } from "../../scripts/bench/generate";
import { AccountStack } from "../../stacks/account-stack";

function write(model: Model, compact: CompactMode): string {
  const outdir = mkdtempSync(join(tmpdir(), `compact-${compact}-`));
  const app = new App({ outdir });
  for (const plan of planAccounts(model, compact)) new AccountStack(app, { plan, state: model.state, tags: model.tags });
  app.synth();
  return outdir;
}

test("30 generated accounts: compact and explicit identity halves allow exactly the same requests", async () => {
  const { model } = await loadAccountMapText(generateMap({ accounts: 30, seed: 7 }).text, "generated.yaml");
  const explicit = await analyze(model, write(model, "never"));
  const compact = await analyze(model, write(model, "always"));
  // The compact form really is in use: the identity groups name account-wildcard ARNs.
  const identity = compact.inventory.stacks.find((s) => s.name === "identity")!;
  expect(JSON.stringify(identity.groups.map((g) => g.inline.map((p) => p.document)))).toContain("arn:aws:iam::*:role/");
  expect(JSON.stringify(explicit.inventory.stacks.find((s) => s.name === "identity")!.groups.map((g) => g.inline.map((p) => p.document)))).not.toContain("arn:aws:iam::*:role/");

  expect(compact.access.length).toBeGreaterThan(100);
  expect(compact.access).toEqual(explicit.access);
  expect(explicit.verdict.differences).toEqual([]);
  expect(compact.verdict.differences).toEqual([]);
}, 60_000);

test("queues and topics: compact and explicit identity halves allow exactly the same requests", async () => {
  const file = "test/fixtures/good/kinds-messaging.yaml";
  const { model } = await loadAccountMapText(readFileSync(file, "utf8"), file);
  const explicit = await analyze(model, write(model, "never"));
  const compact = await analyze(model, write(model, "always"));
  expect(explicit.access.filter((a) => /\/(queue|topic)\//.test(a.target)).length).toBeGreaterThan(5);
  expect(compact.access).toEqual(explicit.access);
  expect(explicit.verdict.differences).toEqual([]);
  expect(compact.verdict.differences).toEqual([]);
}, 60_000);
