/**
 * The incremental access check (access/target-key.ts, access/access-cache.ts):
 * after any edit of the map, the files it writes (report.md, report.json,
 * aws-config) are the cold check's, byte for byte; it evaluates exactly the
 * targets whose key changed; and a cache it cannot trust (broken, another
 * format, another program) gives a cold check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { analyze, type Analysis, runShard, type ShardRunner } from "../../access/analyze";
import { ACCESS_CACHE_FILE, accessProgramDigest, readAccessCache, writeAccessCache } from "../../access/access-cache";
import { renderAwsConfig, renderJson, renderMarkdown } from "../../access/report";
import { synthesize } from "../../app";
import { loadAccountMapText } from "../../config/load";
import type { Model } from "../../config/model";
import { targetKeys } from "../../access/target-key";
import type { TargetSpec } from "../../access/types";
import { synthesized } from "./fixture";
import { EXAMPLE_MAP } from "../helpers";
import { ACCOUNT_OPS, applyAccountEdit, type EditedAccount, type EditedAccounts, isAccountOp } from "../map-edits";

const RUNS = Number(process.env.INCREMENTAL_RUNS ?? 12);
const names = { mapFile: "incremental.yaml", outdir: "cdktf.out" };

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "access-incremental-"));
  dirs.push(dir);
  return join(dir, "cdktf.out");
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// ---- A small map as data, and edits of it ----

interface MapData extends EditedAccounts<EditedAccount> {
  requireMfa: boolean;
  /** Accounts the permission set Developer is assigned to. */
  sso: string[];
}

const GROUPS = ["people", "auditors"];

function account(serial: number): EditedAccount {
  return { name: `acct${serial}`, id: String(100000000000 + serial), roles: { ci: { assumableBy: ["service/ec2.amazonaws.com"] } }, buckets: {} };
}

function initial(size: number): MapData {
  const accounts = Array.from({ length: size }, (_, i) => account(i));
  accounts[0].buckets[`data-${accounts[0].id}`] = { grants: { [`${accounts[1].name}/people`]: "read" } };
  accounts[1].roles.ops = { assumableBy: [`${accounts[0].name}/people`] };
  accounts[2 % size].roles.vendor = { assumableBy: ["external/vendor"] };
  return { accounts, serial: size, organization: false, externalId: "vendor-0", requireMfa: true, sso: [accounts[1].name] };
}

/** Every caller reference the map offers: each account's groups and roles, and the permission set where it is assigned. */
const callers = (m: MapData): string[] => [
  ...m.accounts.flatMap((a) => [...GROUPS.map((g) => `${a.name}/${g}`), ...Object.keys(a.roles).map((r) => `${a.name}/role/${r}`)]),
  ...m.sso.map((n) => `${n}/sso/Developer`),
];

/** Drops the references to the permission set in an account it is no longer assigned to. */
function unassign(m: MapData, name: string): void {
  m.sso = m.sso.filter((n) => n !== name);
  const ref = `${name}/sso/Developer`;
  for (const a of m.accounts) {
    for (const role of Object.values(a.roles)) role.assumableBy = role.assumableBy.filter((r) => r !== ref);
    for (const b of Object.values(a.buckets)) delete b.grants[ref];
  }
  for (const a of m.accounts) for (const role of Object.values(a.roles)) if (role.assumableBy.length === 0) role.assumableBy = ["service/ec2.amazonaws.com"];
}

const OPS = [...ACCOUNT_OPS, "mfa", "assign"] as const;
type Edit = { op: (typeof OPS)[number]; a: number; b: number };

function apply(m: MapData, { op, a, b }: Edit): void {
  if (isAccountOp(op)) {
    // The permission set's assignments follow an account that is gone or renamed.
    const moved = (from: string, to?: string) => (m.sso = m.sso.flatMap((n) => (n !== from ? [n] : to === undefined ? [] : [to])));
    return applyAccountEdit(m, op, a, b, callers(m), account, moved);
  }
  const acct = m.accounts[a % m.accounts.length];
  switch (op) {
    case "mfa":
      if (b % 2 === 0) m.requireMfa = !m.requireMfa;
      else {
        const role = Object.values(acct.roles)[b % Object.keys(acct.roles).length];
        role.requireMfa = role.requireMfa === undefined ? !m.requireMfa : undefined;
      }
      return;
    case "assign":
      if (m.sso.includes(acct.name)) unassign(m, acct.name);
      else m.sso.push(acct.name);
      return;
  }
}

