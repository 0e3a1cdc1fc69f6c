/**
 * `npm run affected -- <git-ref> [--map FILE] [--json | --matrix]`: which stacks a
 * change of the map touches. Reads the map at the revision and the working
 * tree's, synthesizes (in this process, into temporary folders) the stacks whose
 * inputs differ (tools/affected-synth.ts), compares their JSON and lists each
 * stack as added, changed, removed or unchanged, with the grants and resources
 * that changed it (tools/affected-stacks.ts).
 */
import { appendFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { ConfigError } from "../config/errors";
import { DEFAULT_MAP, loadAccountMap, loadAccountMapText } from "../config/load";
import type { Model } from "../config/model";
import { compareStacks, renderAffected, renderAffectedJson, renderMatrixOutputs } from "./affected-stacks";
import { affectedSides, RevisionMapError } from "./affected-synth";
import { type Command, CommandError, parseCommandLine, runCommand, UsageError } from "./cli";
import { mapAtRevision } from "./git";

const SYNOPSIS = "npm run affected -- <git-ref> [--map FILE] [--json | --matrix] [--report FILE]";

const COMMAND: Command = {
  name: "affected",
  synopsis: SYNOPSIS,
  help: `usage: ${SYNOPSIS}

Synthesizes the account map at <git-ref> (read with git show, nothing checked
out) and the working tree's, compares the stacks and lists each one as added,
changed, removed (in the map at <git-ref>, not in the working tree's) or
unchanged, with the grants, entities and Terraform addresses that changed it.
Only the stacks whose inputs differ between the two maps are planned and
synthesized, so a map's quota problems are found only in those (npm run synth
finds them all); AFFECTED_COLD=1 synthesizes every stack of both.

  --map FILE   the account map (default: $ACCOUNT_MAP or ${DEFAULT_MAP})
  --json       the same as JSON, with the matrices
  --matrix     lines for $GITHUB_OUTPUT: count=<stacks to deploy>, chunks=<n>,
               matrix-<i>={"include":[{"stack":...}]} of at most 256 stacks each
               (GitHub's limit per matrix); added and changed stacks only
  --report FILE  also append the text report to FILE as Markdown (a job summary:
               $GITHUB_STEP_SUMMARY)
  -h, --help   this text

Exit status 0 (whatever changed), 1 when a map is invalid, 2 on a usage error.
`,
};

const OPTIONS = { map: { type: "string" }, json: { type: "boolean" }, matrix: { type: "boolean" }, report: { type: "string" } } as const;

const notValid = (ref: string, e: ConfigError) => new CommandError(`the map at ${ref} is not valid, so there is nothing to compare with:\n${e.message}`);

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name the git revision to compare with" : `one git revision, not ${positionals.length}`);
  if (values.json && values.matrix) throw new UsageError("--json and --matrix exclude each other");
  const [ref] = positionals;
  const map = values.map ?? (process.env.ACCOUNT_MAP || DEFAULT_MAP);
  const started = performance.now();
  const then = mapAtRevision(ref, map);
  const { model } = await loadAccountMap(map);
  let before: Model | undefined;
  if (then.text !== undefined) {
    try {
      before = (await loadAccountMapText(then.text, `${then.gitPath}@${ref}`, then.imports)).model;
    } catch (e) {
      throw e instanceof ConfigError ? notValid(ref, e) : e;
    }
  }
  let sides;
  try {
    sides = affectedSides(before, model, { cold: Boolean(process.env.AFFECTED_COLD) });
  } catch (e) {
    throw e instanceof RevisionMapError ? notValid(ref, e.error) : e;
  }
  const changes = compareStacks(sides.before, sides.after);
  const names = { map: then.gitPath, ref };
  if (values.report) appendFileSync(values.report, `## Affected stacks\n\n\`\`\`\n${renderAffected(changes, names)}\`\`\`\n`);
  process.stdout.write(values.json ? renderAffectedJson(changes, names) : values.matrix ? renderMatrixOutputs(changes) : renderAffected(changes, names));
  const synthesized = [...sides.before.values(), ...sides.after.values()].filter((s) => s.json !== undefined).length;
  process.stderr.write(`affected: ${changes.length} stacks compared in ${((performance.now() - started) / 1000).toFixed(1)} s (${synthesized} synthesized)\n`);
  return 0;
}

runCommand(COMMAND, async () => {
  try {
    return await main();
  } catch (e) {
    // A bad working-tree map: its located report as synth prints it, exit 1.
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
});
