/**
 * `npm run access [-- options]`: proves who can do what from the synthesized
 * stacks, gates on the map's declared intent, and writes the report.
 *
 *   --out DIR          synthesized stacks to read (default cdktf.out)
 *   --map FILE         the account map they came from (default $ACCOUNT_MAP or config/accounts.yaml)
 *   --synth            synthesize the map into --out first
 *   --write-to DIR     where report.md, report.json, aws-config (and diff.md, diff.json) go (default <out>/access)
 *   --expect-unchanged write nothing; fail when the files in --write-to differ from a fresh report
 *   --diff REF         also compare with the map at git revision REF: what each caller gains and loses,
 *                      and whether that widens or narrows access (diff.md, diff.json)
 *   --threads N        evaluate in N threads, split by target (default: the machine's cores, at most 4,
 *                      and one per 250 targets the stacks declare)
 *   -h, --help         print the usage and exit 0
 *
 * Incremental: a target whose key (access/target-key.ts) is the one recorded in
 * <out>/access-cache.json takes its result from there (access/access-cache.ts);
 * ACCESS_COLD=1 evaluates every target.
 *
 * Exit status (the first that applies):
 *   1  the gate failed, the map is bad or does not match the stacks, or (with --expect-unchanged) the files are stale
 *   2  a usage error (unknown option, missing value, stray argument, unknown git revision) or an internal error
 *   4  --diff: the change widens access (a gained action or pair, a dropped condition)
 *   3  --diff: the change only narrows access (lost actions or pairs, added conditions)
 *   0  the gate is clean and, with --diff, access is unchanged
 * A pipeline may approve a change that widens nothing on 0 or 3, and ask for a review on 4.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { synthesizeModel } from "../app";
import { analyze, type Analysis, type ShardRunner, TARGETS_PER_THREAD } from "../access/analyze";
import type { Front, ShardResult } from "../access/shards";
import type { Intent } from "../access/types";
import { ACCESS_CACHE_FILE, accessProgramDigest, readAccessCache, writeAccessCache } from "../access/access-cache";
import { diffAccess, renderDiff, renderDiffJson, type AccessDiff } from "../access/diff";
import { passes, reaches, renderAwsConfig, renderJson, renderMarkdown, verdictWord } from "../access/report";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMapText, type MapText, readAccountMap } from "../config/load";
import type { Source } from "../config/source";
import { findOrphans } from "./deployed-states";
import { renderOrphanSearch } from "./retire-plan";
import { readLastUsed, renderUnused, unusedGrants } from "../access/unused";

/** The command line is wrong: exit 2, with a pointer to --help. */
class ArgError extends Error {}
/** The input is wrong (no stacks, a bad map at the revision): exit 1. */
class InputError extends Error {}

/** Threads by default: one per core, up to this many. */
const MAX_THREADS = 4;

/** Exit statuses; see the header. */
const EXIT = { clean: 0, failed: 1, usage: 2, narrows: 3, widens: 4 } as const;

const USAGE = `usage: npm run access -- [options]

Proves who can do what from the synthesized stacks, gates on the map's intent,
and writes report.md, report.json and aws-config.

options:
  --out DIR           synthesized stacks to read (default cdktf.out)
  --map FILE          the account map they came from (default $ACCOUNT_MAP or ${DEFAULT_MAP})
  --synth             synthesize the map into --out first
  --write-to DIR      where the files go (default <out>/access)
  --expect-unchanged  write nothing; fail when the files in --write-to differ from a fresh report
  --diff REF          also compare with the map at git revision REF: what each caller gains and
                      loses, and whether that widens or narrows access (diff.md, diff.json)
  --threads N         evaluate in N threads, split by target; the report is the same for every N
                      (default: the machine's cores, at most ${MAX_THREADS}, and one per ${TARGETS_PER_THREAD} targets)
  --unused            instead: read IAM's last-used data from the accounts (through each deploy
                      role) and list each declared grant nobody used, with the map line to delete;
                      always exit 0 (a report)
  --days N            with --unused: the window, in days (default 90)
  --json              with --unused: print JSON
  --endpoint URL      with --unused: an emulator's endpoint (default $LOCAL_AWS_ENDPOINT; else AWS)
  -h, --help          print this and exit 0

Each target whose inputs did not change since the last check of --out takes that check's
result (<out>/${ACCESS_CACHE_FILE}); the report is the one a cold check writes. ACCESS_COLD=1
evaluates every target (and still writes the cache); --expect-unchanged writes no cache.

exit status (the first that applies):
  1  the gate failed, the map is bad or does not match the stacks, or the files are stale
  2  usage error (unknown option, missing value, stray argument, unknown revision) or internal error
  4  --diff: the change widens access (a gained action or pair, a dropped condition)
  3  --diff: the change only narrows access (lost actions or pairs, added conditions)
  0  the gate is clean and, with --diff, access is unchanged
A pipeline approves a change that widens nothing on 0 or 3: case $? in 0|3) ... ;; 4) review ;; *) fail ;; esac
`;