function render(m: MapData): string {
  return stringify({
    version: 1,
    defaults: { region: "us-east-1", requireMfa: m.requireMfa },
    ...(m.organization ? { organization: { id: "o-a1b2c3d4e5" } } : {}),
    ...(m.sso.length > 0
      ? {
          identityCenter: {
            account: m.accounts[0].name,
            instanceArn: "arn:aws:sso:::instance/ssoins-1234567890abcdef",
            identityStoreId: "d-1234567890",
            permissionSets: { Developer: { assignments: { Engineering: m.sso } } },
          },
        }
      : {}),
    external: { vendor: { id: "444455556666", externalId: m.externalId } },
    accounts: Object.fromEntries(
      m.accounts.map((a) => [a.name, { id: a.id, groups: GROUPS, roles: a.roles, ...(Object.keys(a.buckets).length > 0 ? { buckets: a.buckets } : {}) }]),
    ),
  });
}

// ---- Checking ----

/** The three files the check writes, as the tool writes them. */
const filesOf = (a: Analysis): Record<string, string> => ({ "report.md": renderMarkdown(a, names), "report.json": renderJson(a, names), "aws-config": renderAwsConfig(a) });

async function synthMap(m: MapData, outdir: string): Promise<Model> {
  const { model } = await loadAccountMapText(render(m), "incremental.yaml");
  await synthesize(model, { outdir });
  return model;
}

/** Shards one after another in this thread. */
const inThread = (model: Model, shards: number): ShardRunner => ({ shardsFor: () => shards, run: (job) => runShard(model, job) });

/** The check as the tool runs it on a folder: read the cache there, analyze, write the cache. */
async function incrementalCheck(model: Model, outdir: string, runner?: ShardRunner): Promise<Analysis> {
  const program = accessProgramDigest();
  const a = await analyze(model, outdir, names, runner, readAccessCache(outdir, program));
  writeAccessCache(outdir, program, a.results);
  return a;
}

const edit = fc.record({ op: fc.constantFrom(...OPS), a: fc.nat(50), b: fc.nat(50) });

test("after random edits, the incremental check writes the cold check's report.md, report.json and aws-config, byte for byte", async () => {
  let reusedAny = false;
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 5 }), fc.constantFrom(1, 2), async (edits, shards) => {
      const map = initial(4);
      const outdir = tempDir();
      await incrementalCheck(await synthMap(map, outdir), outdir);
      for (const e of edits) {
        apply(map, e);
        const model = await synthMap(map, outdir);
        const incremental = await incrementalCheck(model, outdir, shards > 1 ? inThread(model, shards) : undefined);
        const cold = await analyze(model, outdir, names);
        expect(filesOf(incremental)).toEqual(filesOf(cold));
        expect(cold.evaluated).toBe(cold.targets.length);
        reusedAny ||= incremental.evaluated < incremental.targets.length;
      }
    }),
    { numRuns: RUNS },
  );
  // Not a check that passes by evaluating everything every time.
  expect(reusedAny).toBe(true);
}, 300_000);

test("after one edit, it evaluates exactly the targets whose key changed: a grant added to one bucket evaluates that bucket", async () => {
  const map = initial(5);
  const outdir = tempDir();
  const first = await incrementalCheck(await synthMap(map, outdir), outdir);
  expect(first.evaluated).toBe(first.targets.length);

  const again = await incrementalCheck(await synthMap(map, outdir), outdir);
  expect(again.evaluated).toBe(0);
  expect(filesOf(again)).toEqual(filesOf(first));

  map.accounts[3].buckets[`data-${map.accounts[3].id}`] = { grants: { "acct4/people": "read" } };
  const before = new Map(again.results.map((r) => [r.target, r.key]));
  const onboard = await incrementalCheck(await synthMap(map, outdir), outdir);
  const changed = onboard.results.filter((r) => before.get(r.target) !== r.key).map((r) => r.target);
  expect(changed).toEqual(["acct3/bucket/data-100000000003"]);
  expect(onboard.evaluated).toBe(changed.length);
  expect(filesOf(onboard)).toEqual(filesOf(await analyze(onboard.model, outdir, names)));
});

