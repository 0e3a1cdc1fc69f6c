/**
 * How the benchmark writes its figures: times, memory, shares, the results table
 * and the text and Markdown tables around them. Pure functions of values, so the
 * report on stdout and the generated block of docs/benchmarks.md read the same on
 * every machine (numbers in en-US form, whatever the locale).
 *
 * scripts/bench/run.ts imports it (run.mjs bundles the two with esbuild and
 * runs the bundle); `npm run typecheck` checks it.
 */
import type { Row } from "./targets";

/** 10000 → "10,000". */
export const n = (x: number): string => x.toLocaleString("en-US");

/** 268 ms, 2.43 s, 123 s; "–" for no figure. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "–";
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 100_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(0)} s`;
}

/** 312 MB, 3.81 GB; "–" for no figure (no /proc on this machine). */
export function fmtKb(kb: number | undefined): string {
  if (kb === undefined) return "–";
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GB` : `${(kb / 1024).toFixed(0)} MB`;
}

/** Peak memory of a command; for several processes, the largest one beside the total. */
export const fmtMem = (r: { readonly peakKb?: number; readonly largestKb?: number }): string =>
  r.largestKb === undefined ? fmtKb(r.peakKb) : `${fmtKb(r.peakKb)} (largest process ${fmtKb(r.largestKb)})`;

/** 0.42 → "42%". */
export const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

type Cell = string | number;

/** Columns padded to their widest cell, two spaces apart, a dashed line under the headers. */
export function textTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly Cell[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A GitHub Markdown table; a `|` in a cell is escaped. */
export function mdTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cell = (c: Cell) => String(c).replace(/\|/g, "\\|");
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

/** What each measure is called in the tables. */
export const LABELS: Readonly<Record<Row["measure"], string>> = {
  load: "load + validate",
  program: "program alone (node dist/main.js)",
  synth: "cdktf synth",
  access: "access check (scripts/access.mjs)",
  "baseline-program": "baseline: program alone (npx ts-node main.ts)",
  "baseline-synth": "baseline: cdktf synth",
  test: "npm test",
  "onboard-cold": "cold synth, one account onboarded (node dist/main.js, empty folder)",
  incremental: "incremental synth, one account onboarded (node dist/main.js, the last synth's folder)",
  "trick-off": "a speed trick's work, the trick off (BENCH_TRICKS_OFF)",
  "trick-on": "a speed trick's work, the trick on",
  "access-onboard-cold": "cold access check, one account onboarded (scripts/access.mjs, ACCESS_COLD=1)",
  "access-incremental": "incremental access check, one account onboarded (scripts/access.mjs, the last check's cache)",
  "affected-cold": "affected, one account onboarded, every stack synthesized (dist/affected.js, AFFECTED_COLD=1)",
  affected: "affected, one account onboarded, the stacks whose keys differ synthesized (dist/affected.js)",
};

/** The baseline's measure a measure of ours is set against. */
const BASELINE_OF: Partial<Record<Row["measure"], Row["measure"]>> = { program: "baseline-program", synth: "baseline-synth" };

/** "0.24 (4.1× faster)": our median over the baseline's at the same size, or "–". */
export function vsBaseline(row: Row, rows: readonly Row[]): string {
  const b = rows.find((r) => r.measure === BASELINE_OF[row.measure] && r.size === row.size);
  if (!b || b.status !== "ok" || row.status !== "ok") return "–";
  return `${(row.wallMs / b.wallMs).toFixed(2)} (${(b.wallMs / row.wallMs).toFixed(1)}× faster)`;
}

export const RESULT_HEADERS = ["measure", "accounts", "runs", "wall (median)", "min – max", "peak memory", "ours / baseline", "result"] as const;

/** One line of the results table per row, in RESULT_HEADERS' order. */
export function resultRows(rows: readonly Row[]): string[][] {
  return rows.map((r) => [
    LABELS[r.measure],
    r.size === undefined ? "–" : n(r.size),
    r.runs ? String(r.runs) : "–",
    r.runs ? fmtMs(r.wallMs) : "–",
    r.runs > 1 ? `${fmtMs(r.minMs)} – ${fmtMs(r.maxMs)}` : "–",
    fmtMem(r),
    vsBaseline(r, rows),
    r.status === "ok" ? (r.measure === "access" ? `ok (exit ${r.exit}: ${r.exit === 0 ? "clean" : "differences"})` : "ok") : `${r.status}${r.note ? `: ${r.note}` : ""}`,
  ]);
}

/** Why a part of the run has no figures: `failed`, `timeout` or `not measured`, with the line that says why. */
export interface NoFigures {
  readonly status: string;
  readonly note?: string;
}

/** What scripts/bench/phases.ts prints, with the wall time of its run. */
export interface PhaseFigures {
  readonly loadMs: number;
  readonly planMs: number;
  readonly buildMs: number;
  readonly synthMs: number;
  readonly heapUsedMb: number;
  readonly wallMs: number;
}

/** What scripts/bench/floor.ts prints, with the program's own time to set it against. */
export interface FloorFigures {
  readonly status: "ok";
  readonly files: number;
  readonly bytes: number;
  readonly differing: readonly string[];
  readonly floorMs: number;
  readonly programMs: number;
}

const why = (x: NoFigures) => `${x.status}${x.note ? `: ${x.note}` : ""}`;

/** The program's phases, each with its share of the wall time; what no clock covers is start-up, modules and exit. */
export function phasesText(ph: PhaseFigures | NoFigures): string {
  if (!("synthMs" in ph)) return why(ph);
  // Outside the clocks: node's start-up, loading the modules, and exit.
  const rest = ph.wallMs - (ph.loadMs + ph.planMs + ph.buildMs + ph.synthMs);
  const part = (label: string, ms: number) => `${label} ${fmtMs(ms)} (${pct(ms / ph.wallMs)})`;
  return `${part("start-up, modules and exit", rest)}, ${part("load", ph.loadMs)}, ${part("plan", ph.planMs)}, ${part("build stacks", ph.buildMs)}, ${part("synthesize stacks", ph.synthMs)} of ${fmtMs(ph.wallMs)}; heap ${ph.heapUsedMb.toFixed(0)} MB after the plan`;
}

/** The floor against the program: the time to write the same JSON without cdktf, and which files' bytes differ. */
export function floorText(f: FloorFigures | NoFigures): string {
  if (!("floorMs" in f)) return why(f);
  const differ = f.differing.length === 0 ? "byte for byte" : `bytes differ in ${f.differing.slice(0, 3).join(", ")}${f.differing.length > 3 ? ` and ${n(f.differing.length - 3)} more` : ""}`;
  return `${fmtMs(f.floorMs)} to serialize and write ${n(f.files)} files (${(f.bytes / 1024 / 1024).toFixed(1)} MB, the same JSON as the program's; ${differ}); the program took ${fmtMs(f.programMs)}`;
}

/** One speed trick as the benchmark measured it: the work, its size, the machine's load around it, and the verdict. */
export interface TrickFigures {
  readonly trick: string;
  readonly where: string;
  readonly work: string;
  readonly size: number;
  /** The 1-minute load average before the first round and after the last. */
  readonly load: readonly [number, number];
  readonly verdict: string;
  readonly measured: string;
}

export const TRICK_HEADERS = ["trick", "where", "work", "accounts", "load average", "measured", "verdict"] as const;

/** One line of the speed tricks' table per trick, in TRICK_HEADERS' order. */
export function trickTableRows(tricks: readonly TrickFigures[]): string[][] {
  return tricks.map((t) => [t.trick, t.where, t.work, n(t.size), `${t.load[0].toFixed(2)} → ${t.load[1].toFixed(2)}`, t.measured, t.verdict]);
}
