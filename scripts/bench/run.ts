// `npm run bench`: how the program scales from 3 to 10,000 accounts, against the
// same program run the way the default cdktf template runs it.
//
//   npm run bench                   3, 100, 1,000 and 10,000 accounts, and the speed tricks; rewrites the results in docs/benchmarks.md
//   npm run bench -- --quick        3 and 100 accounts, one run each, no npm test; report in .cache/bench/
//   npm run bench -- --sizes 3,1000 [--reps N] [--rounds N] [--seed N] [--timeout SECONDS] [--doc FILE]
//                    [--no-baseline] [--no-synth] [--no-incremental] [--no-access] [--no-profile] [--no-test] [--no-tricks]
//   npm run bench -- --tricks-only [--rounds N]   only the speed tricks, each off and on (tricks.ts)
//   node scripts/bench/run.mjs generate --accounts N [--seed S] [--out FILE]    just write a map
//
// Only a full run (no --quick, no --sizes) writes docs/benchmarks.md unless --doc
// says otherwise; anything else writes .cache/bench/benchmarks-partial.md. Maps,
// outputs, profiles and the raw results (results.json) go under .cache/bench/.
// docs/benchmarks.md says what each measure is.
//
// This file measures (runs commands in rounds, times them, samples their memory);
// what it measured is judged and written by pure functions, tested in test/bench/:
// targets.ts (the rows' medians, the ratios taken in rounds, each target's and
// each speed trick's verdict) and format.ts (figures and tables). scripts/bench/run.mjs
// bundles it with esbuild into .cache/bench/dist and runs the bundle.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs as parseArgv } from "node:util";
import { TRICKS, type Trick } from "../../tricks";
import { prepareBaseline } from "./baseline";
import { floorText, fmtMem, fmtMs, mdTable, n, pct, phasesText, RESULT_HEADERS, resultRows, textTable, TRICK_HEADERS, trickTableRows, type FloorFigures, type NoFigures, type PhaseFigures, type TrickFigures } from "./format";
import { generateMap, onboardOne, type MapSummary } from "./generate";
import { summarizeProfile, type ProfileSummary } from "./profile";
import { evaluateTargets, judgeTrick, summarize, type MeasuredRow, type Row, type RowKey, type Run, type Target } from "./targets";

/** The project's root: the first folder up from this file (or its bundle in .cache/bench/dist) with a package.json. */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const ROOT = projectRoot(__dirname);
const CACHE = join(ROOT, ".cache/bench");
const DIST = join(CACHE, "dist");
const PROGRAM = join(ROOT, "dist/main.js");
const CDKTF = join(ROOT, "node_modules/.bin/cdktf");
const ACCESS = join(ROOT, "scripts/access.mjs");
const AFFECTED = join(ROOT, "dist/affected.js");

const FULL_SIZES = [3, 100, 1000, 10000];
const QUICK_SIZES = [3, 100];
const BASELINE_SIZES = [3, 1000];
const PROFILE_SIZES = [1000, 10000];
/** From this size on, every measure runs once; below it, slow measures (access, baseline program) run once from 1,000. */
const ONE_RUN_FROM = 10000;
/** Rounds of the cold access check from 1,000 accounts, at most (`--rounds` if fewer): a round at 10,000 takes about five minutes. */
const accessRounds = (opts: Opts): number => Math.min(3, opts.rounds);
const SAMPLE_MS = 50;

const progress = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

// ---------------------------------------------------------------- arguments

const USAGE = `usage: npm run bench [-- --quick | --sizes 3,1000] [--reps N] [--rounds N] [--seed N] [--timeout SECONDS] [--doc FILE]
                 [--no-baseline] [--no-synth] [--no-incremental] [--no-access] [--no-profile] [--no-test] [--no-tricks]
       npm run bench -- --tricks-only [--rounds N] [--seed N] [--timeout SECONDS] [--doc FILE]
       node scripts/bench/run.mjs generate --accounts N [--seed S] [--out FILE]

How the program scales from 3 to 10,000 accounts, against the same program run the
way the default cdktf template runs it (docs/benchmarks.md says what each measure is).

  (no options)       3, 100, 1,000 and 10,000 accounts; rewrites docs/benchmarks.md
  --quick            3 and 100 accounts, one run each, no npm test
  --sizes A,B,...    these sizes (integers of at least 3)
  --reps N           runs per measure (default 3, 1 with --quick)
  --rounds N         rounds of each paired ratio (default 5, 1 with --quick)
  --seed N           the generated maps' seed (default 42)
  --timeout SECONDS  per command (default 900)
  --doc FILE         where the report goes (default: docs/benchmarks.md for a full run,
                     .cache/bench/benchmarks-partial.md otherwise)
  --no-baseline, --no-synth, --no-incremental, --no-access, --no-profile, --no-test   skip that part
  --no-tricks        a full run without the speed tricks (each off and on, at its own size: tricks.ts)
  --tricks-only      only the speed tricks (a partial run has none)
  -h, --help         this text
`;
const SYNOPSIS = "npm run bench [-- --quick | --sizes 3,1000] [options]; --help for all";

/** A bad command line: one line on stderr, exit 2 (see main's catch). */
class UsageError extends Error {}

type Options = Record<string, { type: "boolean" | "string" }>;
type Values = Record<string, string | boolean | undefined>;

