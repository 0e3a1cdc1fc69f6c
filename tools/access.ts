/**
 * `npm run access [-- options]`: proves who can do what from the synthesized
 * stacks, gates on the map's declared intent, and writes the report.
 *
 *   --out DIR          synthesized stacks to read (default cdktf.out)
 *   --map FILE         the account map they came from (default $ACCOUNT_MAP or config/accounts.yaml)
 *   --synth            synthesize the map into --out first
 *   --write-to DIR     where report.md, report.json and aws-config go (default <out>/access)
 *   --expect-unchanged write nothing; fail when the files in --write-to differ from a fresh report
 *   --diff REF         also compare with the map at git revision REF: what each caller gains and loses
 *
 * Exit status: 0 clean; 1 the gate failed, the map is bad, or (with
 * --expect-unchanged) the checked-in report is stale; 2 anything else.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { synthesizeModel } from "../app";
import { analyze, type Analysis } from "../access/analyze";
import { diffAccess, renderDiff } from "../access/diff";
import { passes, reaches, renderAwsConfig, renderJson, renderMarkdown, verdictWord } from "../access/report";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap, loadAccountMapText } from "../config/load";

class UsageError extends Error {}

interface Options {
  out: string;
  map: string;
  synth: boolean;
  writeTo?: string;
  expectUnchanged: boolean;
  diff?: string;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { out: "cdktf.out", map: process.env.ACCOUNT_MAP || DEFAULT_MAP, synth: false, expectUnchanged: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--out") o.out = value();
    else if (a === "--map") o.map = value();
    else if (a === "--synth") o.synth = true;
    else if (a === "--write-to") o.writeTo = value();
    else if (a === "--expect-unchanged") o.expectUnchanged = true;
    else if (a === "--diff") o.diff = value();
    else throw new UsageError(`unknown option ${a}; see the comment at the top of tools/access.ts or README.md, "Who can do what"`);
  }
  return o;
}

/** Paths as the user would type them: relative below the working folder (so reports read the same on every machine), absolute elsewhere. */
const shown = (p: string): string => {
  const rel = relative(process.cwd(), p).split("\\").join("/");
  return rel === "" ? "." : rel.startsWith("../") || isAbsolute(rel) ? resolve(p) : rel;
};

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  const started = Date.now();
  const { model } = await loadAccountMap(o.map);
  if (o.synth) {
    // A fresh synth: stacks of accounts no longer in the map must not linger.
    rmSync(join(o.out, "stacks"), { recursive: true, force: true });
    synthesizeModel(model, { outdir: o.out });
  }
  if (!existsSync(join(o.out, "stacks"))) throw new UsageError(`${o.out}/stacks does not exist: synthesize first (npm run synth, or add --synth)`);
  const analysis = await analyze(model, o.out);
  const names = { mapFile: shown(o.map), outdir: shown(o.out) };
  const files: [string, string][] = [
    ["report.md", renderMarkdown(analysis, names)],
    ["report.json", renderJson(analysis, names)],
    ["aws-config", renderAwsConfig(analysis)],
  ];
  let status = passes(analysis) ? 0 : 1;

  if (o.diff) {
    const before = await analyzeRevision(o.diff, o.map);
    const changes = diffAccess(before?.access ?? [], analysis.access);
    const text = renderDiff(changes, before ? `${o.diff}` : `${o.diff} (no map there)`, "the working tree");
    files.push(["diff.md", text]);
    process.stdout.write(`${text}\n`);
  }

  const dir = o.writeTo ?? join(o.out, "access");
  if (o.expectUnchanged) {
    const stale = files.filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text).map(([name]) => join(shown(dir), name));
    if (stale.length > 0) {
      process.stderr.write(`access: stale: ${stale.join(", ")} no longer match the stacks; regenerate with npm run docs\n`);
      status = 1;
    } else process.stdout.write(`access: ${shown(dir)} is up to date\n`);
  } else {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
  }

  printVerdict(analysis, Date.now() - started, o.expectUnchanged ? undefined : shown(dir));
  return status;
}

function printVerdict(a: Analysis, ms: number, dir: string | undefined): void {
  const pairs = reaches(a.access).length;
  const requests = a.verdict.probes.reduce((n, p) => n + p.requests, 0);
  const lines = [
    `access: ${a.inventory.stacks.length} stacks, ${a.callers.length} callers, ${a.targets.length} targets; ${pairs} caller → target pairs allowed (${a.access.length} requests), ${a.intents.length} grants declared`,
    `access: ${a.verdict.probes.length} denial probes, ${requests} requests; ${a.findings.length} lint findings; ${a.evaluations} evaluations in ${(ms / 1000).toFixed(1)} s`,
  ];
  for (const d of a.verdict.differences) lines.push(`  ${d.kind}: ${d.message}`);
  for (const f of a.findings.filter((x) => x.severity === "error")) lines.push(`  lint ${f.rule}: ${f.stack} ${f.resource}: ${f.message}. Fix: ${f.fix}`);
  lines.push(`access: verdict: ${verdictWord(a)}`);
  if (dir) lines.push(`access: report in ${dir}/report.md (and report.json, aws-config)`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * The access of the map at a git revision, synthesized by this program into a
 * temporary folder. Undefined when the map did not exist there.
 */
async function analyzeRevision(ref: string, mapFile: string): Promise<Analysis | undefined> {
  const gitPath = relative(gitRoot(), mapFile).split("\\").join("/");
  let text: string;
  try {
    text = execFileSync("git", ["show", `${ref}:${gitPath}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (/exists on disk, but not in|does not exist in/.test(stderr)) return undefined;
    throw new UsageError(`--diff ${ref}: git cannot show ${gitPath} at ${ref}: ${stderr.trim() || (e as Error).message}`);
  }
  let model;
  try {
    ({ model } = await loadAccountMapText(text, `${gitPath}@${ref}`));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`--diff ${ref}: the map at ${ref} is not valid, so there is nothing to compare with:\n${e.message}`);
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), "access-diff-"));
  try {
    try {
      synthesizeModel(model, { outdir: dir });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`--diff ${ref}: the map at ${ref} does not synthesize:\n${e.message}`);
      throw e;
    }
    return await analyze(model, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gitRoot(): string {
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new UsageError("--diff needs a git checkout");
  }
}

main().then(
  (status) => process.exit(status),
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`${e instanceof UsageError ? "access: " : ""}${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`access: error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(2);
  },
);
