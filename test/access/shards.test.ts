/**
 * The evaluation split by target (access/shards.ts) gives the analysis the
 * unsplit one gives, clean or failing, for every kind and caller form; the
 * split itself is deterministic and covers every target once; and a target that
 * no shard answered is an error, not a quiet wrong verdict.
 */
import { readFileSync } from "node:fs";
import { analyze, frontOf, runShard, type ShardRunner } from "../../access/analyze";
import { createEvaluator } from "../../access/evaluator";
import { assignShards, evaluateShard, mergeShards, ownPart } from "../../access/shards";
import type { ProbeKind } from "../../access/types";
import type { Model } from "../../config/model";
import { sid, synthesized, withPolicy } from "./fixture";

/** Shards run one after another in this thread: the split without the threads. */
const inThread = (model: Model, shards: number): ShardRunner => ({ shardsFor: () => shards, run: (job) => runShard(model, job) });

/** What the report prints from: everything but the model and the raw inventory. */
const printed = (a: Awaited<ReturnType<typeof analyze>>) => ({ access: a.access, verdict: a.verdict, findings: a.findings, targets: a.targets.length, callers: a.callers.length });

describe.each([["example"], ["good/kinds-messaging.yaml"], ["good/kinds-keys.yaml"], ["good/callers.yaml"]])("the map %s", (which) => {
  const file = which === "example" ? "test/fixtures/example/accounts.yaml" : `test/fixtures/${which}`;
  test.each([2, 3])("split into %i shards: the same analysis as one", async (shards) => {
    const { model, outdir } = await synthesized(readFileSync(file, "utf8"), file);
    const whole = await analyze(model, outdir);
    expect(whole.access.length).toBeGreaterThan(0);
    expect(printed(await analyze(model, outdir, undefined, inThread(model, shards)))).toEqual(printed(whole));
  });
});

test("a failing analysis fails the same way when split: the probe and the difference named, in the same order", async () => {
  const { model, outdir } = await synthesized();
  const broken = withPolicy(outdir, "prod aws_iam_role.Monitoring", (d) => void delete sid(d, "TrustExternalAcmeMonitoring").Condition, "assume_role_policy");
  const whole = await analyze(model, broken);
  expect(whole.verdict.ok).toBe(false);
  expect(whole.verdict.differences.map((d) => d.message)).toContain('probe "external-id" not denied: external/acme-monitoring → prod/role/Monitoring: sts:AssumeRole (MFA)');
  expect(printed(await analyze(model, broken, undefined, inThread(model, 2)))).toEqual(printed(whole));
});

test("meanwhile: run on this thread's front once its shard is done, while the other shards are still running; never without them", async () => {
  const { model, outdir } = await synthesized();
  const events: string[] = [];
  const runner = (shards: number): ShardRunner => {
    let called = () => undefined as void;
    const meanwhileCalled = new Promise<void>((done) => (called = done));
    return {
      shardsFor: () => shards,
      run: async (job) => {
        events.push(`shard ${job.shard} started`);
        // Another thread's shard, slower than this one's: it answers once meanwhile has run (or after 2 s, which fails the order below).
        // The timer is cleared either way: a pending one would keep jest's worker alive after the file's tests.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([meanwhileCalled, new Promise((done) => (timer = setTimeout(done, 2000)))]);
        clearTimeout(timer);
        const r = await runShard(model, job);
        events.push(`shard ${job.shard} answered`);
        return r;
      },
      meanwhile: (front) => {
        events.push(`meanwhile on ${front.intents.length} grants`);
        called();
      },
    };
  };
  const whole = await analyze(model, outdir);
  expect(printed(await analyze(model, outdir, undefined, runner(2)))).toEqual(printed(whole));
  expect(events).toEqual(["shard 1 started", `meanwhile on ${whole.intents.length} grants`, "shard 1 answered"]);
  events.length = 0;
  await analyze(model, outdir, undefined, runner(1));
  expect(events).toEqual([]);
});

