/**
 * The incremental synth (app.ts `synthesize`, synth-cache.ts): after any edit of
 * the map, the folder it leaves is the one a cold synth into an empty folder
 * writes, every file byte for byte (manifest and index included); it builds the
 * stacks that changed and keeps the others; and an index it cannot trust (broken,
 * another program's, files changed under it) gives a cold synth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { synthesize, type SynthOptions, type SynthResult } from "../../app";
import { loadAccountMapText } from "../../config/load";
import { filesUnder as files } from "../helpers";
import { INDEX_FILE } from "../../synth-cache";
import { compareStacks } from "../../tools/affected-stacks";
import { affectedSides, RevisionMapError } from "../../tools/affected-synth";
import { ConfigError } from "../../config/errors";
import { ACCOUNT_OPS, applyAccountEdit, type EditedAccount, type EditedAccounts, isAccountOp } from "../map-edits";

const RUNS = Number(process.env.INCREMENTAL_RUNS ?? 25);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "incremental-"));
  dirs.push(dir);
  return join(dir, "cdktf.out");
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The stacks whose file differs between two folders' contents (or is only in `after`). */
function changedStacks(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([path, text]) => /^stacks\/[^/]+\/cdk\.tf\.json$/.test(path) && before.get(path) !== text)
    .map(([path]) => path.split("/")[1])
    .sort();
}

// ---- A small map as data, and edits of it ----

interface MapAccount extends EditedAccount {
  groups: string[];
}
/** The map-wide parts beside the accounts, each edited too: what every stack, or some, is built from. */
interface MapData extends EditedAccounts<MapAccount> {
  costCenter: string;
  s3State: boolean;
  /** Accounts whose `ci` role has an import record. */
  imports: string[];
  /** Synthesized for the emulator (LOCAL_AWS_ENDPOINT). */
  endpoint: boolean;
}

function account(serial: number): MapAccount {
  return { name: `acct${serial}`, id: String(100000000000 + serial), groups: ["people"], roles: { ci: { assumableBy: ["service/ec2.amazonaws.com"] } }, buckets: {} };
}

function initial(size: number): MapData {
  const accounts = Array.from({ length: size }, (_, i) => account(i));
  accounts[0].buckets[`data-${accounts[0].id}`] = { grants: { [`${accounts[1].name}/people`]: "read" } };
  accounts[1].roles.ops = { assumableBy: [`${accounts[0].name}/people`] };
  accounts[2 % size].roles.vendor = { assumableBy: ["external/vendor"] };
  return { accounts, serial: size, costCenter: "platform", s3State: false, organization: false, externalId: "vendor-0", imports: [], endpoint: false };
}

/** Every caller reference the map offers: each account's group and roles. */
const callers = (m: MapData): string[] => m.accounts.flatMap((a) => [`${a.name}/people`, ...Object.keys(a.roles).map((r) => `${a.name}/role/${r}`)]);

const OPS = [...ACCOUNT_OPS, "tags", "state", "import", "endpoint"] as const;
type Edit = { op: (typeof OPS)[number]; a: number; b: number };

function apply(m: MapData, { op, a, b }: Edit): void {
  if (isAccountOp(op)) {
    // The import records follow an account that is gone or renamed.
    const moved = (from: string, to?: string) => (m.imports = m.imports.flatMap((n) => (n !== from ? [n] : to === undefined ? [] : [to])));
    return applyAccountEdit(m, op, a, b, callers(m), account, moved);
  }
  const acct = m.accounts[a % m.accounts.length];
  switch (op) {
    case "tags":
      m.costCenter = `cc${b}`;
      return;
    case "state":
      m.s3State = !m.s3State;
      return;
    case "import":
      m.imports = m.imports.includes(acct.name) ? m.imports.filter((n) => n !== acct.name) : [...m.imports, acct.name];
      return;
    case "endpoint":
      m.endpoint = !m.endpoint;
      return;
  }
}

function render(m: MapData): string {
  return stringify({
    version: 1,
    defaults: { region: "us-east-1", deployRole: "OrganizationAccountAccessRole", requireMfa: true, tags: { CostCenter: m.costCenter } },
    ...(m.organization ? { organization: { id: "o-a1b2c3d4e5" } } : {}),
    ...(m.s3State ? { state: { backend: "s3", bucket: "acme-terraform-state", region: "us-east-1" } } : {}),
    external: { vendor: { id: "444455556666", externalId: m.externalId } },
    accounts: Object.fromEntries(
      m.accounts.map((a) => [
        a.name,
        {
          id: a.id,
          groups: a.groups,
          roles: a.roles,
          ...(Object.keys(a.buckets).length > 0 ? { buckets: a.buckets } : {}),
        },
      ]),
    ),
  });
}

/** The import records file's text: each listed account's `ci` role. */
const renderImports = (m: MapData): string => stringify({ version: 1, accounts: Object.fromEntries(m.imports.map((n) => [n, { roles: { ci: "ci" } }])) });

