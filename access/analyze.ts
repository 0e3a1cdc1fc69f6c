/**
 * The whole analysis of one synthesized output against the map it came from:
 * read the stacks, name callers and targets, evaluate both halves of every
 * candidate request, compare with the map's declared grants, run the denial
 * probes and lint the policies. Everything the report and the gate print comes
 * from here.
 */
import type { Model } from "../config/model";
import { candidatesOf } from "./candidates";
import { checkAccess } from "./check";
import { createEvaluator, type Evaluator } from "./evaluator";
import { intendedAccess } from "./intent";
import { entities, readInventory } from "./inventory";
import { lintStacks } from "./lint";
import { callersOf, targetsOf } from "./principals";
import { assignShards, evaluateShard, type Front, mergeShards, ownPart, type Reusable, type ShardResult, type TargetResult } from "./shards";
import type { Access, Finding, Inventory, Verdict } from "./types";

export interface Analysis extends Front {
  readonly access: readonly Access[];
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** Distinct requests the evaluators ran (with shards, each shard's own). */
  readonly evaluations: number;
  /** Each target's result under its key, in the front's order: what the next incremental check may reuse (access-cache.ts). */
  readonly results: readonly TargetResult[];
  /** How many targets were evaluated; the others' results were reused. */
  readonly evaluated: number;
}

/** One shard's share of the evaluation, to be run elsewhere (another thread: tools/access-worker.ts), which loads the map from its text. */
export interface ShardJob {
  readonly outdir: string;
  readonly shard: number;
  readonly shards: number;
  /** Previous results (of every target: the shard takes its own), to reuse where their key is unchanged. */
  readonly reuse?: readonly TargetResult[];
}

/** Runs shards 1 to `shards - 1` of an analysis elsewhere; shard 0 is evaluated where the analysis runs. */
export interface ShardRunner {
  /** How many shards to split a map of this many targets into. */
  shardsFor(targets: number): number;
  run(job: ShardJob): Promise<ShardResult>;
  /**
   * Work for this thread once its own shard is done, while the runner's threads
   * finish theirs (it would otherwise wait): what the caller needs of the front
   * after the analysis anyway. Called only when there are other threads.
   */
  meanwhile?(front: Front): void;
}

/**
 * Targets per thread, at least, counting those the stacks declare (roles and each
 * kind's resources; resources outside the stacks are not counted). The example
 * map's 8 targets take 0.8 s in one thread and over 2 s in two; the benchmark's
 * 100-account map has 1,162.
 */
export const TARGETS_PER_THREAD = 250;

/** Reads the stacks (unless given them) and names callers, targets, candidates and intents: what every shard computes alike. */
export async function frontOf(model: Model, outdir: string, evaluator: Evaluator, inventory: Inventory = readInventory(outdir)): Promise<Front> {
  const known = { externals: model.externals.map((e) => ({ name: e.name, id: e.id, externalId: e.externalId })), ...(model.organizationId ? { organizationId: model.organizationId } : {}) };
  const callers = callersOf(inventory, known);
  const targets = await targetsOf(inventory, evaluator);
  return { model, inventory, callers, targets, candidates: candidatesOf(callers, targets), intents: intendedAccess(model) };
}

/** Evaluates one shard of a job from scratch, for the map `model`: what a {@link ShardRunner} runs in its thread. */
export async function runShard(model: Model, job: ShardJob): Promise<ShardResult> {
  const evaluator = createEvaluator();
  const front = await frontOf(model, job.outdir, evaluator);
  const owner = assignShards(front, job.shards);
  // Only its own part is kept while it evaluates (the rest, the model too, is garbage then).
  return evaluateShard(ownPart(front, owner, job.shard), evaluator, owner, job.shard, new Map((job.reuse ?? []).map((r) => [r.target, r])));
}

/** The targets the stacks declare (roles and each kind's resources; resources outside the stacks are not counted): what the number of shards is chosen by. */
const declaredTargets = (inventory: Inventory): number => inventory.stacks.reduce((n, s) => n + s.roles.length + entities(s).length, 0);

/**
 * Analyzes the stacks in `outdir` (a `cdktf.out`) against `model`. `names` are
 * how messages name the map and the folder (default: the map's file and `outdir`).
 * With a `runner`, the evaluation is split by target between this thread and the
 * runner's (access/shards.ts); the result is the same. With `reuse` (the results of
 * a previous check, access-cache.ts), every target whose key is unchanged takes
 * its previous result instead of being evaluated; the result is the same again.
 */
export async function analyze(model: Model, outdir: string, names?: { readonly mapFile: string; readonly outdir: string }, runner?: ShardRunner, reuse: Reusable = new Map()): Promise<Analysis> {
  const evaluator = createEvaluator();
  // The other threads are started as soon as the stacks are read, before this one names callers and targets, which
  // each thread does for itself (about 5 s at 1,000 accounts of the benchmark's map). They are sent every previous
  // result, since which targets are theirs is known only from the front; each takes its own.
  const inventory = readInventory(outdir);
  const shards = Math.max(1, runner?.shardsFor(declaredTargets(inventory)) ?? 1);
  const elsewhere = Array.from({ length: shards - 1 }, (_, i) => runner!.run({ outdir, shard: i + 1, shards, ...(reuse.size > 0 ? { reuse: [...reuse.values()] } : {}) }));
  // Not left unhandled: their failure is reported where they are awaited; when this thread fails first, its error is
  // the one reported (the command's exit then ends them).
  for (const p of elsewhere) p.catch(() => undefined);
  const front = await frontOf(model, outdir, evaluator, inventory);
  const owner = assignShards(front, shards);
  const mine = await evaluateShard(front, evaluator, owner, 0, reuse);
  if (elsewhere.length > 0) runner?.meanwhile?.(front);
  const others = await Promise.all(elsewhere);
  const { callers, targets, candidates, intents } = front;
  const { access, probes } = mergeShards([mine, ...others], targets);
  const verdict = await checkAccess({ model, inventory, callers, targets, access, intents, evaluator, candidates, probes, names: names ?? { mapFile: model.file, outdir } });
  const findings = await lintStacks({ inventory, access });
  const evaluations = evaluator.runs + others.reduce((n, r) => n + r.evaluations, 0);
  const byId = new Map([mine, ...others].flatMap((r) => r.targets).map((r) => [r.target, r]));
  const results = targets.map((t) => byId.get(t.id)!);
  const evaluated = [mine, ...others].reduce((n, r) => n + r.evaluated, 0);
  return { model, inventory, callers, targets, candidates, access, intents, verdict, findings, evaluations, results, evaluated };
}