test("a shard's own part of the front: its targets, their candidates and grants, the organization; and the results the whole front gives", async () => {
  const { model, outdir } = await synthesized(readFileSync("test/fixtures/good/callers.yaml", "utf8"), "test/fixtures/good/callers.yaml");
  const front = await frontOf(model, outdir, createEvaluator());
  const owner = assignShards(front, 2);
  let dropped = 0;
  for (const shard of [0, 1]) {
    const part = ownPart(front, owner, shard);
    const mine = front.targets.filter((t) => owner.get(t.id) === shard);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(front.targets.length);
    expect(part.targets).toEqual(mine);
    // The callers it asks, in the front's order: every candidate of its targets, the outsiders, each grant's caller.
    expect(part.callers).toEqual(front.callers.filter((c) => part.callers.includes(c)));
    for (const c of [...part.candidates.values()].flat()) expect(part.callers).toContain(c);
    expect(part.callers.some((c) => c.kind === "outsider")).toBe(true);
    for (const i of part.intents) expect(part.callers.map((c) => c.id)).toContain(i.caller);
    // Of the stacks, their accounts and permission sets only: the other callers' policies are let go.
    expect(part.inventory.stacks.map((st) => [st.name, st.accountId, st.permissionSets])).toEqual(front.inventory.stacks.map((st) => [st.name, st.accountId, st.permissionSets]));
    expect(part.inventory.stacks.flatMap((st) => [...st.groups, ...st.roles, ...st.policies])).toEqual([]);
    expect([...part.candidates.keys()].sort()).toEqual(mine.map((t) => t.id).filter((id) => front.candidates.has(id)).sort());
    expect(part.intents.length).toBeGreaterThan(0);
    expect(part.intents).toEqual(front.intents.filter((i) => owner.get(i.target) === shard));
    expect(part.model).toEqual({ organizationId: model.organizationId });
    dropped += front.callers.length - part.callers.length;
    // The same access, probe tallies and keys (what the next incremental check reuses) as from the whole front.
    expect(await evaluateShard(part, createEvaluator(), owner, shard)).toEqual(await evaluateShard(front, createEvaluator(), owner, shard));
  }
  // Some shard lets some caller go (else the test above proves nothing of the trimming).
  expect(dropped).toBeGreaterThan(0);
});

test("the split: every target in exactly one shard, the same on every call, and the work spread", () => {
  const targets = Array.from({ length: 9 }, (_, i) => ({ id: `t${i}`, actions: [{}, {}] })) as never[];
  const candidates = new Map(Array.from({ length: 9 }, (_, i) => [`t${i}`, Array.from({ length: i }) as never[]]));
  const owner = assignShards({ targets, candidates }, 2);
  expect([...owner.keys()].sort()).toEqual(targets.map((t: { id: string }) => t.id).sort());
  expect(assignShards({ targets, candidates }, 2)).toEqual(owner);
  const work = [0, 1].map((s) => [...owner].filter(([, o]) => o === s).reduce((n, [id]) => n + (candidates.get(id)!.length + 1) * 2, 0));
  expect(Math.abs(work[0] - work[1])).toBeLessThanOrEqual(2 * 9);
  expect(new Set(assignShards({ targets, candidates }, 1).values())).toEqual(new Set([0]));
});

test("the merge: every target's tallies in the targets' order, whichever shard had it, and a target no shard had is an error", () => {
  const tally = (target: string, probe: ProbeKind) => ({ probe, target, requests: 1, callers: ["c"], failures: [] });
  const result = (target: string, ...probes: ProbeKind[]) => ({ target, key: "", access: [], runs: probes.length, probes: probes.map((p) => tally(target, p)) });
  const shards = [
    { targets: [result("b", "no-mfa")], evaluations: 0, evaluated: 1 },
    { targets: [result("a", "unknown-account", "no-mfa"), result("c")], evaluations: 0, evaluated: 2 },
  ];
  const targets = (...ids: string[]) => ids.map((id) => ({ id })) as never[];
  expect(mergeShards(shards, targets("a", "b", "c")).probes.map((t) => `${t.target} ${t.probe}`)).toEqual(["a unknown-account", "a no-mfa", "b no-mfa"]);
  expect(() => mergeShards(shards, targets("a", "d"))).toThrow("target d was evaluated by no shard");
});
