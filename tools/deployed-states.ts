/**
 * Reads the states of stacks that may be deployed, wherever the map's state block
 * keeps them, and finds the orphans among them (tools/retire-plan.ts): the local
 * backend's state files are all beside the output folder; the S3 backend's are
 * read through Terraform itself, four stacks at a time, each from a scratch stack
 * that holds only that stack's backend (stacks/state-stack.ts, the same backend
 * block the stack has): `terraform init` then `terraform state pull`, with no
 * provider to install (0.18 s and 0.16 s against the emulator). A bucket's
 * states are not listed: the candidates are the accounts of the map's earlier
 * revisions (git), the local state files' stacks, and an account the user names.
 */
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { App } from "cdktf";
import type { Model, StateBackend } from "../config/model";
import { byCodePoint } from "../config/order";
import { stateLocation } from "../stacks/backend";
import { StateStack } from "../stacks/state-stack";
import { mapHistory } from "./git";
import { accountsInMapText, localStates, type Orphan, orphanCandidates, orphanedStacks, orphanSearchUnsupported, type StackState, stateResources, type TerraformState } from "./retire-plan";
import { eachAtMost, type Terraform, terraformError, terraformIn } from "./terraform-stacks";

/** Stacks read at a time (no providers are installed, so inits do not race over a plugin cache). */
const PARALLEL = 4;

/** The remote states of `stacks` (S3 backend), each read with init + state pull in a scratch folder beside `outdir`; a state that cannot be read is a problem, named with where it is. */
export async function remoteStates(
  state: StateBackend,
  stacks: readonly string[],
  outdir: string,
  localEndpoint?: string,
  /** Runs Terraform in a folder (tests replace it). */
  terraformAt: (dir: string) => Terraform = terraformIn,
): Promise<{ states: StackState[]; problems: string[] }> {
  if (stacks.length === 0) return { states: [], problems: [] };
  const scratch = `${resolve(outdir)}.state`;
  rmSync(scratch, { recursive: true, force: true });
  const app = new App({ outdir: scratch });
  for (const stack of stacks) new StateStack(app, stack, { state, localEndpoint });
  app.synth();
  const states: StackState[] = [];
  const problems: string[] = [];
  await eachAtMost(stacks, PARALLEL, async (stack) => {
    const tf = terraformAt(join(scratch, "stacks", stack));
    try {
      await tf("init", "-input=false", "-no-color");
      const { stdout } = await tf("state", "pull");
      // An absent state object pulls as empty output or an empty state: not deployed.
      states.push({ stack, file: stateLocation(state, stack), state: stdout.trim() ? (JSON.parse(stdout) as TerraformState) : {} });
    } catch (e) {
      // Terraform missing too is a state not read, not a failed command: the access diff of a job without Terraform still reports.
      let why: string;
      try {
        why = terraformError(e);
      } catch (missing) {
        why = (missing as Error).message;
      }
      problems.push(`${stack}: cannot read its state at ${stateLocation(state, stack)}: ${why}`);
    }
  });
  rmSync(scratch, { recursive: true, force: true });
  return { states: states.sort((a, b) => byCodePoint(a.stack, b.stack)), problems: problems.sort(byCodePoint) };
}

export interface OrphanSearch {
  readonly orphans: Orphan[];
  /** States that could not be read (the orphans are then incomplete). */
  readonly problems: string[];
  /** Why orphans were not looked for at all (backend: cloud). */
  readonly unsupported?: string;
  /** Every state read (the orphans' among them). */
  readonly states: readonly StackState[];
}

/**
 * The deployed stacks that are not in `model`: with local state, every state file
 * beside `outdir`; with S3 state, the candidates (or only `named`), and when one
 * is deployed, the map's stacks too, for the grants that name it.
 */
export async function findOrphans(opts: { model: Model; mapFile: string; outdir: string; mapStacks?: readonly string[]; named?: string; localEndpoint?: string }): Promise<OrphanSearch> {
  const { model } = opts;
  const mapStacks = opts.mapStacks ?? model.accounts.map((a) => a.name);
  const unsupported = orphanSearchUnsupported(model.state);
  if (unsupported) return { orphans: [], problems: [], unsupported, states: [] };
  const local = localStates(opts.outdir);
  if (model.state.backend === "local") return { orphans: orphanedStacks(mapStacks, local), problems: [], states: local };
  const candidates = opts.named !== undefined ? [opts.named] : orphanCandidates(mapStacks, mapHistory(opts.mapFile).map((r) => accountsInMapText(r.text)), local.map((s) => s.stack));
  const found = await remoteStates(model.state, candidates, opts.outdir, opts.localEndpoint);
  const deployed = found.states.filter((s) => stateResources(s.state).length > 0);
  const others = deployed.length > 0 ? await remoteStates(model.state, mapStacks, opts.outdir, opts.localEndpoint) : { states: [], problems: [] };
  const states = [...found.states, ...others.states];
  return { orphans: orphanedStacks(mapStacks, states), problems: [...found.problems, ...others.problems], states };
}

/** The backend a synthesized stack was written with (`local`, `s3`, `cloud`), from its cdk.tf.json; undefined when there is none to read. */
export function synthesizedBackend(stacksDir: string, stack: string): string | undefined {
  try {
    const tf = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")) as { terraform?: { backend?: Record<string, unknown>; cloud?: unknown } };
    if (tf.terraform?.cloud !== undefined) return "cloud";
    return Object.keys(tf.terraform?.backend ?? {})[0];
  } catch {
    return undefined;
  }
}
