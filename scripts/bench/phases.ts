/**
 * Benchmark entry: the program's pipeline with a clock between its phases: load
 * (parse, validate, resolve), plan (policies and size checks), build (one
 * AccountStack per account) and synth (cdktf resolves tokens and writes the JSON).
 * It repeats what app.ts's synthesizeModel does, step by step; if that function
 * changes shape, this file must follow it.
 *
 *   node .cache/bench/dist/phases.js <map.yaml> <outdir>
 *
 * Prints one JSON line: `{ loadMs, planMs, buildMs, synthMs, heapUsedMb }`.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { App } from "cdktf";
import { loadAccountMap } from "../../config/load";
import { planWithinLimits } from "../../policies/limits";
import { AccountStack } from "../../stacks/account-stack";

async function main(): Promise<void> {
  const [file, outdir] = process.argv.slice(2);
  if (!file || !outdir) throw new Error("usage: phases.js <map.yaml> <outdir>");
  const t0 = performance.now();
  const { model } = await loadAccountMap(file);
  const t1 = performance.now();
  const plans = planWithinLimits(model);
  const t2 = performance.now();
  mkdirSync(dirname(resolve(outdir)), { recursive: true });
  const app = new App({ outdir });
  for (const plan of plans) new AccountStack(app, { plan, state: model.state, tags: model.tags });
  const t3 = performance.now();
  const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
  app.synth();
  const t4 = performance.now();
  process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, planMs: t2 - t1, buildMs: t3 - t2, synthMs: t4 - t3, heapUsedMb })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
