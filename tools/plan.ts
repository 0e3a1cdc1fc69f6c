/**
 * `npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]`: plans
 * synthesized stacks with Terraform, a few at a time (cdktf diff does one stack at
 * a time), and prints one table of adds, changes, destroys and replacements, with
 * the destructive changes spelled out and each failed plan's first error. Exits 1
 * when any plan fails, 2 on a bad command line. Uses whatever credentials and
 * Terraform configuration the environment provides (scripts/plan.sh sets up the
 * offline mirror when there is one), after checking that credentials exist at all.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { byCodePoint } from "../config/order";
import { type Command, CommandError, deployRolesOfStacks, parseCommandLine, positiveInteger, requireAwsCredentials, runCommand } from "./cli";
import { renderSummary, type StackSummary, summarizePlan } from "./plan-summary";
import { chooseStacks, initThenEach, Progress, type Terraform, terraformError } from "./terraform-stacks";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap } from "../config/load";
import { findOrphans, synthesizedBackend } from "./deployed-states";
import { localStates, orphanedStacks, renderOrphans, renderOrphanSearch } from "./retire-plan";

const COMMAND: Command = {
  name: "plan",
  synopsis: "npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]",
  help: `usage: npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]

Plans the synthesized stacks with Terraform (init one at a time, then plans in
parallel) and prints one table of adds, changes, destroys and replacements per
stack, the destroys and replacements by address, and the first Terraform error
of each stack that failed to plan. Exit status 1 when any plan fails. Then names
every stack that is deployed (its state holds resources) but no longer
synthesized, and the grants of other deployed stacks that name its account (npm
run retire destroys such a stack). With local state, the state files beside DIR;
with state.backend s3, the stacks of every git revision of the map (ACCOUNT_MAP,
default ${DEFAULT_MAP}) that the map no longer has, each read from the bucket
(one terraform init each; exit status 1 when one cannot be read); with
state.backend cloud they are not looked for, and the output says so.

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

const failure = (stack: string, error: string): StackSummary => ({ stack, add: [], change: [], destroy: [], replace: [], error });

async function planStack(stack: string, tf: Terraform): Promise<StackSummary> {
  try {
    await tf("plan", "-input=false", "-no-color", "-lock-timeout=60s", "-out=tfplan");
    const { stdout } = await tf("show", "-json", "tfplan");
    return summarizePlan(stack, JSON.parse(stdout));
  } catch (e) {
    return failure(stack, terraformError(e));
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  const parallel = values.parallel === undefined ? 2 : positiveInteger("--parallel", values.parallel);
  const outdir = values.out ?? "cdktf.out";
  const { stacksDir, stacks, available } = chooseStacks(outdir, values.out !== undefined, positionals);
  requireAwsCredentials(deployRolesOfStacks(stacksDir, stacks));

  const started = performance.now();
  const progress = new Progress(COMMAND.name, stacks.length);
  const results = await initThenEach(stacksDir, stacks, progress, parallel, { phase: "plan", run: planStack, failed: failure, ok: (r) => !r.error });
  progress.close((performance.now() - started) / 1000);
  process.stdout.write(`${renderSummary(results)}\n`);
  // Stacks deployed from an earlier map: their state is there, their account no longer is.
  let orphansFailed = false;
  if ((synthesizedBackend(stacksDir, available[0]) ?? "local") === "local") {
    const orphans = renderOrphans(orphanedStacks(available, localStates(outdir)));
    if (orphans) process.stdout.write(`\n${orphans}\n`);
  } else {
    // A remote backend: its bucket and the candidates come from the map and its history.
    const mapFile = process.env.ACCOUNT_MAP || DEFAULT_MAP;
    try {
      const { model } = await loadAccountMap(mapFile);
      const search = await findOrphans({ model, mapFile, outdir, mapStacks: available, localEndpoint: process.env.LOCAL_AWS_ENDPOINT || undefined });
      const text = renderOrphanSearch(search);
      if (text) process.stdout.write(`\n${text}\n`);
      orphansFailed = search.problems.length > 0;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`plan: deployed stacks no longer in the map were not looked for: the map does not load:\n${e.message}\n`);
      orphansFailed = true;
    }
  }
  if (values.json) {
    try {
      writeFileSync(values.json, `${JSON.stringify([...results].sort((a, b) => byCodePoint(a.stack, b.stack)), null, 2)}\n`);
    } catch (e) {
      throw new CommandError(`cannot write --json ${values.json}: ${(e as Error).message}`);
    }
  }
  return results.some((r) => r.error) || orphansFailed ? 1 : 0;
}

runCommand(COMMAND, main);
