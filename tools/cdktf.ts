/**
 * `npm run synth|diff|deploy|destroy`: the checks the cdktf CLI does not make,
 * before it runs (scripts/cdktf.sh, through scripts/cdktf.mjs).
 *
 * - The command line: cdktf ignores unknown options (`cdktf deploy --frobnicate`
 *   synthesizes and deploys) and reads a misspelt stack only after synthesizing.
 *   Here `--help` prints the options this project passes on, an unknown option or
 *   a bad value is one line and exit 2, and stack names are checked against the map.
 * - The map: loaded and checked first, so a bad one is reported once as
 *   `file:line:col path: message` lines, exit 1, instead of twice inside cdktf's
 *   error, and nothing is written to the output folder.
 * - Credentials (diff, deploy, destroy): without any, says what to set, exit 1,
 *   before cdktf runs Terraform (see tools/cli.ts: environment and files only).
 * - Logs: when stdout is not a terminal, cdktf runs with CI=true, which stops its
 *   spinner from writing a frame per line (deploy and destroy only with
 *   --auto-approve: cdktf's approval prompt is not drawn under CI).
 *
 * Other cdktf commands (get, list, ...) pass through unchecked.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap } from "../config/load";
import { byCodePoint } from "../config/order";
import { planWithinLimits } from "../policies/limits";
import { type Command, type DeployRole, deployRolesOfStacks, parseCommandLine, positiveInteger, requireAwsCredentials, runCommand, UsageError } from "./cli";

type Name = "synth" | "diff" | "deploy" | "destroy";

/** cdktf's options that this project passes on, with cdktf's own wording (shortened). */
const OPTION_HELP: Record<string, [string, string]> = {
  output: ["-o, --output DIR", "output folder for the synthesized stacks (default: cdktf.out)"],
  hcl: ["--hcl", "write HCL instead of JSON"],
  "auto-approve": ["--auto-approve", "apply without asking"],
  "outputs-file": ["--outputs-file FILE", "write the stacks' outputs to FILE as JSON"],
  "outputs-file-include-sensitive-outputs": ["--outputs-file-include-sensitive-outputs", "include sensitive outputs in that file"],
  "ignore-missing-stack-dependencies": ["--ignore-missing-stack-dependencies", "(stacks here have none)"],
  parallelism: ["--parallelism N", "stacks at a time (default: all)"],
  "refresh-only": ["--refresh-only", "only check whether remote objects still match the state"],
  "terraform-parallelism": ["--terraform-parallelism N", "Terraform's -parallelism"],
  var: ["--var NAME=VALUE", "an input variable (repeatable; the stacks declare none)"],
  "var-file": ["--var-file FILE", "a variables file (repeatable)"],
  "no-color": ["--no-color", "no terminal colours"],
  "migrate-state": ["--migrate-state", "approve a state migration after changing the state backend"],
  "skip-synth": ["--skip-synth", "use the output folder as it is, without synthesizing"],
  "skip-provider-lock": ["--skip-provider-lock", "do not run terraform providers lock (added automatically with the offline mirror)"],
};

const flag = { type: "boolean" } as const;
const text = { type: "string" } as const;
const many = { type: "string", multiple: true } as const;
const run = {
  "refresh-only": flag,
  "terraform-parallelism": text,
  var: many,
  "var-file": many,
  "no-color": flag,
  "migrate-state": flag,
  "skip-synth": flag,
  "skip-provider-lock": flag,
} as const;

const OPTIONS = {
  synth: { output: { ...text, short: "o" }, hcl: flag },
  diff: { output: { ...text, short: "o" }, ...run },
  deploy: {
    output: { ...text, short: "o" },
    "auto-approve": flag,
    "outputs-file": text,
    "outputs-file-include-sensitive-outputs": flag,
    "ignore-missing-stack-dependencies": flag,
    parallelism: text,
    ...run,
  },
  destroy: { output: { ...text, short: "o" }, "auto-approve": flag, "ignore-missing-stack-dependencies": flag, parallelism: text, ...run },
} as const;

const SYNOPSIS: Record<Name, string> = {
  synth: "npm run synth [-- --output DIR] [--hcl]",
  diff: "npm run diff -- <stack> [options]",
  deploy: "npm run deploy -- <stack...|'*'> [options]",
  destroy: "npm run destroy -- <stack...|'*'> [options]",
};

const WHAT: Record<Name, string> = {
  synth: "Synthesizes the account map (config/accounts.yaml, or the file ACCOUNT_MAP names) into\none Terraform stack per account in cdktf.out/stacks/, with cdktf synth. A bad map\nprints every problem as file:line:col path: message, exit 1, and writes nothing.\nStacks whose inputs did not change since the last synth into the folder are kept,\nnot built (cdktf.out/synth-cache.json); SYNTH_COLD=1 builds every stack.",
  diff: "Synthesizes, then shows the Terraform plan of one stack, with cdktf diff\n(npm run plan plans every stack at once, with one summary).",
  deploy: "Synthesizes, then applies the named stacks ('*' for all), with cdktf deploy.",
  destroy: "Synthesizes, then destroys the named stacks ('*' for all), with cdktf destroy.",
};