/** node:util parseArgs, strict; --help prints `usage` and exits 0; parseArgs' paragraphs become one line. */
function parseStrict(argv: readonly string[], options: Options, usage: string): Values {
  let values: Values;
  try {
    values = parseArgv({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: false, strict: true }).values;
  } catch (e) {
    if (argv.includes("--help") || argv.includes("-h")) values = { help: true };
    else {
      const err = e as Error & { code?: string };
      const quoted = /'([^']*)'/.exec(err.message)?.[1];
      if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${quoted}`);
      if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && quoted) throw new UsageError(`${quoted.replace(/ <value>$/, "")} needs a value`);
      if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`unexpected argument ${quoted}`);
      throw new UsageError(err.message.split("\n")[0]);
    }
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}

/** A string option's value (parseArgs gives strings to `type: "string"` options). */
const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);

/** An option's value as an integer of at least `min`, or a UsageError naming it. */
function integer(option: string, value: string, min: number): number {
  const v = value.replace(/_/g, "");
  if (!/^-?[0-9]+$/.test(v) || Number(v) < min) throw new UsageError(`${option} must be an integer of at least ${min}, not ${JSON.stringify(value)}`);
  return Number(v);
}

/** The benchmark's options, as the command line sets them. */
interface Opts {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly rounds: number;
  readonly seed: number;
  /** Per command, in seconds. */
  readonly timeout: number;
  readonly doc: string;
  readonly baseline: boolean;
  readonly synth: boolean;
  readonly incremental: boolean;
  readonly access: boolean;
  readonly profile: boolean;
  readonly test: boolean;
  readonly tricks: boolean;
  /** Only the speed tricks: no other measure. */
  readonly tricksOnly: boolean;
  /** "full run", "quick run (--quick)", "partial run (--sizes ...)", "speed tricks only (--tricks-only)". */
  readonly kind: string;
}

function parseArgs(argv: readonly string[]): Opts {
  const flag = { type: "boolean" } as const;
  const text = { type: "string" } as const;
  const v = parseStrict(
    argv,
    {
      quick: flag, sizes: text, reps: text, rounds: text, seed: text, timeout: text, doc: text,
      "no-baseline": flag, "no-synth": flag, "no-incremental": flag, "no-access": flag, "no-profile": flag, "no-test": flag, "no-tricks": flag, "tricks-only": flag,
    },
    USAGE,
  );
  const quick = Boolean(v.quick);
  const tricksOnly = Boolean(v["tricks-only"]);
  if (tricksOnly && (quick || v.sizes !== undefined || v["no-tricks"])) throw new UsageError("--tricks-only goes with none of --quick, --sizes, --no-tricks");
  const sizesText = str(v.sizes);
  const sizes = sizesText === undefined ? undefined : sizesText.split(",").map((s) => integer("--sizes", s, 3));
  const int = (name: string, min: number) => {
    const value = str(v[name]);
    return value === undefined ? undefined : integer(`--${name}`, value, min);
  };
  const docText = str(v.doc);
  const full = !quick && sizes === undefined && !tricksOnly;
  return {
    quick,
    sizes: tricksOnly ? [] : (sizes ?? (quick ? QUICK_SIZES : FULL_SIZES)),
    reps: int("reps", 1) ?? (quick ? 1 : 3),
    // Measures judged as a ratio of two commands run in rounds (see `rounds`).
    rounds: int("rounds", 1) ?? (quick ? 1 : 5),
    seed: int("seed", 0) ?? 42,
    timeout: int("timeout", 1) ?? 900,
    doc: docText !== undefined ? resolve(docText) : full ? join(ROOT, "docs/benchmarks.md") : join(CACHE, "benchmarks-partial.md"),
    baseline: !v["no-baseline"] && !tricksOnly,
    synth: !v["no-synth"] && !tricksOnly,
    incremental: !v["no-incremental"] && !tricksOnly,
    access: !v["no-access"] && !tricksOnly,
    profile: !v["no-profile"] && !tricksOnly,
    test: !v["no-test"] && !quick && !tricksOnly,
    // The tricks take minutes (the load at 10,000 accounts among them): in a full run, or alone.
    tricks: tricksOnly || (full && !v["no-tricks"]),
    tricksOnly,
    kind: full ? "full run" : tricksOnly ? "speed tricks only (--tricks-only)" : quick ? "quick run (--quick)" : `partial run (--sizes ${(sizes ?? []).join(",")})`,
  };
}

// ---------------------------------------------------------------- building and maps

// scripts/bench/run.mjs has built dist/main.js as `npm run build` does, and bundled
// this file and the benchmark's child entries (load-map, phases, floor) into DIST.

/** A generated map written to its file, with its summary. */
interface MapFile {
  readonly file: string;
  readonly summary: MapSummary;
  readonly bytes: number;
}

function generateMaps(sizes: readonly number[], seed: number): Map<number, MapFile> {
  const maps = new Map<number, MapFile>();
  for (const size of sizes) {
    const { text, summary } = generateMap({ accounts: size, seed });
    const file = join(CACHE, "maps", `accounts-${size}-seed-${seed}.yaml`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    maps.set(size, { file, summary, bytes: Buffer.byteLength(text) });
  }
  return maps;
}

// ---------------------------------------------------------------- measuring one command

// Peak memory comes from /proc, sampled every SAMPLE_MS: the highest sum of VmRSS
// over the child and all its descendants (cdktf synth is the CLI, terraform,
// a shell and the app), never less than the largest VmHWM (a process's own
// high-water mark) seen; for a command of several processes, that largest
// one is kept too. GNU time, often missing on a fresh machine, would give only the
// largest process; node has no getrusage(RUSAGE_CHILDREN). Linux only.
const HAVE_PROC = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

function processTree(pid: number): { rssKb: number; hwmKb: number }[] {
  const out: { rssKb: number; hwmKb: number }[] = [];
  const stack = [pid];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      out.push({ rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), hwmKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) });
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return out;
}

let current: ChildProcess | undefined; // the running child: its process group is killed if the benchmark is interrupted
const killGroup = (child: ChildProcess): void => {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
};
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (current) killGroup(current);
    process.exit(130);
  });
}

/** A command to run: what, where, with which environment on top of ours. */
interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** A command as a measure runs it: `before` each run (it also cleans up after), and the exits that count as completed. */
interface Spec extends Command {
  readonly before?: () => void;
  readonly okExits?: readonly (number | string | null)[];
}

/** What one run of a command gave. */
interface Measured {
  readonly exit: number | string | null;
  readonly timedOut: boolean;
  readonly wallMs: number;
  readonly peakKb?: number;
  readonly largestKb?: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command as a child (its own process group) and returns its exit, wall time and peak memory. */
async function measure({ cmd, args, cwd = ROOT, env = {}, timeoutMs }: Command & { readonly timeoutMs: number }): Promise<Measured> {
  const keep = (buf: string, chunk: string) => (buf.length + chunk.length > 1_000_000 ? (buf + chunk).slice(-1_000_000) : buf + chunk);
  let stdout = "";
  let stderr = "";
  let sumKb = 0;
  let largestKb = 0;
  let processes = 0;
  let timedOut = false;
  const start = performance.now();
  const child = spawn(cmd, [...args], { cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  current = child;
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout = keep(stdout, c)));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = keep(stderr, c)));
  const sampler = HAVE_PROC
    ? setInterval(() => {
        if (child.pid === undefined) return;
        const tree = processTree(child.pid);
        sumKb = Math.max(sumKb, tree.reduce((sum, p) => sum + p.rssKb, 0));
        largestKb = Math.max(largestKb, ...tree.map((p) => p.hwmKb));
        processes = Math.max(processes, tree.length);
      }, SAMPLE_MS)
    : undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  const exit = await new Promise<number | string | null>((res) => {
    child.on("error", (e) => res(`spawn error: ${e.message}`));
    child.on("close", (code, signal) => res(code ?? signal));
  });
  const wallMs = performance.now() - start;
  clearTimeout(timer);
  clearInterval(sampler);
  current = undefined;
  // For a single process, its high-water mark as of the last sample beats the sampled RSS.
  const memory = largestKb > 0 ? { peakKb: Math.max(sumKb, largestKb), largestKb: processes > 1 ? largestKb : undefined } : {};
  return { exit, timedOut, wallMs, ...memory, stdout, stderr };
}

const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "\n");
const clip = (s: string, max = 200): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A run's verdict: ok, or failed / timeout with the line of output that says why. */
type Outcome = Pick<Run, "status" | "note">;

/** ok, or failed / timeout with the line of output that says why. `okExits` lists the exits that count as completed. */
function outcome(r: Measured, okExits: readonly (number | string | null)[], timeoutMs: number): Outcome {
  if (r.timedOut) return { status: "timeout", note: `killed after ${n(timeoutMs / 1000)} s` };
  if (okExits.includes(r.exit)) return { status: "ok" };
  const lines = stripAnsi(`${r.stderr}\n${r.stdout}`).split("\n").map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /error|exceeded|problems? in|killed|cannot|not found/i.test(l)) ?? lines[lines.length - 1] ?? "";
  return { status: "failed", note: `exit ${r.exit}: ${clip(why.replaceAll(`${ROOT}/`, ""))}` };
}

/** Runs a command `reps` times (stopping at the first failure): median wall time, min and max, the highest peak memory. */
async function series(row: RowKey, spec: Spec, reps: number, opts: Opts): Promise<MeasuredRow> {
  return (await rounds([{ row, spec }], reps, opts))[0];
}

/**
 * Runs several commands in rounds, one run of each per round (a command stops at
 * its first failure), and sums each up as `series` does. On a shared machine the
 * speed drifts over minutes (successive runs of one command have differed by a
 * third); in rounds the drift reaches every command alike, so a ratio between two
 * of them is fair.
 */
async function rounds(items: readonly { readonly row: RowKey; readonly spec: Spec }[], reps: number, opts: Opts): Promise<MeasuredRow[]> {
  const runs: Run[][] = items.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (const [k, { row, spec }] of items.entries()) {
      const last = runs[k].at(-1);
      if (last && last.status !== "ok") continue;
      runs[k].push(await runOnce(row, spec, i, reps, opts));
    }
  }
  return items.map(({ row }, k) => summarize(row, runs[k]));
}

async function runOnce(row: RowKey, spec: Spec, i: number, reps: number, opts: Opts): Promise<Run> {
  spec.before?.();
  progress(`  ${row.measure}${row.size === undefined ? "" : ` @ ${n(row.size)}`}${reps > 1 ? `, run ${i + 1}/${reps}` : ""} ...`);
  const r = await measure({ ...spec, timeoutMs: opts.timeout * 1000 });
  const o = outcome(r, spec.okExits ?? [0], opts.timeout * 1000);
  progress(`    ${o.status} (exit ${r.exit}) in ${fmtMs(r.wallMs)}, peak ${fmtMem(r)}${o.note ? `: ${o.note}` : ""}`);
  return { ...o, exit: r.exit, wallMs: r.wallMs, peakKb: r.peakKb, largestKb: r.largestKb, stdout: r.stdout };
}

// ---------------------------------------------------------------- the incremental synth

/** Every file under `dir` by its path relative to it: the first path whose content differs between two folders, or undefined. */
function firstDifference(a: string, b: string): string | undefined {
  const files = (root: string) => {
    const out = new Map<string, string>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out.set(relative(root, p), p);
      }
    };
    walk(root);
    return out;
  };
  const fa = files(a);
  const fb = files(b);
  for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const pa = fa.get(path);
    const pb = fb.get(path);
    if (pa === undefined || pb === undefined || !readFileSync(pa).equals(readFileSync(pb))) return path;
  }
  return undefined;
}

/**
 * One account onboarded into the size's map (generate.ts, onboardOne): the
 * program on the new map cold, into an empty folder, and incrementally, into a
 * copy of the folder the program left for the map without it (`baseOut`), in
 * rounds (their share is judged by targets.ts, incrementalShare). The two folders
 * must then be the same, every file: else the incremental row fails.
 */
async function incrementalRows(size: number, map: MapFile, baseOut: string, rows: readonly Row[], opts: Opts): Promise<Row[]> {
  const key = <M extends RowKey["measure"]>(measure: M) => ({ measure, size });
  if (rows.find((r) => r.measure === "program" && r.size === size)?.status !== "ok" || !existsSync(baseOut)) {
    const note = "the program wrote no output for the map to onboard into";
    return (["onboard-cold", "incremental"] as const).map((m) => ({ ...key(m), status: "skipped", note, runs: 0 }));
  }
  const file = map.file.replace(/\.yaml$/, "-onboarded.yaml");
  writeFileSync(file, onboardOne(readFileSync(map.file, "utf8")).text);
  const coldOut = join(CACHE, "out", `onboard-cold-${size}`);
  const incOut = join(CACHE, "out", `incremental-${size}`);
  const program = (outdir: string, before: () => void): Spec => ({ cmd: process.execPath, args: [PROGRAM], env: { ACCOUNT_MAP: file, CDKTF_OUTDIR: outdir }, before });
  const cold = program(coldOut, () => rmSync(coldOut, { recursive: true, force: true }));
  const incremental = program(incOut, () => {
    rmSync(incOut, { recursive: true, force: true });
    cpSync(baseOut, incOut, { recursive: true });
  });
  progress(`== one account onboarded @ ${n(size)}: cold and incremental synth, in rounds`);
  // Each round copies the 10,000-account folder: three rounds there at most.
  const rounds_ = size >= ONE_RUN_FROM ? Math.min(3, opts.rounds) : opts.rounds;
  const [c, i] = await rounds([{ row: key("onboard-cold"), spec: cold }, { row: key("incremental"), spec: incremental }], rounds_, opts);
  let inc: Row = i;
  if (c.status === "ok" && i.status === "ok") {
    const differs = firstDifference(incOut, coldOut);
    if (differs !== undefined) inc = { ...i, status: "failed", note: `its folder differs from the cold synth's: ${differs}` };
    progress(`    the incremental folder ${differs === undefined ? "is the cold one, every file" : `differs from the cold one: ${differs}`}`);
  }
  fresh(coldOut)();
  rmSync(incOut, { recursive: true, force: true });
  return [c, inc];
}

