/**
 * `npm run plan [-- <outdir>] [--parallel N] [--json FILE]`: plans every synthesized
 * stack with Terraform, a few at a time (cdktf diff does one stack at a time), and
 * prints one table of adds, changes, destroys and replacements, with the destructive
 * changes spelled out. Exits 1 when any plan fails. Uses whatever credentials and
 * Terraform configuration the environment provides (scripts/plan.sh sets up the
 * offline mirror when there is one).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { renderSummary, type StackSummary, summarizePlan } from "./plan-summary";

const run = promisify(execFile);

/**
 * Runs `fn` after every earlier call's `fn` has finished. `terraform init` goes
 * through this: Terraform does not guarantee that its plugin cache directory is
 * safe for concurrent installs, and two inits at once were seen to fail with
 * "mkdir ...: file exists". Plans still run in parallel.
 */
let initQueue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const result = initQueue.then(fn);
  initQueue = result.catch(() => undefined);
  return result;
}

async function planStack(dir: string, stack: string): Promise<StackSummary> {
  const tf = (...args: string[]) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
  try {
    await oneAtATime(() => tf("init", "-input=false", "-no-color"));
    await tf("plan", "-input=false", "-no-color", "-lock-timeout=60s", "-out=tfplan");
    const { stdout } = await tf("show", "-json", "tfplan");
    return summarizePlan(stack, JSON.parse(stdout));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const text = (err.stderr || err.message).trim().split("\n").slice(-15).join("\n");
    return { stack, add: [], change: [], destroy: [], replace: [], error: text };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const parallel = Math.max(1, Number(flag("--parallel") ?? 2));
  const jsonOut = flag("--json");
  const outdir = args[0] ?? "cdktf.out";
  const stacksDir = join(outdir, "stacks");
  if (!existsSync(stacksDir)) {
    process.stderr.write(`plan: no stacks in ${stacksDir}; run npm run synth first\n`);
    process.exit(1);
  }
  const stacks = readdirSync(stacksDir).sort();
  const results: StackSummary[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, stacks.length) }, async () => {
      while (next < stacks.length) {
        const stack = stacks[next++];
        results.push(await planStack(join(stacksDir, stack), stack));
      }
    }),
  );
  process.stdout.write(`${renderSummary(results)}\n`);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify([...results].sort((a, b) => a.stack.localeCompare(b.stack)), null, 2)}\n`);
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

main().catch((e: unknown) => {
  process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
