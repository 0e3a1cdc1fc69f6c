/**
 * `npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]`: plans
 * synthesized stacks with Terraform, a few at a time (cdktf diff does one stack at
 * a time), and prints one table of adds, changes, destroys and replacements, with
 * the destructive changes spelled out and each failed plan's first error. Exits 1
 * when any plan fails, 2 on a bad command line. Uses whatever credentials and
 * Terraform configuration the environment provides (scripts/plan.sh sets up the
 * offline mirror when there is one), after checking that credentials exist at all.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { byCodePoint } from "../config/order";
import { type Command, CommandError, deployRolesOfStacks, parseCommandLine, positiveInteger, requireAwsCredentials, runCommand, UsageError } from "./cli";
import { firstTerraformError, renderSummary, type StackSummary, summarizePlan } from "./plan-summary";
import { localStates, orphanedStacks, renderOrphans } from "./retire-plan";

const run = promisify(execFile);

const COMMAND: Command = {
  name: "plan",
  synopsis: "npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]",
  help: `usage: npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]

Plans the synthesized stacks with Terraform (init one at a time, then plans in
parallel) and prints one table of adds, changes, destroys and replacements per
stack, the destroys and replacements by address, and the first Terraform error
of each stack that failed to plan. Exit status 1 when any plan fails. Then names
every stack that is deployed (its local state file, beside DIR, holds resources)
but no longer synthesized, and the grants of other deployed stacks that name its
account (npm run retire destroys such a stack).

  stack...        plan only these stacks (default: every stack in DIR/stacks)
  --out DIR       the synthesized output folder (default: cdktf.out)
  --parallel N    plans at a time, a positive integer (default: 2)
  --json FILE     also write the summary as JSON to FILE
  -h, --help      this text

Progress goes to stderr: a line per finished stack, or one progress line on a
terminal. Needs AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY; see README, "Deploying for real"); on EC2 with an
instance profile set AWS_CREDENTIALS_CHECK=off.
`,
};

const OPTIONS = {
  out: { type: "string" },
  parallel: { type: "string" },
  json: { type: "string" },
} as const;

type Terraform = (...args: string[]) => Promise<{ stdout: string }>;

function terraformIn(dir: string): Terraform {
  return (...args) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
}

function failure(stack: string, e: unknown): StackSummary {
  const err = e as { stderr?: string; stdout?: string; message: string; code?: unknown };
  if (err.code === "ENOENT") throw new CommandError("terraform is not on PATH (install Terraform 1.10 or later)");
  const output = [err.stderr, err.stdout].filter(Boolean).join("\n");
  return { stack, add: [], change: [], destroy: [], replace: [], error: firstTerraformError(output.trim() ? output : err.message) };
}

async function planStack(dir: string, stack: string): Promise<StackSummary> {
  const tf = terraformIn(dir);
  try {
    await tf("plan", "-input=false", "-no-color", "-lock-timeout=60s", "-out=tfplan");
    const { stdout } = await tf("show", "-json", "tfplan");
    return summarizePlan(stack, JSON.parse(stdout));
  } catch (e) {
    return failure(stack, e);
  }
}

/** Per-stack progress on stderr: a line per finished stack, or one rewritten line on a terminal. */
class Progress {
  private finished = 0;
  private failed = 0;
  private readonly running = new Set<string>();
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  constructor(private readonly total: number) {}

  start(stack: string, phase: "init" | "plan"): void {
    this.running.add(`${phase} ${stack}`);
    this.draw();
  }

  end(stack: string, phase: "init" | "plan", ok: boolean, seconds: number, last: boolean): void {
    this.running.delete(`${phase} ${stack}`);
    if (!last && ok) return this.draw();
    this.finished++;
    if (!ok) this.failed++;
    const what = ok ? "done" : phase === "init" ? "failed at init" : "failed";
    if (!this.tty) process.stderr.write(`plan: ${stack} ${what} (${this.finished} of ${this.total}, ${seconds.toFixed(1)} s)\n`);
    this.draw();
  }

