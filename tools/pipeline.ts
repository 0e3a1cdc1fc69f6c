/**
 * `npm run pipeline -- github [options]`: writes the GitHub Actions workflow that
 * synthesizes, gates, plans and applies the map's affected stacks
 * (tools/pipeline-github.ts) into .github/workflows/<name>.yml, or with --check
 * fails when the file there is not what the map gives.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap } from "../config/load";
import { type Command, CommandError, parseCommandLine, runCommand, UsageError } from "./cli";
import { githubWorkflow, PipelineUsageError } from "./pipeline-github";

const SYNOPSIS = "npm run pipeline -- github [--map FILE] [--name NAME] [--branch BRANCH] [--role ACCOUNT/role/ROLE] [--repo OWNER/REPO] [--write-to DIR] [--check]";

const COMMAND: Command = {
  name: "pipeline",
  synopsis: SYNOPSIS,
  help: `usage: ${SYNOPSIS}

Writes the GitHub Actions workflow for the account map into DIR/NAME.yml: on a
pull request it synthesizes, gates access against the base (the access diff in
the job summary) and plans the affected stacks; on a push to BRANCH it applies
each affected stack in a job of its own, in the NAME-approval environment when
the change widens access and NAME-apply otherwise. Plan and apply jobs assume
the map's deploy role (a role trusting github/OWNER/REPO@env:NAME-plan,
@env:NAME-apply and @env:NAME-approval) with GitHub's OIDC token.

  --map FILE        the account map (default: $ACCOUNT_MAP or ${DEFAULT_MAP}); the workflow reads the same path
  --name NAME       workflow name and file name, prefix of its environments (default: accounts)
  --branch BRANCH   the main branch (default: main)
  --role REF        the deploy role, when several roles trust GitHub workflows
  --repo OWNER/REPO the repository, when the deploy role trusts several
  --write-to DIR    where the workflow goes (default: .github/workflows)
  --check           write nothing; exit 1 when DIR/NAME.yml differs from what the map gives
  -h, --help        this text
`,
};

const OPTIONS = {
  map: { type: "string" },
  name: { type: "string" },
  branch: { type: "string" },
  role: { type: "string" },
  repo: { type: "string" },
  "write-to": { type: "string" },
  check: { type: "boolean" },
} as const;

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  if (positionals.length !== 1 || positionals[0] !== "github") throw new UsageError(positionals.length === 0 ? "name the pipeline engine (github)" : `unknown pipeline ${positionals.join(" ")} (github is the one there is)`);
  const name = values.name ?? "accounts";
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) throw new UsageError(`--name ${name}: 1 to 40 lowercase letters, digits and -`);
  const branch = values.branch ?? "main";
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) throw new UsageError(`--branch ${branch}: letters, digits and . _ / -`);
  const mapPath = values.map ?? (process.env.ACCOUNT_MAP || DEFAULT_MAP);
  const { model } = await loadAccountMap(mapPath);
  let text: string;
  try {
    text = githubWorkflow(model, { name, mapPath, branch, ...(values.role ? { role: values.role } : {}), ...(values.repo ? { repo: values.repo } : {}) });
  } catch (e) {
    if (e instanceof PipelineUsageError) throw new UsageError(e.message);
    throw e;
  }
  const file = join(values["write-to"] ?? ".github/workflows", `${name}.yml`);
  if (values.check) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) throw new CommandError(`${file} is not what ${mapPath} gives: regenerate it with npm run pipeline -- github${process.argv.slice(2).filter((a) => a !== "github" && a !== "--check").map((a) => ` ${a}`).join("")}`);
    process.stdout.write(`pipeline: ${file} is up to date\n`);
    return 0;
  }
  mkdirSync(values["write-to"] ?? ".github/workflows", { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`pipeline: wrote ${file}\n`);
  return 0;
}

runCommand(COMMAND, async () => {
  try {
    return await main();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
});