interface Options {
  out: string;
  map: string;
  synth: boolean;
  writeTo?: string;
  expectUnchanged: boolean;
  diff?: string;
  /** Undefined: as many as pay off (see {@link threadRunner}). */
  threads?: number;
  unused: boolean;
  days: number;
  json: boolean;
  endpoint?: string;
  help: boolean;
}

/** The options, or an {@link ArgError} naming the first thing wrong. */
function parse(argv: readonly string[]): Options {
  const options = {
    out: { type: "string" },
    map: { type: "string" },
    synth: { type: "boolean" },
    "write-to": { type: "string" },
    "expect-unchanged": { type: "boolean" },
    diff: { type: "string" },
    threads: { type: "string" },
    unused: { type: "boolean" },
    days: { type: "string" },
    json: { type: "boolean" },
    endpoint: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const quoted = /'([^']*)'/.exec((e as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new ArgError(`unknown option ${quoted}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const option = /^(-\S+)/.exec(quoted)?.[1] ?? quoted;
      const takesValue = (options as Record<string, { type: string }>)[option.replace(/^-+/, "")]?.type === "string";
      throw new ArgError(takesValue ? `${option} needs a value` : `${option} takes no value`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new ArgError(`unexpected argument ${quoted}: every value follows its option`);
    throw new ArgError((e as Error).message);
  }
  const v = parsed.values;
  for (const name of ["out", "map", "write-to", "diff", "threads", "days", "endpoint"] as const) if (v[name] === "") throw new ArgError(`--${name} needs a value`);
  if (!v.unused) for (const name of ["days", "json", "endpoint"] as const) if (v[name] !== undefined) throw new ArgError(`--${name} goes with --unused`);
  if (v.threads !== undefined && !/^[1-9]\d?$/.test(v.threads)) throw new ArgError(`--threads takes a whole number from 1 to 99, not ${v.threads}`);
  if (v.days !== undefined && !/^[1-9]\d{0,4}$/.test(v.days)) throw new ArgError(`--days takes a whole number of days from 1 to 99999, not ${v.days}`);
  return {
    out: v.out ?? "cdktf.out",
    map: v.map ?? (process.env.ACCOUNT_MAP || DEFAULT_MAP),
    synth: v.synth ?? false,
    ...(v["write-to"] !== undefined ? { writeTo: v["write-to"] } : {}),
    expectUnchanged: v["expect-unchanged"] ?? false,
    ...(v.diff !== undefined ? { diff: v.diff } : {}),
    ...(v.threads !== undefined ? { threads: Number(v.threads) } : {}),
    unused: v.unused ?? false,
    days: v.days === undefined ? 90 : Number(v.days),
    json: v.json ?? false,
    ...(v.endpoint !== undefined ? { endpoint: v.endpoint } : process.env.LOCAL_AWS_ENDPOINT ? { endpoint: process.env.LOCAL_AWS_ENDPOINT } : {}),
    help: v.help ?? false,
  };
}

