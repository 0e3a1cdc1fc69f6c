/**
 * The evaluation, split by target. Every request the check asks (effective access,
 * then each probe) is about one target, and nothing asked about one target
 * depends on another's answers, so the targets can be dealt out to several
 * evaluators (threads, see tools/access-worker.ts) and the results put back
 * together: the access list is sorted whatever the order it was found in, and
 * each target's probe tallies are taken in the targets' order, whichever shard
 * evaluated them.
 */
import type { Model } from "../config/model";
import type { Candidates } from "./candidates";
import { probeRunner, type ProbeTally, tallyProbes } from "./check";
import { effectiveAccess, forgetDecisions, sortAccess } from "./effective";
import type { Evaluator } from "./evaluator";
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

/** What a shard's evaluation reads of a front: of the model, only its organization. */
export type ShardFront = Omit<Front, "model"> & { readonly model: Pick<Model, "organizationId"> };

/**
 * The part of a front that one shard's evaluation reads, and nothing more, so that a
 * thread that only evaluates can let the rest go (the model, the other shards'
 * targets, and the policies of callers it never asks):
 *
 * - its own targets, their candidates and the grants on them;
 * - of the callers, those it asks (check.ts `probeRunner`, target-key.ts): its
 *   targets' candidates, the outsiders, each grant's caller and the groups of
 *   every stack a grant comes from; in the front's order;
 * - of the stacks, each one's name, account and permission sets (an SSO caller's
 *   unassigned accounts); of the model, its organization.
 */
export function ownPart(front: Front, owner: ReadonlyMap<string, number>, shard: number): ShardFront {
  const targets = ownTargets(front, owner, shard);
  const own = new Set(targets.map((t) => t.id));
  const intents = front.intents.filter((i) => own.has(i.target));
  const candidates = new Map([...front.candidates].filter(([id]) => own.has(id)));
  const granted = new Set(intents.map((i) => i.caller));
  const grantStacks = new Set(front.callers.filter((c) => granted.has(c.id) && c.stack !== undefined).map((c) => c.stack));
  const asked = new Set([...candidates.values()].flat());
  const callers = front.callers.filter((c) => asked.has(c) || c.kind === "outsider" || granted.has(c.id) || (c.kind === "group" && grantStacks.has(c.stack)));
  const stacks = front.inventory.stacks.map(({ name, accountId, permissionSets }) => ({ name, accountId, groups: [], roles: [], policies: [], ...(permissionSets ? { permissionSets } : {}) }));
  return { model: { organizationId: front.model.organizationId }, inventory: { stacks, problems: [] }, callers, targets, candidates, intents };
}

/**
 * What the check found about one target: its access entries, how many probe runs
 * were asked of it, and what each probe found ({@link ProbeTally}). The unit an
 * incremental check reuses (access-cache.ts), under the target's key
 * (target-key.ts).
 */
export interface TargetResult {
  readonly target: string;
  readonly key: string;
  readonly access: readonly Access[];
  readonly runs: number;
  readonly probes: readonly ProbeTally[];
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
const ownTargets = (front: Pick<Front, "targets">, owner: ReadonlyMap<string, number>, shard: number): TargetSpec[] => front.targets.filter((t) => owner.get(t.id) === shard);

/**
 * Evaluates the access to one shard's targets and every probe on them, one target
 * at a time: its access, then its probe runs, built, asked and tallied, then the
 * memo of its requests dropped (no request is about two targets), so that memory
 * holds one target's requests, not the shard's. A target whose key is that of a
 * result in `reuse` takes that result instead (its access, and its probes' tallies
 * when as many runs are asked of it).
 */
export async function evaluateShard(front: ShardFront, evaluator: Evaluator, owner: ReadonlyMap<string, number>, shard: number, reuse: Reusable = new Map()): Promise<ShardResult> {
  const org = front.model.organizationId;
  const key = targetKeys(front);
  const runsOf = probeRunner(front);
  let evaluated = 0;
  const out: TargetResult[] = [];
  for (const t of ownTargets(front, owner, shard)) {
    const k = key(t);
    const reused = reuse.get(t.id);
    const old = reused !== undefined && reused.key === k ? reused : undefined;
    const access = old ? old.access : await effectiveAccess(evaluator, [t], front.candidates, org);
    const runs = runsOf(t, access);
    let probes = old?.probes;
    if (old === undefined || old.runs !== runs.length) {
      evaluated++;
      probes = await tallyProbes(evaluator, org, runs);
    }
    forgetDecisions(evaluator);
    out.push({ target: t.id, key: k, access, runs: runs.length, probes: probes! });
  }
  return { targets: out, evaluations: evaluator.runs, evaluated };
}

/** The shards' results as one: all the access, sorted, and every target's probe tallies, in the front's order of `targets`. */
export function mergeShards(results: readonly ShardResult[], targets: readonly TargetSpec[]): { access: Access[]; probes: ProbeTally[] } {
  const byTarget = new Map(results.flatMap((r) => r.targets).map((t) => [t.target, t]));
  const missing = targets.find((t) => !byTarget.has(t.id));
  if (missing) throw new Error(`target ${missing.id} was evaluated by no shard`);
  return {
    access: sortAccess(results.flatMap((r) => r.targets.flatMap((t) => t.access))),
    probes: targets.flatMap((t) => byTarget.get(t.id)!.probes),
  };
}