async function synthText(text: string, outdir: string, opts: Omit<SynthOptions, "outdir"> = {}, imports?: string): Promise<SynthResult> {
  const { model } = await loadAccountMapText(text, "incremental.yaml", imports === undefined ? undefined : { text: imports, file: "incremental.imports.yaml" });
  return synthesize(model, { ...opts, outdir });
}

/** Synthesizes the map as it stands, with its records and endpoint. */
const synthMap = (m: MapData, outdir: string): Promise<SynthResult> =>
  synthText(render(m), outdir, m.endpoint ? { localEndpoint: "http://127.0.0.1:5000" } : {}, m.imports.length > 0 ? renderImports(m) : undefined);

const edit = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(50),
  b: fc.nat(50),
});

test("after random edits, the incremental synth leaves the folder a cold synth writes, byte for byte", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), async (edits) => {
      const map = initial(4);
      const incremental = tempDir();
      await synthMap(map, incremental);
      for (const e of edits) {
        apply(map, e);
        const before = files(incremental);
        const result = await synthMap(map, incremental);
        const cold = tempDir();
        await synthMap(map, cold);
        const after = files(incremental);
        expect(after).toEqual(files(cold));
        // What changed was built; what was kept is what did not change.
        const changed = changedStacks(before, after);
        for (const s of changed) expect(result.built).toContain(s);
        for (const s of result.kept) expect(changed).not.toContain(s);
        expect([...result.built, ...result.kept].sort()).toEqual([...result.stacks].sort());
      }
    }),
    { numRuns: RUNS },
  );
}, 240_000);

test("after random edits, affected's comparison by keys is the comparison of every stack synthesized, and synthesizes only what differs", async () => {
  const modelOf = async (m: MapData) => (await loadAccountMapText(render(m), "affected.yaml", m.imports.length > 0 ? { text: renderImports(m), file: "affected.imports.yaml" } : undefined)).model;
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
      const map = initial(4);
      const before = await modelOf(map);
      for (const e of edits) apply(map, e);
      const after = await modelOf(map);
      const keyed = affectedSides(before, after);
      const cold = affectedSides(before, after, { cold: true });
      expect(compareStacks(keyed.before, keyed.after)).toEqual(compareStacks(cold.before, cold.after));
      // A stack of one side only is never synthesized: an added one's facts are the cold ones, a removed one's are not read.
      // Of the others, one not synthesized has the same key on both sides; each synthesized one is the cold one.
      for (const [side, stacks] of [["before", keyed.before], ["after", keyed.after]] as const) {
        const other = side === "before" ? keyed.after : keyed.before;
        for (const [name, s] of stacks) {
          const c = cold[side].get(name)!;
          if (!other.has(name)) {
            expect(s.json).toBeUndefined();
            expect([s.grants, s.entities]).toEqual(side === "after" ? [c.grants, c.entities] : [[], []]);
          } else if (s.json === undefined) expect(s.key).toBe(other.get(name)!.key);
          else expect([s.json, s.grants, s.entities]).toEqual([c.json, c.grants, c.entities]);
        }
      }
    }),
    { numRuns: RUNS },
  );
}, 240_000);

test("it builds exactly the stacks that changed: onboarding an account that reads a neighbour's bucket builds the two", async () => {
  const map = initial(6);
  const outdir = tempDir();
  const first = await synthText(render(map), outdir);
  expect(first.built).toHaveLength(6);
  expect(first.kept).toEqual([]);

  const again = await synthText(render(map), outdir);
  expect(again.built).toEqual([]);
  expect(again.kept).toHaveLength(6);

  const before = files(outdir);
  const fresh = account(99);
  map.accounts.push(fresh);
  map.accounts[0].buckets[`data-${map.accounts[0].id}`].grants[`${fresh.name}/role/ci`] = "read";
  const onboard = await synthText(render(map), outdir);
  expect(onboard.built).toEqual(["acct0", "acct99"]);
  expect(onboard.built).toEqual(changedStacks(before, files(outdir)));
  expect(onboard.kept).toHaveLength(6 - 1);

  // A level changed: the bucket's account and the caller's, no other.
  const before2 = files(outdir);
  map.accounts[0].buckets[`data-${map.accounts[0].id}`].grants["acct1/people"] = "read-write";
  const level = await synthText(render(map), outdir);
  expect(level.built).toEqual(["acct0", "acct1"]);
  expect(level.built).toEqual(changedStacks(before2, files(outdir)));

  // An account gone: its file is removed and no other stack is built, as none named it.
  map.accounts.splice(map.accounts.findIndex((a) => a.name === "acct5"), 1);
  const gone = await synthText(render(map), outdir);
  expect(gone.built).toEqual([]);
  expect(gone.removed).toEqual(["acct5"]);
  expect([...files(outdir).keys()].filter((f) => f.includes("acct5"))).toEqual([]);
});

