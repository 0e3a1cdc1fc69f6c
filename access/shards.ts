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
import { groupBy } from "./policy-json";
import { targetKeys } from "./target-key";
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

/**
 * What the check found about one target: its access entries, and how many probe
 * runs were asked of it (in the order probeRunsOf lists them) and which of those
 * were allowed (failures, by index). The unit an incremental check reuses
 * (access-cache.ts), under the target's key (target-key.ts).
 */
export interface TargetResult {
  readonly target: string;
  readonly key: string;
  readonly access: readonly Access[];
  readonly runs: number;
  readonly failed: readonly number[];
}

/** What one shard found: each of its targets' results, in the front's order. */
export interface ShardResult {
  readonly targets: readonly TargetResult[];
  /** Distinct simulations this shard's evaluator ran. */
  readonly evaluations: number;
  /** Targets it evaluated; the others' results were reused. */
  readonly evaluated: number;
}

/** Results of a previous check to reuse, by target id: each only where its key is the target's key now. */
export type Reusable = ReadonlyMap<string, TargetResult>;

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

/**
 * Evaluates the access to one shard's targets and every probe on them, target by
 * target: a target whose key is that of a result in `reuse` takes that result
 * instead (its access, and its probes' answers when as many runs are asked of it).
 */
export async function evaluateShard(front: Front, evaluator: Evaluator, owner: ReadonlyMap<string, number>, shard: number, reuse: Reusable = new Map()): Promise<ShardResult> {
  const targets = ownTargets(front, owner, shard);
  const org = front.model.organizationId;
  const key = targetKeys(front);
  const keyed = targets.map((t) => {
    const k = key(t);
    const old = reuse.get(t.id);
    return { t, key: k, old: old !== undefined && old.key === k ? old : undefined };
  });
  let evaluated = 0;
  const access = new Map<string, readonly Access[]>();
  for (const { t, old } of keyed) access.set(t.id, old ? old.access : await effectiveAccess(evaluator, [t], front.candidates, org));
  // The probe runs of the shard as one list (the probes read the access of all of them), then each target's, in that order.
  const runs = groupBy(probeRunsOf({ ...front, targets, access: sortAccess([...access.values()].flat()) }), (r) => r.target.id);
  const out: TargetResult[] = [];
  for (const { t, key: k, old } of keyed) {
    const mine = runs.get(t.id) ?? [];
    let failed = old?.failed;
    if (old === undefined || old.runs !== mine.length) {
      evaluated++;
      const answers = await answerProbes(evaluator, org, mine);
      failed = answers.flatMap((f, i) => (f ? [i] : []));
    }
    out.push({ target: t.id, key: k, access: access.get(t.id)!, runs: mine.length, failed: failed! });
  }
  return { targets: out, evaluations: evaluator.runs, evaluated };
}

/** The shards' results as one: all the access, sorted, and a function from the whole list of probe runs to each run's answer. */
export function mergeShards(results: readonly ShardResult[]): { access: Access[]; probeFailed: (runs: readonly ProbeRun[]) => boolean[] } {
  const byTarget = new Map(results.flatMap((r) => r.targets).map((t) => [t.target, t]));
  return {
    access: sortAccess(results.flatMap((r) => r.targets.flatMap((t) => t.access))),
    probeFailed: (runs) => {
      const next = new Map<string, number>();
      const failed = new Map([...byTarget].map(([id, t]) => [id, new Set(t.failed)]));
      const out = runs.map((run) => {
        const t = byTarget.get(run.target.id);
        if (t === undefined) throw new Error(`probe on ${run.target.id}, a target no shard evaluated`);
        const i = next.get(t.target) ?? 0;
        next.set(t.target, i + 1);
        return failed.get(t.target)!.has(i);
      });
      const short = [...byTarget.values()].find((t) => t.runs !== (next.get(t.target) ?? 0));
      if (short) throw new Error(`target ${short.target} answered ${short.runs} probes, but ${next.get(short.target) ?? 0} were asked of it`);
      return out;
    },
  };
}