  close(seconds: number): void {
    if (this.tty) process.stderr.write("\r\x1b[K");
    const failed = this.failed ? `, ${this.failed} failed` : "";
    process.stderr.write(`plan: ${this.total} ${this.total === 1 ? "stack" : "stacks"} in ${seconds.toFixed(1)} s${failed}\n`);
  }

  private draw(): void {
    if (!this.tty) return;
    const width = 20;
    const filled = this.total ? Math.round((this.finished / this.total) * width) : width;
    const failed = this.failed ? `, ${this.failed} failed` : "";
    const now = [...this.running].join(", ");
    const line = `plan [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${this.finished} of ${this.total}${failed}${now ? `: ${now}` : ""}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(20, (process.stderr.columns || 80) - 1))}`);
  }
}

/** The stacks to plan: the positionals, each checked against the synthesized stacks. */
function chooseStacks(requested: readonly string[], available: readonly string[], outdir: string): string[] {
  if (requested.length === 0) return [...available];
  const unknown = requested.filter((s) => !available.includes(s));
  if (unknown.length > 0) {
    const list = available.length <= 20 ? available.join(", ") : `${available.slice(0, 20).join(", ")}, ... (${available.length.toLocaleString("en-US")} in all)`;
    throw new UsageError(`unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => JSON.stringify(s)).join(", ")} (stacks in ${outdir}: ${list})`);
  }
  return [...new Set(requested)].sort(byCodePoint);
}

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  const parallel = values.parallel === undefined ? 2 : positiveInteger("--parallel", values.parallel);
  const outdir = values.out ?? "cdktf.out";
  const requested = positionals;
  const stacksDir = join(outdir, "stacks");
  if (!isDir(stacksDir)) throw new CommandError(`no stacks in ${stacksDir}; run npm run synth first${values.out === undefined ? "" : " (or name another folder with --out)"}`);
  const available = readdirSync(stacksDir)
    .filter((s) => isDir(join(stacksDir, s)))
    .sort(byCodePoint);
  if (available.length === 0) throw new CommandError(`no stacks in ${stacksDir}; run npm run synth first`);
  const stacks = chooseStacks(requested, available, outdir);
  requireAwsCredentials(deployRolesOfStacks(stacksDir, stacks));

  const started = performance.now();
  const progress = new Progress(stacks.length);
  const initSeconds = new Map<string, number>();
  // Every init first, one at a time; then the plans, in parallel. With a shared
  // plugin cache an init can remove and re-create the cache entry: two inits at
  // once failed with "mkdir ...: file exists", and a plan or apply beside an init
  // with "no package ... cached in .terraform/providers".
  const results: StackSummary[] = [];
  const initialized: string[] = [];
  for (const stack of stacks) {
    const t0 = performance.now();
    progress.start(stack, "init");
    try {
      await terraformIn(join(stacksDir, stack))("init", "-input=false", "-no-color");
      initSeconds.set(stack, (performance.now() - t0) / 1000);
      initialized.push(stack);
      progress.end(stack, "init", true, 0, false);
    } catch (e) {
      results.push(failure(stack, e));
      progress.end(stack, "init", false, (performance.now() - t0) / 1000, true);
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, initialized.length) }, async () => {
      while (next < initialized.length) {
        const stack = initialized[next++];
        const t0 = performance.now();
        progress.start(stack, "plan");
        const result = await planStack(join(stacksDir, stack), stack);
        results.push(result);
        progress.end(stack, "plan", !result.error, (initSeconds.get(stack) ?? 0) + (performance.now() - t0) / 1000, true);
      }
    }),
  );
  progress.close((performance.now() - started) / 1000);
  process.stdout.write(`${renderSummary(results)}\n`);
  // Stacks deployed from an earlier map: their state is there, their account no longer is.
  const orphans = renderOrphans(orphanedStacks(available, localStates(outdir)));
  if (orphans) process.stdout.write(`\n${orphans}\n`);
  if (values.json) {
    try {
      writeFileSync(values.json, `${JSON.stringify([...results].sort((a, b) => byCodePoint(a.stack, b.stack)), null, 2)}\n`);
    } catch (e) {
      throw new CommandError(`cannot write --json ${values.json}: ${(e as Error).message}`);
    }
  }
  return results.some((r) => r.error) ? 1 : 0;
}

runCommand(COMMAND, main);