const CREDENTIALS_HELP =
  '\nNeeds AWS credentials of the identity you deploy from: AWS_PROFILE, or AWS_ACCESS_KEY_ID and\nAWS_SECRET_ACCESS_KEY; each stack assumes its account\'s deploy role (README, "Deploying for real").\nOn EC2 with an instance profile, set AWS_CREDENTIALS_CHECK=off (it cannot be detected offline).\n';

function command(name: Name): Command {
  const rows = Object.keys(OPTIONS[name]).map((k) => OPTION_HELP[k]);
  const width = Math.max(...rows.map(([f]) => f.length));
  const help = [
    `usage: ${SYNOPSIS[name]}`,
    "",
    WHAT[name],
    "",
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    `  ${"-h, --help".padEnd(width)}  this text`,
    name === "synth" ? "" : CREDENTIALS_HELP,
    `cdktf's own description of the command: npx cdktf ${name} --help.`,
  ].join("\n");
  return { name, synopsis: SYNOPSIS[name], help };
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** Stack names and globs (cdktf takes `'*'`, `'prod*'`) must each name at least one stack. */
function checkStacks(name: Name, requested: readonly string[], stacks: readonly string[], where: string): void {
  const list = stacks.length <= 20 ? stacks.join(", ") : `${stacks.slice(0, 20).join(", ")}, ... (${stacks.length.toLocaleString("en-US")} in all)`;
  if (name === "synth") {
    if (requested.length > 0) throw new UsageError(`takes no stack names (it writes every stack), not ${JSON.stringify(requested[0])}`);
    return;
  }
  if (name === "diff" && requested.length > 1) throw new UsageError(`diff shows one stack at a time (npm run plan plans several), not ${requested.length}`);
  if (requested.length === 0 && stacks.length > 1) throw new UsageError(`name the stack${name === "diff" ? "" : "s, or '*' for all,"} to ${name} (${where}: ${list})`);
  const unknown = requested.filter((r) => !stacks.some((s) => globToRegExp(r).test(s)));
  if (unknown.length > 0) throw new UsageError(`unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => JSON.stringify(s)).join(", ")} (${where}: ${list})`);
}

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

async function main(name: Name, argv: readonly string[]): Promise<number> {
  const cmd = command(name);
  const { values, positionals } = parseCommandLine(cmd, OPTIONS[name], argv) as { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };
  for (const option of ["parallelism", "terraform-parallelism"]) {
    if (typeof values[option] === "string") positiveInteger(`--${option}`, values[option] as string);
  }
  const output = (values.output as string | undefined) ?? "cdktf.out";

  // The stacks and their deploy roles: from the map, or with --skip-synth from the output folder.
  let stacks: string[];
  let roles: DeployRole[];
  let mapProblems: string | undefined;
  let where: string;
  if (values["skip-synth"]) {
    const dir = join(output, "stacks");
    stacks = isDir(dir) ? readdirSync(dir).filter((s) => isDir(join(dir, s))).sort(byCodePoint) : [];
    if (stacks.length === 0) throw new UsageError(`--skip-synth: no stacks in ${dir}; run npm run synth first`);
    roles = deployRolesOfStacks(dir, stacks);
    where = `stacks in ${output}`;
  } else {
    const file = process.env.ACCOUNT_MAP || DEFAULT_MAP;
    where = `accounts in ${file}`;
    try {
      const { model } = await loadAccountMap(file);
      planWithinLimits(model);
      stacks = model.accounts.map((a) => a.name).sort(byCodePoint);
      roles = model.accounts.map((a) => ({ stack: a.name, roleArn: a.deployRoleArn }));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      mapProblems = e.message;
      stacks = [];
      roles = [];
    }
  }
  if (!mapProblems) checkStacks(name, positionals, stacks, where);
  else if (name === "synth") checkStacks(name, positionals, [], where);
  const chosen = positionals.length === 0 ? roles : roles.filter((r) => positionals.some((p) => globToRegExp(p).test(r.stack)));
  if (name !== "synth") requireAwsCredentials(chosen);
  if (mapProblems) {
    process.stderr.write(`${mapProblems}\n`);
    return 1;
  }

  const env = { ...process.env };
  if (!process.stdout.isTTY && !env.CI && (name === "synth" || name === "diff" || values["auto-approve"])) env.CI = "true";
  return runCdktf([name, ...argv], env);
}

/** Runs the cdktf CLI with stdio inherited; its exit status is ours. */
export function runCdktf(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const bin = join(__dirname, "..", "node_modules", ".bin", "cdktf");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: "inherit", env });
    // Ctrl-C reaches cdktf through the terminal's process group; a TERM or HUP sent to us alone is passed on.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (["SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    process.on("SIGINT", () => undefined);
    child.on("error", (e) => reject(new Error(`cannot run ${bin}: ${e.message} (npm ci installs it)`)));
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15)));
  });
}

const [name, ...rest] = process.argv.slice(2);
if (name === "synth" || name === "diff" || name === "deploy" || name === "destroy") runCommand(command(name), () => main(name, rest));
else runCdktf(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => (process.stderr.write(`cdktf: ${e.message}\n`), process.exit(1)));