describe("a cache it cannot trust gives a cold check", () => {
  const cache = (dir: string) => join(dir, ACCESS_CACHE_FILE);
  const edit = (dir: string, change: (text: string) => string) => writeFileSync(cache(dir), change(readFileSync(cache(dir), "utf8")));
  /** Edits the first entry with a probe tally, as JSON. */
  type Entry = { runs: number; probes: { probe: string; target: string; requests: number; callers: string[]; failures: object[] }[] };
  const editJson = (dir: string, change: (e: Entry) => void) => {
    const file = JSON.parse(readFileSync(cache(dir), "utf8")) as { targets: Record<string, Entry> };
    change(Object.values(file.targets).find((e) => e.probes.length > 0)!);
    writeFileSync(cache(dir), JSON.stringify(file));
  };
  test.each([
    ["not JSON", (dir: string) => writeFileSync(cache(dir), "{ broken")],
    ["another format", (dir: string) => edit(dir, (t) => t.replace('"format":2', '"format":3'))],
    ["an entry with an unknown field", (dir: string) => edit(dir, (t) => t.replace('"key":', '"extra":1,"key":'))],
    ["an entry whose access is another target's", (dir: string) => edit(dir, (t) => t.replace(/"target":"[^"]+"/, '"target":"elsewhere"'))],
    ["tallies that do not add up to the runs asked", (dir: string) => edit(dir, (t) => t.replace(/"requests":\d+/, '"requests":100000'))],
    ["a tally of a probe that does not exist", (dir: string) => edit(dir, (t) => t.replace(/"probe":"[^"]+"/, '"probe":"no-such-probe"'))],
    ["two tallies of one probe on one target (still adding up)", (dir: string) => editJson(dir, (e) => {
      e.probes.push(e.probes[0]);
      e.runs += e.probes[0].requests;
    })],
    ["a failure of a caller its tally does not name", (dir: string) => editJson(dir, (e) => {
      const p = e.probes[0];
      p.failures.push({ probe: p.probe, caller: "nobody/role/unnamed", target: p.target, action: "s3:GetObject", context: "MFA" });
    })],
    ["a probe's failure on another target", (dir: string) => edit(dir, (t) => t.replace(/"failures":\[\]/, '"failures":[{"probe":"no-mfa","caller":"a","target":"elsewhere","action":"s3:GetObject","context":"MFA false"}]'))],
    ["another program's", (dir: string) => edit(dir, (t) => t.replace(/"program":"[0-9a-f]+"/, '"program":"an older program"'))],
    ["missing", (dir: string) => rmSync(cache(dir))],
  ])("%s", async (_what, damage) => {
    const map = initial(3);
    const outdir = tempDir();
    const model = await synthMap(map, outdir);
    const cold = await incrementalCheck(model, outdir);
    expect((await incrementalCheck(model, outdir)).evaluated).toBe(0);
    damage(outdir);
    const again = await incrementalCheck(model, outdir);
    expect(again.evaluated).toBe(again.targets.length);
    expect(filesOf(again)).toEqual(filesOf(cold));
  });

  test("a result whose probe runs no longer fit is evaluated again, never reused", async () => {
    const map = initial(3);
    const outdir = tempDir();
    const model = await synthMap(map, outdir);
    const cold = await incrementalCheck(model, outdir);
    const file = JSON.parse(readFileSync(cache(outdir), "utf8"));
    const [id] = Object.keys(file.targets).filter((t) => file.targets[t].runs > 0);
    // Still consistent (its tallies add up to its runs), but one more run than are asked of it now.
    file.targets[id].runs += 1;
    file.targets[id].probes[0].requests += 1;
    writeFileSync(cache(outdir), JSON.stringify(file));
    const again = await incrementalCheck(model, outdir);
    expect(again.evaluated).toBe(1);
    expect(filesOf(again)).toEqual(filesOf(cold));
  });
});

describe("every part of a target's key changes it (target-key.ts)", () => {
  type Front = Parameters<typeof targetKeys>[0];
  const frontOf = async (file: string): Promise<Analysis> => {
    const { model, outdir } = await synthesized(readFileSync(file, "utf8"), file);
    return analyze(model, outdir);
  };
  const changed = <T extends object>(x: T, field: string): T => ({ ...x, [field]: `${String((x as Record<string, unknown>)[field])}-changed` });
  const swap = <T>(list: readonly T[], from: T, to: T): T[] => list.map((x) => (x === from ? to : x));
  /** For each part: a front and a target where the part is not empty, and the same front with only that part changed. */
  const parts: [string, (f: Analysis) => { t: TargetSpec; after: Front } | undefined][] = [
    ["the target", (f) => ({ t: f.targets[0], after: f })],
    ["a candidate", (f) => {
      const t = f.targets.find((x) => (f.candidates.get(x.id) ?? []).length > 0)!;
      const c = f.candidates.get(t.id)![0];
      return { t, after: { ...f, candidates: new Map([...f.candidates, [t.id, swap(f.candidates.get(t.id)!, c, changed(c, "principal"))]]) } };
    }],
    ["an outsider", (f) => {
      const o = f.callers.find((c) => c.kind === "outsider")!;
      return { t: f.targets[0], after: { ...f, callers: swap(f.callers, o, { ...o, externalIds: [...o.externalIds, "another"] }) } };
    }],
    ["a grant on the target", (f) => {
      const i = f.intents.find((x) => f.targets.some((t) => t.id === x.target))!;
      return { t: f.targets.find((t) => t.id === i.target)!, after: { ...f, intents: swap(f.intents, i, { ...i, mfa: !i.mfa }) } };
    }],
    ["a grant's caller", (f) => {
      const i = f.intents.find((x) => f.targets.some((t) => t.id === x.target) && f.callers.some((c) => c.id === x.caller))!;
      const c = f.callers.find((x) => x.id === i.caller)!;
      return { t: f.targets.find((t) => t.id === i.target)!, after: { ...f, callers: swap(f.callers, c, changed(c, "principal")) } };
    }],
    ["a group of a granted stack (the example)", (f) => {
      const stackOf = new Map(f.callers.map((c) => [c.id, c.stack]));
      const i = f.intents.find((x) => f.callers.some((c) => c.kind === "group" && c.stack !== undefined && c.stack === stackOf.get(x.caller) && c.id !== x.caller) && f.targets.some((t) => t.id === x.target))!;
      const g = f.callers.find((c) => c.kind === "group" && c.stack === stackOf.get(i.caller) && c.id !== i.caller)!;
      return { t: f.targets.find((t) => t.id === i.target)!, after: { ...f, callers: swap(f.callers, g, changed(g, "principal")) } };
    }],
    ["the accounts a candidate's permission set is not assigned to", (f) => {
      const t = f.targets.find((x) => (f.candidates.get(x.id) ?? []).some((c) => c.kind === "sso"))!;
      const stacks = f.inventory.stacks.map((s) => ({ ...s, permissionSets: (s.permissionSets ?? []).map((p) => ({ ...p, accounts: p.accounts.slice(1) })) }));
      return { t, after: { ...f, inventory: { ...f.inventory, stacks } } };
    }],
    ["the organization", (f) => ({ t: f.targets[0], after: { ...f, model: { ...f.model, organizationId: "o-changed" } } })],
  ];
  test.each(parts)("%s", async (part, change) => {
    const f = await frontOf(part.includes("(the example)") ? EXAMPLE_MAP : "test/fixtures/good/callers.yaml");
    const { t, after } = change(f)!;
    const same = targetKeys(f)(t);
    expect(targetKeys(f)(t)).toBe(same);
    const t2 = after === f ? changed(t, "arn") : t;
    expect(targetKeys(after)(t2)).not.toBe(same);
  });
});

test("a target's key does not read where its grants stand in the map, which would need the map's positional parse", async () => {
  const { model, outdir } = await synthesized();
  const f = await analyze(model, outdir);
  const unreadable = f.intents.map((i) => {
    const copy = Object.fromEntries(Object.keys(i).filter((k) => k !== "declaredAt").map((k) => [k, i[k as keyof typeof i]]));
    return Object.defineProperty(copy, "declaredAt", {
      enumerable: true,
      get: () => {
        throw new Error("declaredAt read");
      },
    }) as unknown as typeof i;
  });
  const keys = targetKeys(f);
  const without = targetKeys({ ...f, intents: unreadable });
  expect(f.targets.map((t) => without(t))).toEqual(f.targets.map((t) => keys(t)));
  // And each intent reads it on demand: the same text as the map's position.
  expect(f.intents[0].declaredAt).toMatch(/^test\/fixtures\/example\/accounts\.yaml:\d+ accounts\./);
});

test("a candidate's identity statement that cannot apply to the target, or a Resource entry that names another, leaves its key; one that can apply changes it", async () => {
  const { model, outdir } = await synthesized();
  const f = await analyze(model, outdir);
  const t = f.targets.find((x) => (f.candidates.get(x.id) ?? []).some((c) => c.identity.length > 0))!;
  const c = f.candidates.get(t.id)!.find((x) => x.identity.length > 0)!;
  const withStatement = (resource: string | string[]) => {
    const [p, ...rest] = c.identity;
    const statements = [...(Array.isArray(p.document.Statement) ? p.document.Statement : [p.document.Statement]), { Effect: "Deny", Action: "*", Resource: resource }];
    const changed = { ...c, identity: [{ ...p, document: { ...p.document, Statement: statements } }, ...rest] };
    return targetKeys({ ...f, candidates: new Map([...f.candidates, [t.id, f.candidates.get(t.id)!.map((x) => (x === c ? changed : x))]]) })(t);
  };
  const key = targetKeys(f)(t);
  expect(withStatement("arn:aws:s3:::another-bucket-entirely")).toBe(key);
  expect(withStatement(["arn:aws:s3:::another-bucket-entirely", t.actions[0].resource])).not.toBe(key);
  expect(withStatement(t.actions[0].resource)).not.toBe(key);
  expect(withStatement("*")).not.toBe(key);
});