/** Paths as the user would type them: relative below the working folder (so reports read the same on every machine), absolute elsewhere. */
const shown = (p: string): string => {
  const rel = relative(process.cwd(), p).split("\\").join("/");
  return rel === "" ? "." : rel.startsWith("../") || isAbsolute(rel) ? resolve(p) : rel;
};

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(USAGE);
    return EXIT.clean;
  }
  const started = Date.now();
  const mapText = readAccountMap(o.map);
  const { model, source } = await loadAccountMapText(mapText.text, mapText.file, mapText.imports);
  if (o.unused) {
    // A report of IAM's last-used data, never a gate: exit 0 whatever it finds.
    const region = model.accounts[0]?.region ?? "us-east-1";
    const list = unusedGrants(model, await readLastUsed(model, { region, ...(o.endpoint ? { endpoint: o.endpoint } : {}) }), new Date(), o.days);
    process.stdout.write(o.json ? `${JSON.stringify({ days: o.days, unused: list }, null, 2)}\n` : renderUnused(list, o.days));
    return EXIT.clean;
  }
  if (o.synth) {
    // A fresh synth: stacks of accounts no longer in the map must not linger.
    rmSync(join(o.out, "stacks"), { recursive: true, force: true });
    synthesizeModel(model, { outdir: o.out });
  }
  if (!existsSync(join(o.out, "stacks"))) throw new InputError(`${o.out}/stacks does not exist: synthesize first (npm run synth, or add --synth)`);
  const names = { mapFile: shown(o.map), outdir: shown(o.out) };
  // The incremental check: each target whose key is unchanged since the last check into this folder takes its result from then (access/access-cache.ts).
  const program = accessProgramDigest();
  const reuse = readAccessCache(o.out, program, Boolean(process.env.ACCESS_COLD));
  const analysis = await analyze(model, o.out, names, threadRunner(o.threads, mapText, source), reuse);
  // In one thread, nothing has let the positional parse go yet (after a thread's `meanwhile`, this only reads the kept lines again).
  settlePositions(analysis.intents, source);
  // Stacks from another map: every other finding would be noise, and the report wrong.
  const mismatch = analysis.verdict.differences.find((d) => d.kind === "stack");
  if (mismatch) throw new InputError(mismatch.message);
  const files: [string, string][] = [
    ["report.md", renderMarkdown(analysis, names)],
    ["report.json", renderJson(analysis, names)],
    ["aws-config", renderAwsConfig(analysis)],
  ];
  let status: number = passes(analysis) ? EXIT.clean : EXIT.failed;

  let diff: AccessDiff | undefined;
  if (o.diff) {
    const before = await analyzeRevision(o.diff, o.map, o.threads);
    diff = diffAccess(before.analysis?.access ?? [], analysis.access);
    const diffNames = { map: before.gitPath, from: o.diff, to: "the working tree", fromExists: before.analysis !== undefined, gate: passes(analysis) ? "clean" : verdictWord(analysis) };
    // Deployed stacks whose account left the map: their access is live, and this diff cannot see it.
    // With S3 state, read from the bucket for the accounts of the map's history (tools/deployed-states.ts); states it cannot read are listed.
    const orphans = renderOrphanSearch(await findOrphans({ model, mapFile: o.map, outdir: o.out, localEndpoint: o.endpoint }));
    const text = `${renderDiff(diff, diffNames)}${orphans ? `\n\n${orphans}` : ""}`;
    files.push(["diff.md", text], ["diff.json", renderDiffJson(diff, diffNames)]);
    process.stdout.write(`${text}\n`);
  }

  const dir = o.writeTo ?? join(o.out, "access");
  if (o.expectUnchanged) {
    const stale = files.filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text).map(([name]) => join(shown(dir), name));
    if (stale.length > 0) {
      process.stderr.write(`access: stale: ${stale.join(", ")} no longer match the stacks; regenerate with npm run docs\n`);
      status = EXIT.failed;
    } else process.stdout.write(`access: ${shown(dir)} is up to date\n`);
  } else {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    writeAccessCache(o.out, program, analysis.results);
  }

  printVerdict(analysis, Date.now() - started, o.expectUnchanged ? undefined : shown(dir), diff);
  if (status !== EXIT.clean || !diff) return status;
  return diff.effect === "widens" ? EXIT.widens : diff.effect === "narrows" ? EXIT.narrows : EXIT.clean;
}

