/**
 * Benchmark entry: the program's pipeline with a clock between its phases: load
 * (parse, validate, resolve), plan (policies and size checks), build (one
 * AccountStack per account) and synth (cdktf resolves tokens and writes the JSON).
 * Stacks are built and written one at a time (stacks/stream.ts), so build and
 * synth are each summed over all stacks. It repeats what app.ts's synthesizeModel
 * does, step by step; if that function changes shape, this file must follow it.
 *
 *   node .cache/bench/dist/phases.js <map.yaml> <outdir>
 *
 * Prints one JSON line: `{ loadMs, planMs, buildMs, synthMs, heapUsedMb }`, the
 * heap as it is after the plan, before any stack (which is all the program holds
 * for long: each stack is let go once written).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { loadAccountMap } from "../../config/load";
import { planWithinLimits } from "../../policies/limits";
import { AccountStack } from "../../stacks/account-stack";
import { StackStream } from "../../stacks/stream";

async function main(): Promise<void> {
  const [file, outdir] = process.argv.slice(2);
  if (!file || !outdir) throw new Error("usage: phases.js <map.yaml> <outdir>");
  const t0 = performance.now();
  const { model } = await loadAccountMap(file);
  const t1 = performance.now();
  const plans = planWithinLimits(model);
  const t2 = performance.now();
  mkdirSync(dirname(resolve(outdir)), { recursive: true });
  const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
  const out = new StackStream(outdir);
  let buildMs = 0;
  for (const plan of plans) {
    out.write((app) => {
      const start = performance.now();
      const stack = new AccountStack(app, { plan, state: model.state, tags: model.tags });
      buildMs += performance.now() - start;
      return stack;
    });
  }
  out.close();
  const t4 = performance.now();
  process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, planMs: t2 - t1, buildMs, synthMs: t4 - t2 - buildMs, heapUsedMb })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
