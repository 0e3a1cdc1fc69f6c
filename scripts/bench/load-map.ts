/**
 * Benchmark entry: loads and validates one account map (`loadAccountMap`: parse,
 * validate, resolve) and nothing else. Prints `{ accounts, loadMs }` as one JSON
 * line; a map the loader refuses prints its report and exits 1, as the program does.
 *
 *   node .cache/bench/dist/load-map.js <map.yaml>
 *
 * scripts/bench/run.mjs bundles it with esbuild, as scripts/build.mjs bundles main.ts.
 */
import { performance } from "node:perf_hooks";
import { ConfigError } from "../../config/errors";
import { loadAccountMap } from "../../config/load";

async function main(file: string | undefined): Promise<void> {
  if (!file) throw new Error("usage: load-map.js <map.yaml>");
  const t0 = performance.now();
  const { model } = await loadAccountMap(file);
  process.stdout.write(`${JSON.stringify({ accounts: model.accounts.length, loadMs: performance.now() - t0 })}\n`);
}

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 1 : 2);
});
