/**
 * The evaluation, split by target. Every request the check asks (effective access,
 * then each probe) is about one target, and nothing asked about one target
 * depends on another's answers, so the targets can be dealt out to several
 * evaluators (threads, see tools/access-worker.ts) and the answers put back
 * together: the access list is sorted whatever the order it was found in, and
 * each probe's answer is taken back in the order its shard asked it, which is the
 * order of the whole list with the other shards' probes left out.
 */
import type { Model } from "../config/model";
import type { Candidates } from "./candidates";
import { answerProbes, probeRunsOf, type ProbeRun } from "./check";
import { effectiveAccess, sortAccess } from "./effective";
import type { Evaluator } from "./evaluator";
import type { Access, CallerSpec, Intent, Inventory, TargetSpec } from "./types";

/** What every shard computes the same way before it evaluates anything: the stacks, callers, targets and who may reach them. */
export interface Front {
  readonly model: Model;
  readonly inventory: Inventory;
  readonly callers: readonly CallerSpec[];
  readonly targets: readonly TargetSpec[];
  readonly candidates: Candidates;
  readonly intents: readonly Intent[];
}

/** What one shard found: the access to its targets, and for each probe run on them, in order, whether it was allowed (a failure). */
export interface ShardResult {
  readonly access: readonly Access[];
  readonly probeFailed: readonly boolean[];
  /** Distinct simulations this shard's evaluator ran. */
  readonly evaluations: number;
}

/**
 * Deals the targets out to `shards` shards, heaviest first, each to the shard with
 * the least work so far (work: candidate callers times actions, plus one for the
 * outsider). Deterministic: every shard computes the same split from the same front.
 */
export function assignShards(front: Pick<Front, "targets" | "candidates">, shards: number): ReadonlyMap<string, number> {
  const weight = (t: TargetSpec) => ((front.candidates.get(t.id)?.length ?? 0) + 1) * Math.max(1, t.actions.length);
  const order = front.targets.map((t, i) => ({ id: t.id, w: weight(t), i })).sort((a, b) => b.w - a.w || a.i - b.i);
  const load = new Array<number>(shards).fill(0);
  const out = new Map<string, number>();
  for (const { id, w } of order) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (load[s] < load[best]) best = s;
    load[best] += w;
    out.set(id, best);
  }
  return out;
}

/** The targets of one shard, in the front's order. */
const ownTargets = (front: Front, owner: ReadonlyMap<string, number>, shard: number): TargetSpec[] => front.targets.filter((t) => owner.get(t.id) === shard);

/** Evaluates the access to one shard's targets and every probe on them. */
export async function evaluateShard(front: Front, evaluator: Evaluator, owner: ReadonlyMap<string, number>, shard: number): Promise<ShardResult> {
  const targets = ownTargets(front, owner, shard);
  const org = front.model.organizationId;
  const access = await effectiveAccess(evaluator, targets, front.candidates, org);
  const probeFailed = await answerProbes(evaluator, org, probeRunsOf({ ...front, targets, access }));
  return { access, probeFailed, evaluations: evaluator.runs };
}

/** The shards' results as one: all the access, sorted, and a function from the whole list of probe runs to each run's answer. */
export function mergeShards(owner: ReadonlyMap<string, number>, results: readonly ShardResult[]): { access: Access[]; probeFailed: (runs: readonly ProbeRun[]) => boolean[] } {
  return {
    access: sortAccess(results.flatMap((r) => r.access)),
    probeFailed: (runs) => {
      const next = results.map(() => 0);
      const out = runs.map((run) => {
        const s = owner.get(run.target.id);
        if (s === undefined) throw new Error(`probe on ${run.target.id}, a target no shard owns`);
        return results[s].probeFailed[next[s]++];
      });
      const short = results.findIndex((r, s) => r.probeFailed.length !== next[s]);
      if (short >= 0) throw new Error(`shard ${short} answered ${results[short].probeFailed.length} probes, but ${next[short]} were asked of it`);
      return out;
    },
  };
}
