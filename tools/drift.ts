/**
 * `npm run drift [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]`: for
 * every synthesized stack that is deployed (its state holds resources), plans it
 * with Terraform and prints one table of what changed outside Terraform, resource
 * by resource, with the policy statements added and removed
 * (tools/drift-report.ts). Exit 0 without drift, 2 with drift, 1 when a stack
 * fails to plan or none is deployed. A bad command line is exit 2 as in every
 * command, told apart by its one line on stderr ending in the usage. Meant to run
 * on a schedule (README, "Drift").
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { byCodePoint } from "../config/order";
import { type Command, CommandError, deployRolesOfStacks, parseCommandLine, positiveInteger, requireAwsCredentials, runCommand } from "./cli";
import { driftExitCode, driftOfPlan, renderDrift, type StackDrift } from "./drift-report";
import { chooseStacks, initThenEach, Progress, type Terraform, terraformError } from "./terraform-stacks";

const COMMAND: Command = {
  name: "drift",
  synopsis: "npm run drift [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]",
  help: `usage: npm run drift [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]

For every deployed stack (one whose state holds resources), refreshes and plans
it with Terraform and prints one table of what changed outside Terraform,
resource by resource: what was edited or removed, inline policies and policy
attachments added by hand, and the policy statements added and removed. Only
what the next deploy would put back is drift; stacks without state are named
and skipped. Nothing is changed, in AWS or in the state.

  stack...        check only these stacks (default: every stack in DIR/stacks)
  --out DIR       the synthesized output folder (default: cdktf.out)
  --parallel N    plans at a time, a positive integer (default: 2)
  --json FILE     also write the result as JSON to FILE
  -h, --help      this text

Exit status: 0 no drift, 2 drift, 1 a stack failed to plan or no stack is
deployed. Needs AWS credentials, as npm run plan does (README, "Deploying for real").
`,
};

const OPTIONS = {
  out: { type: "string" },
  parallel: { type: "string" },
  json: { type: "string" },
} as const;

type Outcome = StackDrift | { readonly stack: string; readonly notDeployed: true };

const failure = (stack: string, error: string): StackDrift => ({ stack, drifted: [], readBack: [], pending: [], error });

async function driftOfStack(stack: string, tf: Terraform): Promise<Outcome> {
  try {
    // A stack never applied has no state file; one destroyed has a state without resources.
    const listed = await tf("state", "list", "-no-color").catch((e: { stderr?: string; stdout?: string }) => {
      if (/No state file was found/.test(`${e.stderr ?? ""}${e.stdout ?? ""}`)) return { stdout: "" };
      throw e;
    });
    if (listed.stdout.trim() === "") return { stack, notDeployed: true };
    // One normal plan: its JSON holds the refresh (resource_drift, as a -refresh-only plan reports it)
    // and what the next apply would change back (resource_changes), from one read of every resource.
    await tf("plan", "-input=false", "-no-color", "-lock-timeout=60s", "-out=drift.tfplan");
    const { stdout } = await tf("show", "-json", "drift.tfplan");
    return driftOfPlan(stack, JSON.parse(stdout));
  } catch (e) {
    return failure(stack, terraformError(e));
  }
}

const isDrift = (o: Outcome): o is StackDrift => !("notDeployed" in o);

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  const parallel = values.parallel === undefined ? 2 : positiveInteger("--parallel", values.parallel);
  const { stacksDir, stacks } = chooseStacks(values.out ?? "cdktf.out", values.out !== undefined, positionals);
  requireAwsCredentials(deployRolesOfStacks(stacksDir, stacks));

  const started = performance.now();
  const progress = new Progress(COMMAND.name, stacks.length);
  const outcomes = await initThenEach<Outcome>(stacksDir, stacks, progress, parallel, {
    phase: "plan",
    run: driftOfStack,
    failed: failure,
    ok: (o) => !isDrift(o) || !o.error,
    what: (o) => (!isDrift(o) ? "not deployed" : o.error ? "failed" : o.drifted.length ? "drifted" : "no drift"),
  });
  progress.close((performance.now() - started) / 1000);
  const checked = outcomes.filter(isDrift).sort((a, b) => byCodePoint(a.stack, b.stack));
  const notDeployed = outcomes
    .filter((o) => !isDrift(o))
    .map((o) => o.stack)
    .sort(byCodePoint);
  if (values.json) {
    try {
      writeFileSync(values.json, `${JSON.stringify({ stacks: checked, notDeployed }, null, 2)}\n`);
    } catch (e) {
      throw new CommandError(`cannot write --json ${values.json}: ${(e as Error).message}`);
    }
  }
  const skipped = notDeployed.length ? `Not deployed (no resources in state), not checked: ${notDeployed.join(", ")}.` : "";
  if (checked.length === 0) throw new CommandError(`no deployed stack to check among ${stacks.join(", ")}: none has resources in its state (deploy first, or check the state backend)`);
  process.stdout.write(`${[renderDrift(checked), skipped].filter(Boolean).join("\n")}\n`);
  return driftExitCode(checked);
}

runCommand(COMMAND, main);
