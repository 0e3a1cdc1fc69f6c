/**
 * scripts/e2e/lanes.py: how the end-to-end run is split between lanes and how the
 * lanes' timings are combined (pure functions, called through python3; the lanes
 * themselves run in `npm run e2e`), and a build that leaves dist/ whole for a reader.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");

/** Calls one function of lanes.py with JSON arguments and returns its JSON result. */
function lanes(fn: string, ...args: unknown[]): unknown {
  const code = `import json, sys; sys.path.insert(0, ${JSON.stringify(join(root, "scripts/e2e"))}); import lanes; print(json.dumps(lanes.${fn}(*json.loads(sys.argv[1]))))`;
  const r = spawnSync("python3", ["-B", "-c", code, JSON.stringify(args)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe("split", () => {
  const seconds = { main: 300, a: 250, b: 200, c: 100, d: 50 };

  it("gives each unit, longest first, to the lane with the fewest seconds so far, main first in its lane", () => {
    // main 300 -> lane 1; a 250 -> lane 2; b 200 -> lane 2 (250 < 300: 450); c 100 -> lane 1 (400); d 50 -> lane 1 (450).
    expect(lanes("split", ["a", "b", "c", "d", "main"], seconds, 2)).toEqual([
      ["main", "c", "d"],
      ["a", "b"],
    ]);
  });

  it("counts a unit without a recorded time as the recorded ones' mean and gives it to the lighter lane", () => {
    // main 300 -> 1, a 250 -> 2, then new (mean 275) -> 2 (250 < 300).
    expect(lanes("split", ["main", "a", "new"], { main: 300, a: 250 }, 2)).toEqual([["main"], ["a", "new"]]);
    // Several new ones spread: each adds the mean to its lane.
    expect(lanes("split", ["x", "y"], {}, 2)).toEqual([["x"], ["y"]]);
  });

  it("drops empty lanes: one unit is one lane, and one lane holds everything", () => {
    expect(lanes("split", ["d"], seconds, 3)).toEqual([["d"]]);
    expect(lanes("split", ["d", "main", "a"], seconds, 1)).toEqual([["main", "a", "d"]]);
  });

  it("breaks ties by name, not by the order given", () => {
    expect(lanes("split", ["q", "p"], { p: 10, q: 10 }, 2)).toEqual(lanes("split", ["p", "q"], { p: 10, q: 10 }, 2));
    expect(lanes("split", ["q", "p"], { p: 10, q: 10 }, 2)).toEqual([["p"], ["q"]]);
  });
});

describe("combine", () => {
  it("orders phases 1 to 5 first, then the others by name, then each lane's total and the run's", () => {
    const one = { phases: { deploy: 40, destroy: 60, zeta: 10, total: 111 }, iam: "not enforced" };
    const two = { phases: { alpha: 30, total: 31 }, keys: "pending" };
    const got = lanes("combine", [one, two], 120.5) as { phases: Record<string, number> };
    expect(Object.entries(got.phases)).toEqual([
      ["deploy", 40],
      ["destroy", 60],
      ["alpha", 30],
      ["zeta", 10],
      ["lane 1", 111],
      ["lane 2", 31],
      ["total", 120.5],
    ]);
    expect(got).toMatchObject({ iam: "not enforced", keys: "pending" });
  });

  it("keeps a lane that wrote no timings out of the lane totals", () => {
    const got = lanes("combine", [{ phases: { deploy: 4, total: 5 } }, {}], 9) as { phases: Record<string, number> };
    expect(got.phases).toEqual({ deploy: 4, "lane 1": 5, total: 9 });
  });
});

describe("recorded_seconds", () => {
  it("reads the committed phase times: main is phases 1 to 5 summed, and they are not units of their own", () => {
    const file = JSON.parse(readFileSync(join(root, "scripts/e2e/phase-times.json"), "utf8")) as { phases: Record<string, number> };
    const got = lanes("recorded_seconds") as Record<string, number>;
    const main = ["deploy", "re-plan", "onboard", "users", "destroy"].reduce((sum, p) => sum + file.phases[p], 0);
    expect(got.main).toBe(main);
    expect(Object.keys(got)).not.toContain("deploy");
  });
});

describe("scripts/build.mjs beside a reader", () => {
  // Into a folder of its own: the other test files run dist/ meanwhile.
  const dist = mkdtempSync(join(tmpdir(), "build-"));
  afterAll(() => rmSync(dist, { recursive: true, force: true }));
  const build = () => expect(spawnSync(process.execPath, [join(root, "scripts/build.mjs"), dist], { encoding: "utf8" }).status).toBe(0);
  const bundle = join(dist, "main.js");

  it("replaces a bundle whose bytes changed by renaming a new file into place, never by re-writing the one a reader may have open", () => {
    build();
    const good = readFileSync(bundle, "utf8");
    writeFileSync(bundle, "stale");
    const before = statSync(bundle).ino;
    build();
    expect(statSync(bundle).ino).not.toBe(before);
    expect(readFileSync(bundle, "utf8")).toBe(good);
    expect(readdirSync(dist).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves a bundle whose bytes did not change in place, marked as built now", () => {
    build();
    const before = statSync(bundle);
    build();
    const after = statSync(bundle);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBeGreaterThanOrEqual(before.mtimeMs);
  });
});
