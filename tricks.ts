/**
 * The program's speed tricks, each a switch that only the benchmark turns off
 * (`npm run bench`, "Speed tricks" in docs/benchmarks.md): it runs the same work
 * with `BENCH_TRICKS_OFF=<name>` and without, in rounds, and keeps a trick only
 * if it earns its keep. Nothing else sets the variable; with it unset every trick
 * is on. This is the one place the bundled program reads it; scripts/access.mjs,
 * which starts the access check's node and is not bundled, reads it for
 * `young-generation` alone.
 */

/** Each trick by the name the benchmark switches it off with, and where it is used. */
export const TRICKS = {
  /** config/source.ts: js-yaml reads a plain map, `yaml` only when positions are needed. */
  "yaml-fast-path": "config/source.ts",
  /** stacks/stream.ts (through app.ts): the tokens a stack registered are dropped after it is written. */
  "drop-tokens": "stacks/stream.ts",
  /** access/evaluator.ts: the evaluator's resource-type lookup memoized. */
  "memoize-resource-types": "access/evaluator.ts",
  /** access/evaluator.ts: the evaluator's case-insensitive comparison without ICU collation for ASCII. */
  "fast-case-compare": "access/evaluator.ts",
  /** scripts/access.mjs: the access check's node started with 64 MB semi-spaces. */
  "young-generation": "scripts/access.mjs",
} as const;

export type Trick = keyof typeof TRICKS;

const off = new Set((process.env.BENCH_TRICKS_OFF ?? "").split(",").map((s) => s.trim()));

/** False only when the benchmark switched `trick` off. */
export function trickOn(trick: Trick): boolean {
  return !off.has(trick);
}