function printVerdict(a: Analysis, ms: number, dir: string | undefined, diff: AccessDiff | undefined): void {
  const pairs = reaches(a.access).length;
  const requests = a.verdict.probes.reduce((n, p) => n + p.requests, 0);
  const lines = [
    `access: ${a.inventory.stacks.length} stacks, ${a.callers.length} callers, ${a.targets.length} targets; ${pairs} caller → target pairs allowed (${a.access.length} requests), ${a.intents.length} grants declared`,
    `access: ${a.verdict.probes.length} denial probes, ${requests} requests; ${a.findings.length} lint findings; ${a.evaluations} evaluations in ${(ms / 1000).toFixed(1)} s`,
    `access: ${a.evaluated} of ${a.targets.length} targets evaluated, ${a.targets.length - a.evaluated} unchanged since the last check (${ACCESS_CACHE_FILE}; ACCESS_COLD=1 evaluates all)`,
  ];
  for (const d of a.verdict.differences) lines.push(`  ${d.kind}: ${d.message}`);
  for (const f of a.findings.filter((x) => x.severity === "error")) lines.push(`  lint ${f.rule}: ${f.stack} ${f.resource}: ${f.message}. Fix: ${f.fix}`);
  lines.push(`access: verdict: ${verdictWord(a)}`);
  if (dir) lines.push(`access: report in ${dir}/report.md (and report.json, aws-config${diff ? ", diff.md, diff.json" : ""})`);
  if (diff) {
    const n = (e: string) => diff.changes.filter((c) => c.effect === e).length;
    lines.push(`access: diff: ${diff.effect}${diff.changes.length > 0 ? ` (${n("widens")} pairs widen, ${n("narrows")} narrow)` : ""}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * The access of the map at a git revision, synthesized by this program into a
 * temporary folder. Undefined when the map did not exist there.
 */
async function analyzeRevision(ref: string, mapFile: string, threads: number | undefined): Promise<{ gitPath: string; analysis?: Analysis }> {
  const gitPath = relative(gitRoot(), resolve(mapFile)).split("\\").join("/");
  revisionExists(ref);
  let text: string;
  try {
    text = execFileSync("git", ["show", `${ref}:${gitPath}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (/exists on disk, but not in|does not exist in/.test(stderr)) return { gitPath };
    throw new InputError(`--diff ${ref}: git cannot show ${gitPath} at ${ref}: ${stderr.trim() || (e as Error).message}`);
  }
  let model;
  try {
    ({ model } = await loadAccountMapText(text, `${gitPath}@${ref}`));
  } catch (e) {
    if (e instanceof ConfigError) throw new InputError(`--diff ${ref}: the map at ${ref} is not valid, so there is nothing to compare with:\n${e.message}`);
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), "access-diff-"));
  try {
    try {
      synthesizeModel(model, { outdir: dir });
    } catch (e) {
      if (e instanceof ConfigError) throw new InputError(`--diff ${ref}: the map at ${ref} does not synthesize:\n${e.message}`);
      throw e;
    }
    return { gitPath, analysis: await analyze(model, dir, undefined, threadRunner(threads, { text, file: `${gitPath}@${ref}` })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Looks up where every grant stands in the map (report.json prints it), then lets the map's positional parse go. */
function settlePositions(intents: readonly Intent[], source: Source): void {
  for (const i of intents) void i.declaredAt;
  source.forgetPositions();
}

/**
 * Shards 1 to n-1 of the evaluation in threads (tools/access-worker.ts, built beside
 * this file into dist/). A thread that fails fails the whole check. Unless the
 * command line says how many, one per core (at most MAX_THREADS) and per
 * TARGETS_PER_THREAD targets: a thread costs a second or so to start and read the
 * stacks, more than a small map's whole check.
 */
function threadRunner(threads: number | undefined, map: MapText, source?: Source): ShardRunner {
  const script = join(__dirname, "access-worker.js");
  return {
    // report.json prints where each grant stands in the map, which takes the map's positional parse (config/source.ts):
    // looked up while the other threads finish. At 10,000 accounts of the benchmark's map the parse and the look-ups take
    // 12.6 s; the other thread finished 19 s and 2.3 s after this one in two traced runs (docs/benchmarks.md, "Access check
    // at 10,000 accounts, 2026-12-02 (morning)"). The parse is then let go: the grants keep their lines, and the rest of
    // the check reads no other position unless a message needs one.
    ...(source
      ? {
          meanwhile: (front: Front) => settlePositions(front.intents, source),
        }
      : {}),
    shardsFor: (targets) => threads ?? Math.min(availableParallelism(), MAX_THREADS, Math.floor(targets / TARGETS_PER_THREAD)),
    run: (job) =>
      new Promise<ShardResult>((done, fail) => {
        const worker = new Worker(script, { workerData: { map, job } });
        worker.once("message", (m: { result?: ShardResult; error?: string }) => (m.result ? done(m.result) : fail(new Error(`shard ${job.shard} of the access check failed: ${m.error}`))));
        worker.once("error", (e) => fail(new Error(`shard ${job.shard} of the access check failed: ${e.message}`)));
        worker.once("exit", (code) => fail(new Error(`shard ${job.shard} of the access check ended (exit ${code}) without an answer`)));
      }),
  };
}

function gitRoot(): string {
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new ArgError("--diff needs a git checkout");
  }
}

/** An unknown revision is a bad value of --diff. */
function revisionExists(ref: string): void {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    throw new ArgError(`--diff ${ref}: no such git revision`);
  }
}

main().then(
  (status) => process.exit(status),
  (e: unknown) => {
    if (e instanceof ArgError) {
      process.stderr.write(`access: ${e.message} (see npm run access -- --help)\n`);
      process.exit(EXIT.usage);
    }
    if (e instanceof ConfigError || e instanceof InputError) {
      process.stderr.write(`${e instanceof InputError ? "access: " : ""}${e.message}\n`);
      process.exit(EXIT.failed);
    }
    process.stderr.write(`access: error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(EXIT.usage);
  },
);