// ---------------------------------------------------------------- affected

/**
 * One account onboarded (onboardOne, as for the incremental synth) into the
 * size's map committed in a scratch git repository: `affected HEAD --report FILE`,
 * every stack of both maps synthesized (AFFECTED_COLD=1) and only the stacks
 * whose keys differ, in rounds (judged by targets.ts, incrementalShare). The two
 * text reports (every stack, every reason) must be the same: else the keyed row fails.
 */
async function affectedRows(size: number, map: MapFile, opts: Opts): Promise<Row[]> {
  const key = <M extends RowKey["measure"]>(measure: M) => ({ measure, size });
  const repo = join(CACHE, "out", `affected-${size}`);
  fresh(repo)();
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: repo, stdio: "ignore" }).status === 0;
  cpSync(map.file, join(repo, "accounts.yaml"));
  if (!(git("init", "-q") && git("add", "accounts.yaml") && git("commit", "-q", "-m", "map"))) {
    fresh(repo)();
    return (["affected-cold", "affected"] as const).map((m) => ({ ...key(m), status: "skipped", note: "git could not commit the map", runs: 0 }));
  }
  writeFileSync(join(repo, "accounts.yaml"), onboardOne(readFileSync(map.file, "utf8")).text);
  // Each run appends its text report to a file of its own (--report), emptied before the run: the two are compared whole.
  const reports = { cold: join(repo, "report-cold.md"), keyed: join(repo, "report-keyed.md") };
  const run = (report: string, env: Record<string, string>): Spec => ({
    cmd: process.execPath,
    args: [AFFECTED, "HEAD", "--map", "accounts.yaml", "--report", report],
    cwd: repo,
    env: { ACCOUNT_MAP: "", ...env },
    before: () => rmSync(report, { force: true }),
  });
  progress(`== one account onboarded @ ${n(size)}: affected, every stack synthesized and only those whose keys differ, in rounds`);
  // Every stack of both maps is two syntheses of the map: one round from 1,000 accounts.
  const [c, i] = await rounds([{ row: key("affected-cold"), spec: run(reports.cold, { AFFECTED_COLD: "1" }) }, { row: key("affected"), spec: run(reports.keyed, { AFFECTED_COLD: "" }) }], size >= 1000 ? 1 : opts.rounds, opts);
  let keyed: Row = i;
  if (c.status === "ok" && i.status === "ok") {
    const same = readFileSync(reports.cold, "utf8") === readFileSync(reports.keyed, "utf8");
    if (!same) keyed = { ...i, status: "failed", note: "its report differs from the cold one's" };
    progress(`    the keyed report ${same ? "is the cold one" : "differs from the cold one"}: ${i.stdout?.split("\n")[0] ?? ""}`);
  }
  fresh(repo)();
  return [c, keyed];
}

