/**
 * `npm run retire -- <account> [--out DIR] [--from-state --role-arn ARN --region R] [--yes]`:
 * destroys the stack of an account that left the map but is still deployed (its
 * state holds resources), wherever the map's state block keeps it (local files
 * beside DIR, or the S3 bucket: tools/deployed-states.ts). From the last git
 * revision of the map that held the account: that revision is synthesized beside
 * the output folder (`<DIR>.retire/`) with the current map's backend, so it shares
 * the stack's state. From the state alone, when no revision holds the account or
 * with `--from-state`: a stack with the same backend, the aws providers the state
 * names and no resources (stacks/state-stack.ts), so a destroy plan removes
 * everything the state holds; the state does not record how to reach the account,
 * so `--role-arn` (the deploy role) and `--region` (the home region) say it.
 * Either way it is planned with `-destroy` and what goes is printed; only with
 * `--yes` is the plan applied. The halves that other stacks wrote for it are
 * removed by their own next deploy: the current map no longer writes them.
 * `state.backend: cloud` is refused: HCP Terraform workspaces are not read.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { App } from "cdktf";
import { synthesizeModel } from "../app";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap, loadAccountMapText } from "../config/load";
import type { Model } from "../config/model";
import { stateLocation } from "../stacks/backend";
import { StateStack } from "../stacks/state-stack";
import { type Command, CommandError, parseCommandLine, requireAwsCredentials, runCommand, UsageError } from "./cli";
import { findOrphans } from "./deployed-states";
import { mapHistory } from "./git";
import { firstTerraformError } from "./plan-summary";
import { providersForState, renderOrphans, retireFromStateProblems, retireOptionsProblem, roleArnAccount } from "./retire-plan";

const run = promisify(execFile);

const SYNOPSIS = "npm run retire -- <account> [--out DIR] [--from-state --role-arn ARN --region REGION] [--yes]";

const COMMAND: Command = {
  name: "retire",
  synopsis: SYNOPSIS,
  help: `usage: ${SYNOPSIS}

Destroys the stack of an account that is no longer in the map but still deployed
(npm run plan names such stacks), from the last git revision of the map that held
the account, or from its state alone when no revision holds it. Shows what goes;
destroys only with --yes. The other stacks' halves that named the account go with
their own next deploy (npm run deploy).

  account         the stack to retire
  --out DIR       the output folder; local state files are beside it (default: cdktf.out)
  --from-state    destroy what the state holds, without rebuilding the stack from a
                  revision of the map (the default when no revision declares the account)
  --role-arn ARN  from the state: the role to assume in the account (its deploy role)
  --region R      from the state: the account's home region (its other regions' providers
                  are named after their region in the state)
  --yes           destroy, after showing what goes (without it nothing is changed)
  -h, --help      this text

The state is where the current map's state block keeps it: local files beside
DIR, or with state.backend s3 the map's bucket (key <account>/terraform.tfstate).
state.backend cloud is not supported: destroy in the HCP Terraform workspace.
Needs the credentials deploy needs (README, "Deploying for real").
`,
};

const OPTIONS = { out: { type: "string" }, yes: { type: "boolean" }, "from-state": { type: "boolean" }, "role-arn": { type: "string" }, region: { type: "string" } } as const;

/** The newest revision of the map (committed; the working copy is the current map) whose model declares `account`. */
async function lastRevisionWith(mapFile: string, account: string): Promise<{ revision: string; model: Model } | undefined> {
  for (const { revision, text } of mapHistory(mapFile)) {
    try {
      const { model } = await loadAccountMapText(text, `${mapFile}@${revision.slice(0, 12)}`);
      if (model.accounts.some((a) => a.name === account)) return { revision, model };
    } catch (e) {
      // A revision this version of the program refuses cannot be synthesized: look further back.
      if (!(e instanceof ConfigError)) throw e;
    }
  }
  return undefined;
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name the account to retire" : `retire one account at a time, not ${positionals.length}`);
  const [account] = positionals;
  const outdir = values.out ?? "cdktf.out";
  const mapFile = process.env.ACCOUNT_MAP || DEFAULT_MAP;
  const localEndpoint = process.env.LOCAL_AWS_ENDPOINT || undefined;
  let current: Model;
  try {
    ({ model: current } = await loadAccountMap(mapFile));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (current.accounts.some((a) => a.name === account)) throw new UsageError(`${account} is still in ${mapFile}: remove it from the map first (retire destroys only stacks of accounts that left it)`);
  if (!values["from-state"] && (values["role-arn"] !== undefined || values.region !== undefined)) throw new UsageError("--role-arn and --region go with --from-state");
  if (current.state.backend === "cloud") throw new CommandError(`${account}: state.backend cloud is not supported: retire reads no HCP Terraform workspace; destroy workspace ${current.state.workspacePrefix}${account} in HCP Terraform (queue a destroy run there)`);
  // Reading the bucket's state needs credentials already.
  if (current.state.backend === "s3") requireAwsCredentials();
  const search = await findOrphans({ model: current, mapFile, outdir, named: account, localEndpoint });
  if (search.problems.length > 0) throw new CommandError(search.problems.join("\n"));
  const orphan = search.orphans.find((o) => o.stack === account);
  if (!orphan) {
    const where = current.state.backend === "local" ? join(dirname(resolve(outdir)), `terraform.${account}.tfstate`) : stateLocation(current.state, account);
    const others = search.orphans.map((o) => o.stack);
    throw new CommandError(`${account}: no deployed stack to retire: no state with resources at ${where} (${others.length > 0 ? `deployed but not in the map: ${others.join(", ")}` : "no deployed stack is missing from the map"})`);
  }

  // A revision that rebuilds the stack, unless the user asks for the state alone.
  const found = values["from-state"] ? undefined : await lastRevisionWith(mapFile, account);
  const fromState = found === undefined;
  if (fromState && (values["role-arn"] === undefined || values.region === undefined)) {
    const why = values["from-state"] ? "from the state alone" : `no git revision of ${mapFile} declares ${account}, so only its state can say what to destroy`;
    throw new UsageError(`${account}: ${why}; the state does not record how to reach the account: give --from-state --role-arn arn:aws:iam::<account id>:role/<deploy role> --region <home region>`);
  }
  const badOption = fromState ? retireOptionsProblem(values["role-arn"]!, values.region!) : undefined;
  if (badOption) throw new UsageError(badOption);

  // Beside the output folder, so that a local stack's relative state path names the same state file.
  const retireOut = `${resolve(outdir)}.retire`;
  rmSync(retireOut, { recursive: true, force: true });
  let accountId: string;
  let origin: string;
  if (found) {
    const old = found.model.accounts.find((a) => a.name === account)!;
    accountId = old.id;
    requireAwsCredentials([{ stack: account, roleArn: old.deployRoleArn }]);
    // The current map's backend: that is where the state was found (the old revision may predate a move to S3).
    synthesizeModel({ ...found.model, state: current.state }, { outdir: retireOut, localEndpoint });
    origin = `rebuilt from ${mapFile} at ${found.revision.slice(0, 12)}, the last revision that declares it`;
  } else {
    const roleArn = values["role-arn"]!;
    const region = values.region!;
    const { providers, problems } = providersForState(account, search.states.find((s) => s.stack === account)!.state, region);
    const refused = retireFromStateProblems(account, roleArn, orphan.accountId, problems);
    if (refused.length > 0) throw new CommandError(refused.join("\n"));
    accountId = roleArnAccount(roleArn)!;
    requireAwsCredentials([{ stack: account, roleArn }]);
    const app = new App({ outdir: retireOut });
    new StateStack(app, account, { state: current.state, localEndpoint, providers, roleArn, accountId });
    app.synth();
    origin = `from its state alone (${orphan.file}): a configuration with its backend, ${providers.length} aws provider${providers.length === 1 ? "" : "s"} assuming ${roleArn}, and no resources`;
  }
  const dir = join(retireOut, "stacks", account);
  const tf = (...args: string[]) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
  const fail = (what: string) => (e: unknown): never => {
    const err = e as { stderr?: string; stdout?: string; code?: unknown; message: string };
    if (err.code === "ENOENT") throw new CommandError("terraform is not on PATH (install Terraform 1.10 or later)");
    throw new CommandError(`${account}: terraform ${what} failed:\n${firstTerraformError(`${err.stderr ?? ""}\n${err.stdout ?? ""}` || err.message)}`);
  };
  process.stdout.write(`${renderOrphans([orphan])}\n`);
  process.stdout.write(`retire: ${account}: ${origin}\n`);
  await tf("init", "-input=false", "-no-color").catch(fail("init"));
  await tf("plan", "-destroy", "-input=false", "-no-color", "-lock-timeout=60s", "-out=retire.tfplan").catch(fail("plan -destroy"));
  const plan = JSON.parse((await tf("show", "-json", "retire.tfplan").catch(fail("show"))).stdout) as { resource_changes?: { address: string; change: { actions: string[] } }[] };
  const goes = (plan.resource_changes ?? []).filter((r) => r.change.actions.includes("delete")).map((r) => r.address);
  process.stdout.write(`What goes (${goes.length} resource${goes.length === 1 ? "" : "s"} in account ${accountId}):\n${goes.map((a) => `  - ${a}`).join("\n")}\n`);
  if (!values.yes) {
    process.stdout.write(`retire: nothing destroyed; run again with --yes to destroy these.\n`);
    return 0;
  }
  await tf("apply", "-input=false", "-no-color", "-lock-timeout=60s", "retire.tfplan").catch(fail("apply"));
  rmSync(retireOut, { recursive: true, force: true });
  process.stdout.write(`retire: ${account}: destroyed ${goes.length} resource${goes.length === 1 ? "" : "s"}.${orphan.namedBy.length > 0 ? ` Deploy ${[...new Set(orphan.namedBy.map((g) => g.stack))].join(", ")} to remove the halves that named it.` : ""}\n`);
  return 0;
}

runCommand(COMMAND, main);
