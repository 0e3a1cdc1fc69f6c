/**
 * What the commands that run Terraform over synthesized stacks share (npm run
 * plan, npm run drift): finding and choosing the stacks, running Terraform in a
 * stack's folder, `init` one at a time then the work a few at a time, progress on
 * stderr, and a failure's first Terraform error.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { byCodePoint } from "../config/order";
import { CommandError, UsageError } from "./cli";
import { firstTerraformError } from "./plan-summary";

const run = promisify(execFile);

/** Runs Terraform in one folder; resolves with its stdout, rejects with its output on a non-zero exit. */
export type Terraform = (...args: string[]) => Promise<{ stdout: string }>;

export function terraformIn(dir: string): Terraform {
  return (...args) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
}

/** The first Terraform error of a failed run, for the report; Terraform missing altogether is a CommandError. */
export function terraformError(e: unknown): string {
  const err = e as { stderr?: string; stdout?: string; message: string; code?: unknown };
  if (err.code === "ENOENT") throw new CommandError("terraform is not on PATH (install Terraform 1.10 or later)");
  const output = [err.stderr, err.stdout].filter(Boolean).join("\n");
  return firstTerraformError(output.trim() ? output : err.message);
}

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/**
 * The stacks to work on: the positionals, each checked against the stacks
 * synthesized in `<outdir>/stacks`, or all of them. `outGiven`: --out was on the command line.
 */
/** The stacks to work on (all when none are named), and every stack of the folder. */
export function chooseStacks(outdir: string, outGiven: boolean, requested: readonly string[]): { stacksDir: string; stacks: string[]; available: string[] } {
  const stacksDir = join(outdir, "stacks");
  if (!isDir(stacksDir)) throw new CommandError(`no stacks in ${stacksDir}; run npm run synth first${outGiven ? " (or name another folder with --out)" : ""}`);
  const available = readdirSync(stacksDir)
    .filter((s) => isDir(join(stacksDir, s)))
    .sort(byCodePoint);
  if (available.length === 0) throw new CommandError(`no stacks in ${stacksDir}; run npm run synth first`);
  if (requested.length === 0) return { stacksDir, stacks: available, available };
  const unknown = requested.filter((s) => !available.includes(s));
  if (unknown.length > 0) {
    const list = available.length <= 20 ? available.join(", ") : `${available.slice(0, 20).join(", ")}, ... (${available.length.toLocaleString("en-US")} in all)`;
    throw new UsageError(`unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => JSON.stringify(s)).join(", ")} (stacks in ${outdir}: ${list})`);
  }
  return { stacksDir, stacks: [...new Set(requested)].sort(byCodePoint), available };
}

/** Per-stack progress on stderr: a line per finished stack, or one rewritten line on a terminal. */
export class Progress {
  private finished = 0;
  private failed = 0;
  private readonly running = new Set<string>();
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  constructor(
    private readonly command: string,
    private readonly total: number,
  ) {}

  start(stack: string, phase: string): void {
    this.running.add(`${phase} ${stack}`);
    this.draw();
  }

  /** `last`: the stack's final phase (or a failure, which ends it). */
  end(stack: string, phase: string, ok: boolean, seconds: number, last: boolean, what = ok ? "done" : phase === "init" ? "failed at init" : "failed"): void {
    this.running.delete(`${phase} ${stack}`);
    if (!last && ok) return this.draw();
    this.finished++;
    if (!ok) this.failed++;
    if (!this.tty) process.stderr.write(`${this.command}: ${stack} ${what} (${this.finished} of ${this.total}, ${seconds.toFixed(1)} s)\n`);
    this.draw();
  }

  close(seconds: number): void {
    if (this.tty) process.stderr.write("\r\x1b[K");
    const failed = this.failed ? `, ${this.failed} failed` : "";
    process.stderr.write(`${this.command}: ${this.total} ${this.total === 1 ? "stack" : "stacks"} in ${seconds.toFixed(1)} s${failed}\n`);
  }

  private draw(): void {
    if (!this.tty) return;
    const width = 20;
    const filled = this.total ? Math.round((this.finished / this.total) * width) : width;
    const failed = this.failed ? `, ${this.failed} failed` : "";
    const now = [...this.running].join(", ");
    const line = `${this.command} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${this.finished} of ${this.total}${failed}${now ? `: ${now}` : ""}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(20, (process.stderr.columns || 80) - 1))}`);
  }
}

/** How a command runs its work in one initialized stack, and how its outcome is told. */
export interface StackWork<T> {
  /** Shown in progress while it runs: "plan". */
  readonly phase: string;
  readonly run: (stack: string, tf: Terraform) => Promise<T>;
  /** The outcome of a stack whose init failed. */
  readonly failed: (stack: string, error: string) => T;
  readonly ok: (result: T) => boolean;
  /** The progress line's word for an outcome (default: done or failed). */
  readonly what?: (result: T) => string;
}

/**
 * `terraform init` in every stack, one at a time, then the work in the stacks
 * that initialized, `parallel` at a time. With a shared plugin cache an init can
 * remove and re-create the cache entry: two inits at once failed with "mkdir ...:
 * file exists", and a plan or apply beside an init with "no package ... cached in
 * .terraform/providers".
 */
export async function initThenEach<T>(stacksDir: string, stacks: readonly string[], progress: Progress, parallel: number, work: StackWork<T>): Promise<T[]> {
  const results: T[] = [];
  const initialized: string[] = [];
  const initSeconds = new Map<string, number>();
  for (const stack of stacks) {
    const t0 = performance.now();
    progress.start(stack, "init");
    try {
      await terraformIn(join(stacksDir, stack))("init", "-input=false", "-no-color");
      initSeconds.set(stack, (performance.now() - t0) / 1000);
      initialized.push(stack);
      progress.end(stack, "init", true, 0, false);
    } catch (e) {
      results.push(work.failed(stack, terraformError(e)));
      progress.end(stack, "init", false, (performance.now() - t0) / 1000, true);
    }
  }
  await eachAtMost(initialized, parallel, async (stack) => {
    const t0 = performance.now();
    progress.start(stack, work.phase);
    const result = await work.run(stack, terraformIn(join(stacksDir, stack)));
    results.push(result);
    const ok = work.ok(result);
    progress.end(stack, work.phase, ok, (initSeconds.get(stack) ?? 0) + (performance.now() - t0) / 1000, true, work.what?.(result));
  });
  return results;
}

/** Runs `work` on every item, at most `parallel` at once: each of that many workers takes the next item when it is done. */
export async function eachAtMost<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
