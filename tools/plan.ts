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

type Terraform = (...args: string[]) => Promise<{ stdout: string }>;

function terraformIn(dir: string): Terraform {
  return (...args) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
}

function failure(stack: string, e: unknown): StackSummary {
  const err = e as { stderr?: string; message: string };
  const text = (err.stderr || err.message).trim().split("\n").slice(-15).join("\n");
  return { stack, add: [], change: [], destroy: [], replace: [], error: text };
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
  // Every init first, one at a time; then the plans, in parallel. With a shared
  // plugin cache an init can remove and re-create the cache entry: two inits at
  // once failed with "mkdir ...: file exists", and a plan or apply beside an init
  // with "no package ... cached in .terraform/providers".
  const results: StackSummary[] = [];
  const stacks: string[] = [];
  for (const stack of readdirSync(stacksDir).sort()) {
    try {
      await terraformIn(join(stacksDir, stack))("init", "-input=false", "-no-color");
      stacks.push(stack);
    } catch (e) {
      results.push(failure(stack, e));
    }
  }
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
