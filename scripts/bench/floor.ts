/**
 * Benchmark entry, the floor: the time to serialize and write the program's JSON
 * with no cdktf at all. Reads every file the program wrote (manifest.json and
 * each stack's cdk.tf.json) into plain objects, then times JSON.stringify
 * (cdktf's 2-space indent) and writing the same files, folders included, to
 * OUT_DIR. It checks that what it wrote is the same JSON (it was parsed from the
 * program's files) and lists the files whose bytes differ (cdktf writes
 * manifest.json's empty arrays over two lines).
 *
 *   node .cache/bench/dist/floor.js SYNTH_DIR OUT_DIR
 *
 * Prints one JSON line: { files, bytes, differing, stringifyMs, writeMs, floorMs }.
 * scripts/bench/run.mjs bundles it with esbuild, as scripts/build.mjs bundles main.ts.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";

function floor(from: string, to: string): void {
  const rels = ["manifest.json", ...readdirSync(join(from, "stacks")).sort().map((s) => join("stacks", s, "cdk.tf.json"))];
  const originals = rels.map((rel) => readFileSync(join(from, rel), "utf8"));
  const values: unknown[] = originals.map((text) => JSON.parse(text));
  rmSync(to, { recursive: true, force: true });

  const t0 = performance.now();
  const texts = values.map((v) => JSON.stringify(v, null, 2));
  const t1 = performance.now();
  for (const [i, rel] of rels.entries()) {
    mkdirSync(dirname(join(to, rel)), { recursive: true });
    writeFileSync(join(to, rel), texts[i]);
  }
  const t2 = performance.now();

  process.stdout.write(
    `${JSON.stringify({
      files: rels.length,
      bytes: texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0),
      differing: rels.filter((_, i) => texts[i] !== originals[i]),
      stringifyMs: t1 - t0,
      writeMs: t2 - t1,
      floorMs: t2 - t0,
    })}\n`,
  );
}

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  process.stderr.write("usage: floor.js SYNTH_DIR OUT_DIR\n");
  process.exit(2);
}
floor(from, to);
