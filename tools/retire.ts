/**
 * `npm run retire -- <account> [--out DIR] [--yes]`: destroys the stack of an
 * account that left the map but is still deployed (its state holds resources),
 * from the last git revision of the map that held the account: that revision is
 * synthesized beside the output folder (`<DIR>.retire/`, sharing the stack's
 * state), planned with `-destroy`, and what goes is printed. Only with `--yes` is
 * the plan applied. The halves that other stacks wrote for it (a group's
 * assume-role statement, a bucket grant) are removed by their own next deploy:
 * the current map no longer writes them. Local state only (the state files beside
 * DIR); with `state.backend: s3` use `cdktf destroy` from a checkout of that revision.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { synthesizeModel } from "../app";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap, loadAccountMapText } from "../config/load";
import type { Model } from "../config/model";
import { type Command, CommandError, parseCommandLine, requireAwsCredentials, runCommand, UsageError } from "./cli";
import { firstTerraformError } from "./plan-summary";
import { localStates, orphanedStacks, renderOrphans } from "./retire-plan";

const run = promisify(execFile);

const COMMAND: Command = {
  name: "retire",
  synopsis: "npm run retire -- <account> [--out DIR] [--yes]",
  help: `usage: npm run retire -- <account> [--out DIR] [--yes]

Destroys the stack of an account that is no longer in the map but still deployed
(npm run plan names such stacks), from the last git revision of the map that held
the account. Shows what goes; destroys only with --yes. The other stacks' halves
that named the account go with their own next deploy (npm run deploy).

  account         the stack to retire
  --out DIR       the output folder whose state files (beside it) hold the stack's state (default: cdktf.out)
  --yes           destroy, after showing what goes (without it nothing is changed)
  -h, --help      this text

Needs the credentials deploy needs (README, "Deploying for real"). Only the local
state backend (state files beside DIR).
`,
};

const OPTIONS = { out: { type: "string" }, yes: { type: "boolean" } } as const;

const git = (cwd: string, ...args: string[]) => run("git", args, { cwd, maxBuffer: 256 * 1024 * 1024 });

/** The newest revision of the map (committed; the working copy is the current map) whose model declares `account`. */
async function lastRevisionWith(mapFile: string, account: string): Promise<{ revision: string; model: Model } | undefined> {
  const dir = dirname(resolve(mapFile));
  const file = basename(mapFile);
  let revisions: string[];
  try {
    revisions = (await git(dir, "log", "--format=%H", "--", file)).stdout.split("\n").filter(Boolean);
  } catch {
    return undefined;
  }
  for (const revision of revisions) {
    let text: string;
    try {
      text = (await git(dir, "show", `${revision}:./${file}`)).stdout;
    } catch {
      continue;
    }
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
  const orphans = orphanedStacks(current.accounts.map((a) => a.name), localStates(outdir));
  const orphan = orphans.find((o) => o.stack === account);
  if (!orphan) {
    const others = orphans.map((o) => o.stack);
    throw new CommandError(`${account}: no deployed stack to retire: no state with resources at ${join(dirname(resolve(outdir)), `terraform.${account}.tfstate`)} (${others.length > 0 ? `deployed but not in the map: ${others.join(", ")}` : "no deployed stack is missing from the map"})`);
  }
  const found = await lastRevisionWith(mapFile, account);
  if (!found) throw new CommandError(`${account}: no git revision of ${mapFile} declares it, so its stack cannot be rebuilt to destroy it; check out a revision that has it and run npm run destroy -- ${account} there`);
  const old = found.model.accounts.find((a) => a.name === account)!;
  requireAwsCredentials([{ stack: account, roleArn: old.deployRoleArn }]);

  // Beside the output folder, so that the stack's relative state path names the same state file.
  const retireOut = `${resolve(outdir)}.retire`;
  rmSync(retireOut, { recursive: true, force: true });
  synthesizeModel(found.model, { outdir: retireOut, localEndpoint: process.env.LOCAL_AWS_ENDPOINT || undefined });
  const dir = join(retireOut, "stacks", account);
  const tf = (...args: string[]) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
  const fail = (what: string) => (e: unknown): never => {
    const err = e as { stderr?: string; stdout?: string; code?: unknown; message: string };
    if (err.code === "ENOENT") throw new CommandError("terraform is not on PATH (install Terraform 1.10 or later)");
    throw new CommandError(`${account}: terraform ${what} failed:\n${firstTerraformError(`${err.stderr ?? ""}\n${err.stdout ?? ""}` || err.message)}`);
  };
  process.stdout.write(`${renderOrphans([orphan])}\n`);
  process.stdout.write(`retire: ${account}: rebuilt from ${mapFile} at ${found.revision.slice(0, 12)}, the last revision that declares it\n`);
  await tf("init", "-input=false", "-no-color").catch(fail("init"));
  await tf("plan", "-destroy", "-input=false", "-no-color", "-lock-timeout=60s", "-out=retire.tfplan").catch(fail("plan -destroy"));
  const plan = JSON.parse((await tf("show", "-json", "retire.tfplan").catch(fail("show"))).stdout) as { resource_changes?: { address: string; change: { actions: string[] } }[] };
  const goes = (plan.resource_changes ?? []).filter((r) => r.change.actions.includes("delete")).map((r) => r.address);
  process.stdout.write(`What goes (${goes.length} resource${goes.length === 1 ? "" : "s"} in account ${old.id}):\n${goes.map((a) => `  - ${a}`).join("\n")}\n`);
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