// ---------------------------------------------------------------- the incremental access check

/**
 * One account onboarded (onboardOne, as for the incremental synth): the access
 * check of the new map's stacks cold (ACCESS_COLD=1) and incrementally, from the
 * cache the access row's check of the map without the account left in `baseOut`
 * (restored before each run, untimed), in rounds (judged by targets.ts,
 * incrementalShare). Both read one folder, synthesized once (untimed) from a copy
 * of `baseOut`, and write their reports into folders of their own, which must
 * then be the same, every file: else the incremental row fails.
 */
async function accessIncrementalRows(size: number, map: MapFile, baseOut: string, rows: readonly Row[], opts: Opts): Promise<Row[]> {
  const key = <M extends RowKey["measure"]>(measure: M) => ({ measure, size });
  const skipped = (note: string): Row[] => (["access-onboard-cold", "access-incremental"] as const).map((m) => ({ ...key(m), status: "skipped", note, runs: 0 }));
  const baseCache = join(baseOut, "access-cache.json");
  if (rows.find((r) => r.measure === "access" && r.size === size)?.status !== "ok" || !existsSync(baseCache)) return skipped("the access check left no cache for the map to onboard into");
  const file = map.file.replace(/\.yaml$/, "-onboarded.yaml");
  writeFileSync(file, onboardOne(readFileSync(map.file, "utf8")).text);
  const out = join(CACHE, "out", `access-onboard-${size}`);
  rmSync(out, { recursive: true, force: true });
  cpSync(baseOut, out, { recursive: true });
  const synth = spawnSync(process.execPath, [PROGRAM], { cwd: ROOT, env: { ...process.env, ACCOUNT_MAP: file, CDKTF_OUTDIR: out }, stdio: "ignore" });
  if (synth.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    return skipped(`the program failed on the onboarded map (exit ${synth.status})`);
  }
  const reports = { cold: join(out, "report-cold"), incremental: join(out, "report-incremental") };
  const check = (writeTo: string, env: Record<string, string>, before?: () => void): Spec => ({
    cmd: process.execPath,
    args: [ACCESS, "--out", out, "--write-to", writeTo],
    env: { ACCOUNT_MAP: file, ...env },
    okExits: [0, 1],
    ...(before ? { before } : {}),
  });
  const cold = check(reports.cold, { ACCESS_COLD: "1" });
  const incremental = check(reports.incremental, {}, () => cpSync(baseCache, join(out, "access-cache.json")));
  progress(`== one account onboarded @ ${n(size)}: cold and incremental access check, in rounds`);
  // A cold check takes minutes from 1,000 accounts: one round there.
  const [c, i] = await rounds([{ row: key("access-onboard-cold"), spec: cold }, { row: key("access-incremental"), spec: incremental }], size >= 1000 ? 1 : opts.rounds, opts);
  let inc: Row = i;
  if (c.status === "ok" && i.status === "ok") {
    const differs = firstDifference(reports.incremental, reports.cold);
    if (differs !== undefined) inc = { ...i, status: "failed", note: `its report differs from the cold check's: ${differs}` };
    progress(`    the incremental report ${differs === undefined ? "is the cold one, every file" : `differs from the cold one: ${differs}`}`);
  }
  rmSync(out, { recursive: true, force: true });
  return [c, inc];
}

