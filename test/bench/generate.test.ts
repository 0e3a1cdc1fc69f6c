/** The benchmark's maps: reproducible, valid for the loader, and shaped as docs/benchmarks.md says. */
import { createHash } from "node:crypto";
import { loadAccountMapText } from "../../config/load";
import { bucketNameProblem } from "../../config/schema";
import { planWithinLimits } from "../../policies/limits";
import { generateMap, NEWCOMER, onboardOne } from "../../scripts/bench/generate";

test("the same seed gives the same map; another seed another", () => {
  expect(generateMap({ accounts: 100, seed: 7 }).text).toBe(generateMap({ accounts: 100, seed: 7 }).text);
  expect(generateMap({ accounts: 100, seed: 8 }).text).not.toBe(generateMap({ accounts: 100, seed: 7 }).text);
});

test("a seed and a size give the same bytes on every machine and every run", () => {
  // Benchmark results are comparable across runs only while these hold. A deliberate
  // change to the generator updates them (and makes older results incomparable).
  const sha256 = (accounts: number) => createHash("sha256").update(generateMap({ accounts, seed: 42 }).text).digest("hex");
  expect(sha256(3)).toBe("a077fa2c58cba74bd19a04c919e8013aa758b18a21f853edc5502a67fe449945");
  expect(sha256(1000)).toBe("ab7c6a4a282135669248920fc97a5ae1543a235f549b756ff55961f051b569f5");
});

test("fewer than 3 accounts is refused", () => {
  expect(() => generateMap({ accounts: 2 })).toThrow(/at least 3/);
});

test.each([3, 100])("a map of %i accounts loads and plans within AWS's limits", async (accounts) => {
  const { text, summary } = generateMap({ accounts, seed: 42 });
  const { model } = await loadAccountMapText(text, `bench-${accounts}.yaml`);
  const plans = planWithinLimits(model);

  expect(plans).toHaveLength(accounts);
  expect(model.accounts.flatMap((a) => a.roles)).toHaveLength(summary.roles);
  expect(model.accounts.flatMap((a) => a.buckets)).toHaveLength(summary.buckets);
  expect(model.accounts.flatMap((a) => a.roles.flatMap((r) => r.callers))).toHaveLength(summary.callers);
  expect(model.accounts.flatMap((a) => a.buckets.flatMap((b) => b.grants))).toHaveLength(summary.bucketGrants);
  expect(model.accounts.flatMap((a) => a.queues)).toHaveLength(summary.queues);
  expect(model.accounts.flatMap((a) => a.topics)).toHaveLength(summary.topics);
  expect(model.accounts.flatMap((a) => a.secrets)).toHaveLength(summary.secrets);
  expect(model.accounts.flatMap((a) => a.keys)).toHaveLength(summary.keys);
  expect(model.accounts.flatMap((a) => [...a.queues, ...a.topics, ...a.secrets, ...a.keys].flatMap((r) => r.grants))).toHaveLength(summary.otherGrants);

  const ids = [...model.accounts.map((a) => a.id), ...model.externals.map((e) => e.id)];
  expect(ids.every((id) => /^\d{12}$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  for (const b of model.accounts.flatMap((a) => a.buckets)) expect(bucketNameProblem(b.name)).toBeUndefined();
  expect(model.externals.length).toBeGreaterThan(0);
});

test("identity's groups assume the role of their name in every other account; neighbours read each other's buckets", async () => {
  const { model } = await loadAccountMapText(generateMap({ accounts: 100, seed: 42 }).text, "bench.yaml");
  const others = model.accounts.filter((a) => a.name !== "identity");
  for (const account of others) {
    for (const name of ["admins", "developers", "readers"]) {
      const role = account.roles.find((r) => r.name === name);
      expect(role?.callers.map((c) => c.ref)).toEqual([`identity/${name}`]);
    }
    const ci = account.roles.find((r) => r.name === "ci");
    expect(ci?.callers.map((c) => c.ref)).toContain("identity/role/ci");
    const [bucket] = account.buckets;
    const grantees = bucket.grants.map(({ grantee: g }) => `${g.account.name}/${g.kind}/${g.kind === "sso" ? g.permissionSet.name : g.name}`);
    // Its own ci role, two neighbours' ci roles and one neighbour group.
    expect(grantees.filter((g) => g.endsWith("/role/ci"))).toHaveLength(3);
    expect(grantees.filter((g) => g.endsWith("/group/oncall"))).toHaveLength(1);
  }
  // The new kinds in proportion: a queue, a topic and a secret per account; a key and a KMS-encrypted bucket in every fifth.
  const all = <T>(pick: (a: (typeof others)[number]) => readonly T[]) => others.flatMap(pick);
  expect([all((a) => a.queues).length, all((a) => a.topics).length, all((a) => a.secrets).length, all((a) => a.keys).length]).toEqual([99, 99, 99, 19]);
  expect(all((a) => a.buckets).filter((b) => b.ownKey)).toHaveLength(19);
  // Half the topics have a publisher in another account (a key of their own), half only their own ci role (alias/aws/sns).
  expect(all((a) => a.topics).filter((t) => t.ownKey).length).toBe(49);
  for (const account of others) {
    const ci = (r: { grants: readonly { grantee: { kind: string; account: { name: string } } }[] }) => r.grants.filter((g) => g.grantee.kind === "role").map((g) => g.grantee.account.name === account.name);
    expect(ci(account.queues[0])).toEqual([true, false]);
    expect(ci(account.secrets[0])).toEqual([true, false]);
  }
  const vendorRoles = others.flatMap((a) => a.roles).filter((r) => r.callers.some((c) => c.principal.kind === "external"));
  expect(vendorRoles.length).toBeGreaterThan(0);
});

test("onboarding one account: the map stays valid, and only the newcomer, identity and the neighbour hold anything of it", async () => {
  const { text } = generateMap({ accounts: 20, seed: 42 });
  const onboarded = onboardOne(text);
  expect(onboarded.text.startsWith(text.trimEnd())).toBe(true);
  const before = planWithinLimits((await loadAccountMapText(text, "bench.yaml")).model);
  const after = planWithinLimits((await loadAccountMapText(onboarded.text, "bench.yaml")).model);
  expect(after.map((p) => p.account.name)).toEqual([...before.map((p) => p.account.name), NEWCOMER].sort());
  const id = after.find((p) => p.account.name === NEWCOMER)!.account.id;
  const text_ = (p: (typeof after)[number]) => JSON.stringify(p, (k, v) => (k === "account" ? v?.name : v));
  const naming = after.filter((p) => p.account.name !== NEWCOMER && (text_(p).includes(NEWCOMER) || text_(p).includes(id))).map((p) => p.account.name);
  expect(naming).toEqual(["identity", onboarded.neighbour].sort());
  expect(text).not.toContain(`"${id}"`);
  expect(() => onboardOne("accounts:\n  identity:\n")).toThrow("no workload account");
});