test("a map made bad in a stack that would be built is reported as a cold synth reports it, and the folder stays as it was", async () => {
  const map = initial(12);
  const outdir = tempDir();
  await synthText(render(map), outdir);
  const before = files(outdir);
  // One role trusted by every role and group of the map: its trust policy is over 2,048 characters.
  map.accounts[3].roles.everyone = { assumableBy: callers(map) };
  const messageOf = async (dir: string): Promise<string> => {
    try {
      await synthText(render(map), dir);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("the bad map was synthesized");
  };
  const warm = await messageOf(outdir);
  expect(warm).toMatch(/^incremental\.yaml:\d+:\d+ accounts\.acct3\.roles\.everyone: trust policy of role acct3\/everyone is [\d,]+ characters, over AWS's limit of 2,048/m);
  expect(warm).toBe(await messageOf(tempDir()));
  expect(files(outdir)).toEqual(before);
});

test("affected: a map made bad in a stack whose key changed is reported located, as the map at the revision when it is that one", async () => {
  const map = initial(12);
  const good = (await loadAccountMapText(render(map), "incremental.yaml")).model;
  map.accounts[3].roles.everyone = { assumableBy: callers(map) };
  const bad = (await loadAccountMapText(render(map), "incremental.yaml")).model;
  const messageOf = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      return e as Error;
    }
    throw new Error("the bad map was compared");
  };
  const quota = /^incremental\.yaml:\d+:\d+ accounts\.acct3\.roles\.everyone: trust policy of role acct3\/everyone is [\d,]+ characters, over AWS's limit of 2,048/m;
  const working = messageOf(() => affectedSides(good, bad));
  expect(working).toBeInstanceOf(ConfigError);
  expect(working.message).toMatch(quota);
  for (const cold of [false, true]) {
    const revision = messageOf(() => affectedSides(bad, good, { cold }));
    expect(revision).toBeInstanceOf(RevisionMapError);
    expect((revision as RevisionMapError).error.message).toMatch(quota);
  }
});

describe("an index it cannot trust gives a cold synth", () => {
  const text = render(initial(3));

  test.each([
    ["not JSON", (dir: string) => writeFileSync(join(dir, INDEX_FILE), "{ broken")],
    ["another format", (dir: string) => writeFileSync(join(dir, INDEX_FILE), readFileSync(join(dir, INDEX_FILE), "utf8").replace('"format": 1', '"format": 2'))],
    ["a stack with an unknown field", (dir: string) => writeFileSync(join(dir, INDEX_FILE), readFileSync(join(dir, INDEX_FILE), "utf8").replace('"key":', '"extra": 1, "key":'))],
    ["missing", (dir: string) => rmSync(join(dir, INDEX_FILE))],
  ])("%s", async (_what, damage) => {
    const outdir = tempDir();
    await synthText(text, outdir);
    const cold = files(outdir);
    damage(outdir);
    const result = await synthText(text, outdir);
    expect(result.kept).toEqual([]);
    expect(result.built).toHaveLength(3);
    expect(files(outdir)).toEqual(cold);
  });

  test("written by another program version", async () => {
    const outdir = tempDir();
    await synthText(text, outdir, { program: "an older program" });
    expect((await synthText(text, outdir, { program: "an older program" })).kept).toHaveLength(3);
    const result = await synthText(text, outdir);
    expect(result.kept).toEqual([]);
    expect(result.built).toHaveLength(3);
    const cold = tempDir();
    await synthText(text, cold);
    expect(files(outdir)).toEqual(files(cold));
  });

  test("a stack's file changed or removed since: that stack is built again, the others kept", async () => {
    const outdir = tempDir();
    await synthText(text, outdir);
    const cold = files(outdir);
    writeFileSync(join(outdir, "stacks/acct1/cdk.tf.json"), "{}");
    rmSync(join(outdir, "stacks/acct2/cdk.tf.json"));
    const result = await synthText(text, outdir);
    expect(result.built).toEqual(["acct1", "acct2"]);
    expect(result.kept).toEqual(["acct0"]);
    expect(files(outdir)).toEqual(cold);
  });

  test("cold: every stack is built, and the index written is the one a first synth writes", async () => {
    const outdir = tempDir();
    await synthText(text, outdir);
    const first = files(outdir);
    const result = await synthText(text, outdir, { cold: true });
    expect(result.kept).toEqual([]);
    expect(result.built).toHaveLength(3);
    expect(files(outdir)).toEqual(first);
  });

  test("an index naming a path for a stack is refused whole, and removes nothing", async () => {
    const outdir = tempDir();
    await synthText(text, outdir);
    const index = JSON.parse(readFileSync(join(outdir, INDEX_FILE), "utf8"));
    index.stacks["../../elsewhere"] = index.stacks.acct0;
    writeFileSync(join(outdir, INDEX_FILE), JSON.stringify(index));
    const result = await synthText(text, outdir);
    expect(result.kept).toEqual([]);
    expect(result.removed).toEqual([]);
  });
});