// ---------------------------------------------------------------- environment

/** The machine and the sources a run measured. */
interface Environment {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalmem: number;
  readonly loadavg: readonly number[];
  readonly platform: string;
  readonly node: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly commit: string;
  readonly uncommitted: readonly string[];
}

function environment(): Environment {
  const capture = (cmd: string, args: readonly string[]) => {
    const r = spawnSync(cmd, [...args], { cwd: ROOT, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trimEnd() : undefined;
  };
  const version = (pkg: string): string => {
    try {
      return String((JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version?: unknown }).version);
    } catch {
      return "not installed";
    }
  };
  const dirty = capture("git", ["status", "--porcelain", "--", "main.ts", "app.ts", "config", "policies", "stacks", "access", "scripts", "package.json"]);
  return {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    totalmem: os.totalmem(),
    loadavg: os.loadavg(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    packages: Object.fromEntries(["cdktf", "cdktf-cli", "@cdktf/provider-aws", "ts-node", "typescript", "esbuild"].map((p) => [p, version(p)])),
    commit: capture("git", ["rev-parse", "--short", "HEAD"]) ?? "unknown",
    uncommitted: dirty ? dirty.split("\n").map((l) => l.slice(3)) : [],
  };
}

/** A folder of the run's outputs, by what wrote it and the map's size. */
const out = (what: string, size: number): string => join(CACHE, "out", `${what}-${size}`);
/** A function that removes `dir`: a measure's `before`, and its clean-up. */
const fresh = (dir: string) => (): void => rmSync(dir, { recursive: true, force: true });

/** What the profile part found at one size. */
interface Profiled {
  readonly size: number;
  phases?: PhaseFigures | NoFigures;
  profile?: Outcome & { readonly wallMs: number; readonly file?: string; summary?: ProfileSummary };
  floor?: (Omit<FloorFigures, "status"> & { readonly status: "ok"; readonly wallMs: number; readonly peakKb?: number }) | NoFigures;
}

/** What the report is written from (and results.json holds). */
interface Results {
  readonly env: Environment & { readonly loadavgEnd: readonly number[] };
  readonly opts: Opts;
  readonly totalMs: number;
  readonly maps: readonly ({ readonly size: number; readonly file: string; readonly bytes: number } & MapSummary)[];
  readonly rows: readonly Row[];
  readonly targets: readonly Target[];
  readonly profiles: readonly Profiled[];
  readonly tricks: readonly TrickFigures[];
}

// ---------------------------------------------------------------- the speed tricks

/**
 * Each speed trick (tricks.ts) and the work it speeds up, at a modest size: the
 * same command run with `BENCH_TRICKS_OFF=<trick>` and without, in rounds, and
 * judged by targets.ts (judgeTrick). `prepare` makes what the work reads (the
 * access check reads the program's output) and returns the command.
 */
interface TrickMeasure {
  readonly trick: Trick;
  readonly work: string;
  readonly size: number;
  readonly prepare: (map: MapFile, opts: Opts) => Promise<Spec>;
}

/** The program's output for the access check to read: one run, kept in out("trick-program", size). */
async function programOutput(map: MapFile, size: number, opts: Opts): Promise<string> {
  const dir = out("trick-program", size);
  fresh(dir)();
  const r = await measure({ cmd: process.execPath, args: [PROGRAM], env: { ACCOUNT_MAP: map.file, CDKTF_OUTDIR: dir }, timeoutMs: opts.timeout * 1000 });
  const o = outcome(r, [0], opts.timeout * 1000);
  if (o.status !== "ok") throw new Error(`the program at ${n(size)} accounts, for the access check's tricks: ${o.status}${o.note ? `: ${o.note}` : ""}`);
  return dir;
}

const accessCheck = (size: number) => async (map: MapFile, opts: Opts): Promise<Spec> => {
  const dir = await programOutput(map, size, opts);
  // Cold: otherwise every run after the first would take each target's result from the last one (access/access-cache.ts).
  return { cmd: process.execPath, args: [ACCESS, "--out", dir], env: { ACCOUNT_MAP: map.file, ACCESS_COLD: "1" }, okExits: [0, 1] };
};

const TRICK_MEASURES: readonly TrickMeasure[] = [
  {
    trick: "yaml-fast-path",
    work: "load + validate (load-map.js)",
    size: 10000,
    prepare: async (map) => ({ cmd: process.execPath, args: [join(DIST, "load-map.js"), map.file] }),
  },
  {
    trick: "drop-tokens",
    work: "program alone (node dist/main.js, empty folder)",
    size: 1000,
    prepare: async (map) => {
      const dir = out("trick-tokens", 1000);
      return { cmd: process.execPath, args: [PROGRAM], env: { ACCOUNT_MAP: map.file, CDKTF_OUTDIR: dir }, before: fresh(dir) };
    },
  },
  { trick: "memoize-resource-types", work: "access check (scripts/access.mjs)", size: 100, prepare: accessCheck(100) },
  { trick: "fast-case-compare", work: "access check (scripts/access.mjs)", size: 100, prepare: accessCheck(100) },
  { trick: "young-generation", work: "access check (scripts/access.mjs)", size: 1000, prepare: accessCheck(1000) },
];

/** Each trick's work with the trick off and on, one of each per round, and the verdict. */
async function trickRows(maps: Map<number, MapFile>, opts: Opts): Promise<TrickFigures[]> {
  const missing = [...new Set(TRICK_MEASURES.map((t) => t.size))].filter((s) => !maps.has(s));
  // Maps of sizes the run has no other measure at: generated, but not listed in the report's maps.
  const extra = generateMaps(missing, opts.seed);
  const mapOf = (size: number): MapFile => {
    const m = maps.get(size) ?? extra.get(size);
    if (!m) throw new Error(`no map of ${size} accounts`);
    return m;
  };
  const figures: TrickFigures[] = [];
  for (const t of TRICK_MEASURES) {
    progress(`== speed trick ${t.trick} (${TRICKS[t.trick]}): ${t.work} @ ${n(t.size)}, off and on in rounds`);
    const spec = await t.prepare(mapOf(t.size), opts);
    const offSpec: Spec = { ...spec, env: { ...spec.env, BENCH_TRICKS_OFF: t.trick } };
    const loadStart = os.loadavg()[0];
    const [off, on] = await rounds(
      [
        { row: { measure: "trick-off", size: t.size }, spec: offSpec },
        { row: { measure: "trick-on", size: t.size }, spec },
      ],
      opts.rounds,
      opts,
    );
    spec.before?.();
    const j = judgeTrick(off, on);
    progress(`    ${j.verdict}: ${j.measured}`);
    figures.push({ trick: t.trick, where: TRICKS[t.trick], work: t.work, size: t.size, load: [loadStart, os.loadavg()[0]], verdict: j.verdict, measured: j.measured });
  }
  for (const size of new Set(TRICK_MEASURES.map((t) => t.size))) fresh(out("trick-program", size))();
  return figures;
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "generate") return generateCommand(argv.slice(1));
  const opts = parseArgs(argv);
  const started = performance.now();
  mkdirSync(CACHE, { recursive: true });
  const env = environment();
  progress(`bench: ${opts.kind}; sizes ${opts.sizes.map(n).join(", ") || "none"}; ${env.cpus} cores; load average ${env.loadavg.map((x) => x.toFixed(2)).join(" ")}`);
  if (!HAVE_PROC) progress("bench: no /proc/<pid>/task/<tid>/children here, so no peak memory figures");

  const maps = generateMaps(opts.sizes, opts.seed);
  const mapOf = (size: number): MapFile => {
    const m = maps.get(size);
    if (!m) throw new Error(`no map of ${size} accounts`);
    return m;
  };
  const rows: Row[] = [];
  const timeout = opts.timeout * 1000;
  // One run where a run takes minutes (the program alone gets every run, below).
  const reps = (size: number, slow = false) => (size >= ONE_RUN_FROM || (slow && size >= 1000) ? 1 : opts.reps);
  // `cdktf synth` of a size's map into out(what, size), in `cwd` (ours, or the baseline's
  // copy). Its `before` removes that folder: called once more after the runs, to clean up.
  const synthSpec = (what: string, size: number, cwd = ROOT) => {
    const dir = out(what, size);
    return { cmd: CDKTF, args: ["synth", "--output", dir], cwd, env: { ACCOUNT_MAP: mapOf(size).file }, before: fresh(dir) };
  };

  // The program alone, at every size in rounds (see `rounds`): its target is a
  // ratio of its times at 10,000 and 1,000 accounts, taken round by round
  // (`pairedGrowth`). Each size's last run leaves its output for the access check below.
  const programOut = (size: number) => out("program", size);
  if (opts.sizes.length > 0) progress(`== program alone at ${opts.sizes.map(n).join(", ")} accounts, in rounds`);
  const programRows = await rounds(
    opts.sizes.map((size) => ({
      row: { measure: "program", size },
      spec: { cmd: process.execPath, args: [PROGRAM], env: { ACCOUNT_MAP: mapOf(size).file, CDKTF_OUTDIR: programOut(size) }, before: fresh(programOut(size)) },
    })),
    opts.rounds,
    opts,
  );
  const programRow = (size: number): MeasuredRow => {
    const r = programRows.find((p) => p.size === size);
    if (!r) throw new Error(`no program row at ${size}`);
    return r;
  };

  // The cold access check from 1,000 accounts, at every such size in rounds: its target at
  // 10,000 is a ratio of its times at 10,000 and 1,000, taken round by round (`pairedGrowth`).
  // Runs of one build a few minutes apart have differed by a third on the 2-core machine;
  // in rounds that drift reaches both sizes alike (`accessRounds`). Below 1,000 the check
  // runs in the size's loop.
  // Each size's last run leaves its cache in the program's folder for the incremental check.
  const accessSpec = (size: number): Spec => ({
    // Exit 0: the output grants exactly what the map says; 1: it found differences. Both are a verdict.
    // Cold every run (the check leaves its cache in the folder): the cache it writes is the incremental check's start.
    cmd: process.execPath, args: [ACCESS, "--out", programOut(size)], env: { ACCOUNT_MAP: mapOf(size).file, ACCESS_COLD: "1" }, okExits: [0, 1],
  });
  // Why the access check does not run at a size, as the row that says so (none with --no-access); undefined when it runs.
  const accessNotRun = (size: number): { row?: Row } | undefined => {
    if (!opts.access) return {};
    if (!existsSync(ACCESS)) return { row: { measure: "access", size, status: "not yet available", note: "scripts/access.mjs does not exist yet", runs: 0 } };
    if (programRow(size).status !== "ok") return { row: { measure: "access", size, status: "skipped", note: "the program wrote no output to check", runs: 0 } };
    return undefined;
  };
  const accessInRounds = opts.sizes.filter((size) => size >= 1000 && !accessNotRun(size));
  if (accessInRounds.length > 0) progress(`== cold access check at ${accessInRounds.map(n).join(", ")} accounts, in rounds`);
  const accessRows = await rounds(accessInRounds.map((size) => ({ row: { measure: "access", size }, spec: accessSpec(size) })), accessRounds(opts), opts);

  // The baseline: the same program as the default cdktf template runs it.
  const baselineSizes = opts.baseline ? BASELINE_SIZES.filter((s) => opts.sizes.includes(s)) : [];
  const base = baselineSizes.length > 0 ? prepareBaseline(ROOT, join(CACHE, "baseline")) : undefined;
  if (base) progress(`== baseline: ${base.imports} provider imports in ${base.files} files rewritten to the namespace import; app \`npx ts-node main.ts\``);

  for (const size of opts.sizes) {
    const map = mapOf(size);
    progress(`== ${n(size)} accounts (${(map.bytes / 1024 / 1024).toFixed(2)} MB map)`);
    // Loading takes seconds even at 10,000 accounts: every run, at every size.
    rows.push(await series({ measure: "load", size }, { cmd: process.execPath, args: [join(DIST, "load-map.js"), map.file] }, opts.reps, opts));
    rows.push(programRow(size));

    if (opts.synth) {
      // cdktf.json's app: build dist/main.js, then run it.
      const spec = synthSpec("synth", size);
      if (base && baselineSizes.includes(size)) {
        // Against the baseline in rounds: its target is the ratio of the two (`pairedRatio`).
        const baseSpec = synthSpec("baseline-synth", size, base.dir);
        rows.push(...(await rounds([{ row: { measure: "synth", size }, spec }, { row: { measure: "baseline-synth", size }, spec: baseSpec }], opts.rounds, opts)));
        baseSpec.before();
      } else {
        rows.push(await series({ measure: "synth", size }, spec, reps(size), opts));
      }
      spec.before();
    }

    if (opts.incremental) rows.push(...(await incrementalRows(size, map, programOut(size), rows, opts)));
    if (opts.incremental) rows.push(...(await affectedRows(size, map, opts)));

    const notRun = accessNotRun(size);
    if (notRun) {
      if (notRun.row) rows.push(notRun.row);
    } else {
      rows.push(accessRows.find((r) => r.size === size) ?? (await series({ measure: "access", size }, accessSpec(size), opts.reps, opts)));
      if (opts.incremental) rows.push(...(await accessIncrementalRows(size, map, programOut(size), rows, opts)));
    }
  }

  if (base) {
    for (const size of baselineSizes) {
      // Without synth the baseline's synth has nothing to be paired with: on its own, then.
      if (!opts.synth) {
        const synth = synthSpec("baseline-synth", size, base.dir);
        rows.push(await series({ measure: "baseline-synth", size }, synth, reps(size), opts));
        synth.before();
      }
      const progOut = out("baseline-program", size);
      const program = { cmd: "npx", args: ["--no-install", "ts-node", "main.ts"], cwd: base.dir, env: { ACCOUNT_MAP: mapOf(size).file, CDKTF_OUTDIR: progOut }, before: fresh(progOut) };
      rows.push(await series({ measure: "baseline-program", size }, program, reps(size, true), opts));
      fresh(progOut)();
    }
  }

  if (opts.test) {
    progress("== npm test");
    rows.push(await series({ measure: "test", size: undefined }, { cmd: "npm", args: ["test", "--silent"] }, 1, opts));
  }

  // Where the time goes: phases, a CPU profile and the floor, from the program's output of this run.
  const profiles: Profiled[] = [];
  if (opts.profile && opts.sizes.length > 0) {
    const sizes = opts.sizes.filter((s) => PROFILE_SIZES.includes(s));
    if (sizes.length === 0) sizes.push(Math.max(...opts.sizes));
    for (const size of sizes) {
      const map = mapOf(size);
      const p: Profiled = { size };
      profiles.push(p);
      progress(`== where the time goes @ ${n(size)} accounts`);
      const phasesOut = out("phases", size);
      const ph = await measure({ cmd: process.execPath, args: [join(DIST, "phases.js"), map.file, phasesOut], timeoutMs: timeout });
      fresh(phasesOut)();
      p.phases = ph.exit === 0 ? { ...(JSON.parse(ph.stdout.trim().split("\n").pop() ?? "") as Omit<PhaseFigures, "wallMs">), wallMs: ph.wallMs } : outcome(ph, [0], timeout);
      progress(`    phases: ${phasesText(p.phases)}`);

      const dir = join(CACHE, "profiles", `program-${size}`);
      fresh(dir)();
      const profOut = out("profile", size);
      const pr = await measure({ cmd: process.execPath, args: ["--cpu-prof", `--cpu-prof-dir=${dir}`, PROGRAM], env: { ACCOUNT_MAP: map.file, CDKTF_OUTDIR: profOut }, timeoutMs: timeout });
      fresh(profOut)();
      const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".cpuprofile")) : undefined;
      const profile: NonNullable<Profiled["profile"]> = { ...outcome(pr, [0], timeout), wallMs: pr.wallMs, file: file && relative(ROOT, join(dir, file)) };
      if (file) profile.summary = summarizeProfile(join(dir, file), { root: ROOT });
      p.profile = profile;
      progress(`    CPU profile: ${profile.status} in ${fmtMs(pr.wallMs)}${profile.summary ? `; ${profile.summary.byPackage.slice(0, 4).map((e) => `${e.name} ${pct(e.share)}`).join(", ")}` : ""}`);

      const program = rows.find((r) => r.measure === "program" && r.size === size);
      if (program?.status !== "ok") {
        p.floor = { status: "not measured", note: "the program did not complete, so there is no output to write again" };
        continue;
      }
      const floorOut = out("floor", size);
      const fr = await measure({ cmd: process.execPath, args: [join(DIST, "floor.js"), out("program", size), floorOut], timeoutMs: timeout });
      fresh(floorOut)();
      p.floor =
        fr.exit === 0
          ? { status: "ok", ...(JSON.parse(fr.stdout.trim()) as Omit<FloorFigures, "status" | "programMs">), wallMs: fr.wallMs, peakKb: fr.peakKb, programMs: program.wallMs }
          : outcome(fr, [0], timeout);
      progress(`    floor: ${floorText(p.floor)}`);
    }
  }
  for (const size of opts.sizes) fresh(out("program", size))();

  const tricks = opts.tricks ? await trickRows(maps, opts) : [];

  const targets = evaluateTargets(rows, maps);
  const results: Results = {
    env: { ...env, loadavgEnd: os.loadavg() },
    opts: { ...opts, doc: relative(ROOT, opts.doc) },
    totalMs: performance.now() - started,
    maps: [...maps].map(([size, m]) => ({ size, file: relative(ROOT, m.file), bytes: m.bytes, ...m.summary })),
    rows: rows.map(({ stdout: _drop, ...r }: Row & { stdout?: string }) => r as Row),
    targets,
    profiles,
    tricks,
  };
  writeFileSync(join(CACHE, "results.json"), `${JSON.stringify(results, null, 2)}\n`);

  const report = ["", textTable(RESULT_HEADERS, resultRows(rows)), "", textTable(["target", "measured", "verdict"], targets.map((t) => [t.name, t.measured, t.verdict]))];
  for (const p of profiles) {
    report.push("", `@ ${n(p.size)} accounts: phases ${p.phases ? phasesText(p.phases) : "not measured"}`);
    if (p.profile?.summary) report.push(`  self time by package: ${p.profile.summary.byPackage.slice(0, 6).map((e) => `${e.name} ${pct(e.share)}`).join(", ")}`);
    if (p.floor) report.push(`  floor: ${floorText(p.floor)}`);
  }
  if (tricks.length > 0) report.push("", textTable(TRICK_HEADERS, trickTableRows(tricks)));
  report.push("", `whole run ${fmtMs(results.totalMs)}`);
  process.stdout.write(`${report.join("\n")}\n`);
  writeReport(opts.doc, results);
  progress(`bench: wrote ${relative(ROOT, opts.doc)} and ${relative(ROOT, join(CACHE, "results.json"))}`);
}

// ---------------------------------------------------------------- the report

const BEGIN = "<!-- bench:begin (written by scripts/bench/run.mjs; the text outside these markers is kept) -->";
const END = "<!-- bench:end -->";

function writeReport(file: string, res: Results): void {
  const { env } = res;
  const md: string[] = [BEGIN, ""];
  md.push(`### Run of ${env.date.slice(0, 16).replace("T", " ")} UTC: ${res.opts.kind}`, "");
  md.push(
    mdTable(
      ["run", "details"],
      [
        ["machine", `${env.cpus} CPU cores (${env.cpuModel}), ${(env.totalmem / 1024 ** 3).toFixed(1)} GiB memory, ${env.platform}`],
        ["load average", `${env.loadavg.map((x) => x.toFixed(2)).join(" ")} at the start, ${env.loadavgEnd.map((x) => x.toFixed(2)).join(" ")} at the end (other work may have shared the CPUs)`],
        ["software", `node ${env.node}, ${Object.entries(env.packages).map(([p, v]) => `${p} ${v}`).join(", ")}`],
        ["sources", `commit ${env.commit}${env.uncommitted.length > 0 ? ` with uncommitted changes in ${env.uncommitted.join(", ")}` : ""}`],
        [
          "runs",
          `${res.opts.reps === 1 ? "1 per measure" : `${res.opts.reps} per measure (median shown), 1 at ${n(ONE_RUN_FROM)} accounts (except loading) and for the baseline program from 1,000`}; ` +
            `${res.opts.rounds} rounds (median shown) for the program alone at every size, and for cdktf synth and the baseline's, side by side, at ${BASELINE_SIZES.map(n).join(" and ")} accounts; ` +
            `${accessRounds(res.opts)} rounds (median shown) for the cold access check at every size from 1,000`,
        ],
        ["whole run", fmtMs(res.totalMs)],
      ],
    ),
    "",
  );
  md.push(
    `Maps (seed ${res.opts.seed}):`,
    "",
    mdTable(
      ["accounts", "roles", "groups", "buckets", "role callers", "bucket grants", "YAML"],
      res.maps.map((m) => [n(m.size), n(m.roles), n(m.groups), n(m.buckets), n(m.callers), n(m.bucketGrants), `${(m.bytes / 1024 / 1024).toFixed(2)} MB`]),
    ),
    "",
  );
  md.push(mdTable(RESULT_HEADERS, resultRows(res.rows)), "");
  md.push("Targets (verdicts computed from the rows above):", "", mdTable(["target", "measured", "verdict"], res.targets.map((t) => [t.name, t.measured, t.verdict])), "");
  for (const p of res.profiles) {
    md.push(`#### Where the time goes at ${n(p.size)} accounts`, "");
    md.push(`Phases of the program (scripts/bench/phases.ts): ${p.phases ? phasesText(p.phases) : "not measured"}.`, "");
    const s = p.profile?.summary;
    if (p.profile && s) {
      md.push(`CPU profile of \`node dist/main.js\` (${p.profile.status}, ${fmtMs(p.profile.wallMs)} with the profiler; \`${p.profile.file}\`), self time:`, "");
      md.push(mdTable(["package or project file", "self time", "share"], s.byPackage.slice(0, 8).map((e) => [e.name, fmtMs(e.ms), pct(e.share)])), "");
      md.push(mdTable(["function", "self time", "share"], s.byFunction.slice(0, 10).map((e) => [`\`${e.name}\``, fmtMs(e.ms), pct(e.share)])), "");
    } else {
      md.push(`CPU profile: ${p.profile ? `${p.profile.status}${p.profile.note ? `: ${p.profile.note}` : ""}` : "not measured"}.`, "");
    }
    md.push(`Floor (scripts/bench/floor.ts): ${p.floor ? floorText(p.floor) : "not measured"}.`, "");
  }
  if (res.tricks.length > 0) {
    md.push("#### Speed tricks, each off and on", "");
    md.push(
      `The same work with the trick switched off (\`BENCH_TRICKS_OFF=<trick>\`, tricks.ts) and on, one run of each per round, ${res.opts.rounds} rounds; the load average is the 1-minute one before the first round and after the last (verdicts computed by scripts/bench/targets.ts, judgeTrick):`,
      "",
      mdTable([...TRICK_HEADERS], trickTableRows(res.tricks)),
      "",
    );
  }
  md.push(END);
  const generated = md.join("\n");

  let text = `# Benchmarks\n\n${generated}\n`;
  if (existsSync(file)) {
    const old = readFileSync(file, "utf8");
    const a = old.indexOf(BEGIN);
    const b = old.indexOf(END);
    text = a >= 0 && b > a ? old.slice(0, a) + generated + old.slice(b + END.length) : `${old.trimEnd()}\n\n${generated}\n`;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

// ---------------------------------------------------------------- `generate`

const GENERATE_USAGE = `usage: node scripts/bench/run.mjs generate --accounts N [--seed S] [--out FILE]

Writes a generated map of N accounts (to stdout, or FILE) and prints its summary.
`;

function generateCommand(argv: readonly string[]): void {
  const v = parseStrict(argv, { accounts: { type: "string" }, seed: { type: "string" }, out: { type: "string" } }, GENERATE_USAGE);
  const accounts = str(v.accounts);
  if (accounts === undefined) throw new UsageError("generate needs --accounts N");
  const seed = str(v.seed);
  const o = { accounts: integer("--accounts", accounts, 1), seed: seed === undefined ? 42 : integer("--seed", seed, 0), out: str(v.out) };
  const { text, summary } = generateMap(o);
  if (o.out === undefined) {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  writeFileSync(o.out, text);
  progress(`${o.out}: ${JSON.stringify(summary)}`);
}

main().catch((e: unknown) => {
  if (current) killGroup(current);
  if (e instanceof UsageError) {
    process.stderr.write(`bench: ${e.message}; usage: ${SYNOPSIS}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
