/**
 * The benchmark's judging, from canned rows: each target met, NOT met and not
 * measured, with the whole text it writes; the medians and paired ratios behind them.
 */
import { evaluateTargets, judgeTrick, median, pairedGrowth, pairedRatio, summarize, TARGETS, type MapGrants, type Measure, type MeasuredRow, type Row, type Run } from "../../scripts/bench/targets";

const MB = 1024;
const GB = 1024 * 1024;

/** A measure whose runs (one per wall time) all completed. */
function ok(measure: Measure, size: number | undefined, wallsMs: number[], memory: Pick<Run, "peakKb" | "largestKb"> = {}): MeasuredRow {
  return summarize({ measure, size }, wallsMs.map((wallMs) => ({ status: "ok", exit: 0, wallMs, ...memory })));
}

/** Grants (role callers plus bucket grants) of the generated maps, by size. */
const MAPS: ReadonlyMap<number, MapGrants> = new Map([
  [100, { summary: { callers: 300, bucketGrants: 400 } }],
  [1000, { summary: { callers: 3000, bucketGrants: 4000 } }],
  [10000, { summary: { callers: 30000, bucketGrants: 40000 } }],
]);

/** The verdict and text of the target whose name starts with `prefix`, judged from `rows`. */
function judge(prefix: string, rows: Row[]): { verdict: string; measured: string } {
  const t = evaluateTargets(rows, MAPS).find((x) => x.name.startsWith(prefix));
  if (!t) throw new Error(`no target starts with ${prefix}`);
  return { verdict: t.verdict, measured: t.measured };
}

describe("median", () => {
  test.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])("of %j is %d", (xs, m) => expect(median(xs)).toBe(m));

  test("leaves its input as it was", () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("summarize", () => {
  test("completed runs: the median, min and max of all, the highest peak of any", () => {
    const row = summarize({ measure: "load", size: 3 }, [
      { status: "ok", exit: 0, wallMs: 300, peakKb: 50 * MB },
      { status: "ok", exit: 0, wallMs: 100, peakKb: 70 * MB },
      { status: "ok", exit: 0, wallMs: 200 },
    ]);
    expect(row).toMatchObject({ measure: "load", size: 3, status: "ok", runs: 3, wallMs: 200, wallsMs: [300, 100, 200], minMs: 100, maxMs: 300, peakKb: 70 * MB, largestKb: undefined });
  });

  test("a failed last run: only it is timed, its status and note are the row's", () => {
    const row = summarize({ measure: "synth", size: 100 }, [
      { status: "ok", exit: 0, wallMs: 1000, peakKb: 400 * MB },
      { status: "failed", note: "exit 1: boom", exit: 1, wallMs: 50, peakKb: 10 * MB },
    ]);
    expect(row).toMatchObject({ status: "failed", note: "exit 1: boom", exit: 1, runs: 2, wallMs: 50, wallsMs: [50], minMs: 50, maxMs: 50, peakKb: 400 * MB });
  });

  test("no run at all is a bug of the caller, not a row", () => {
    expect(() => summarize({ measure: "test", size: undefined }, [])).toThrow("summarize: no run of test");
  });
});

describe("pairedRatio", () => {
  test("in rounds, the median of the rounds' ratios decides; the medians' ratio is shown beside it", () => {
    const r = pairedRatio(ok("synth", 3, [1000, 2000, 3000]), ok("baseline-synth", 3, [4100, 8200, 3000]));
    expect(r.rounds).toEqual([4.1, 4.1, 1]);
    expect(r.ratio).toBeCloseTo(4.1);
    expect(r.whole).toBeCloseTo(2.05);
    expect(r.how).toBe("median of the rounds' 4.1, 4.1, 1.0; of the medians 2.0");
  });

  test.each([
    ["one run each", [1000], [3000]],
    ["unequal numbers of runs", [1000, 1000], [3000]],
  ])("%s: the ratio of the medians", (_what, fast, slow) => {
    expect(pairedRatio(ok("synth", 3, fast), ok("baseline-synth", 3, slow))).toEqual({ ratio: 3, whole: 3 });
  });
});

describe("pairedGrowth", () => {
  test("in rounds, judged on the rounds' median even where the medians' ratio says otherwise", () => {
    const rows = [ok("program", 1000, [1000, 2000, 1000]), ok("program", 10000, [9000, 30000, 9500])];
    expect(pairedGrowth(rows, "program", 1000, 10000, 10, "linear is")).toEqual({
      ok: true,
      text: "time(10,000)/time(1,000) = 9.5 (median of the rounds' 9.0, 15.0, 9.5; of the medians 9.5), linear is 10.0",
    });
    const slower = [ok("program", 1000, [1000, 1000, 1000]), ok("program", 10000, [9000, 11000, 12000])];
    expect(pairedGrowth(slower, "program", 1000, 10000, 10, "linear is")?.ok).toBe(false);
  });

  test("a size missing or failed: no growth", () => {
    const failed = summarize({ measure: "program", size: 10000 }, [{ status: "timeout", note: "killed after 900 s", exit: "SIGKILL", wallMs: 900_000 }]);
    expect(pairedGrowth([ok("program", 1000, [1000])], "program", 1000, 10000, 10, "linear is")).toBeUndefined();
    expect(pairedGrowth([ok("program", 1000, [1000]), failed], "program", 1000, 10000, 10, "linear is")).toBeUndefined();
  });
});

describe("the targets", () => {
  test("are the ten of docs/benchmarks.md, in its order, each judged once", () => {
    expect(TARGETS.map((t) => t.name)).toEqual([
      "cdktf synth, 3 accounts: ≥4× faster than the baseline",
      "cdktf synth, 1,000 accounts: ≥2× faster than the baseline, <400 MB peak",
      "program alone, 10,000 accounts: completes, <4 GB peak, time no worse than linear from 1,000",
      "load + validate, 10,000 accounts: <2 s",
      "access check, 1,000 accounts: <60 s, cost growing with grants, not accounts²",
      "access check, 10,000 accounts: ≤10× its time at 1,000, <4 GB peak",
      "affected after onboarding one account, 10,000 accounts: ≤15% of the cold affected",
      "incremental synth after onboarding one account, 10,000 accounts: ≤15% of the cold synth",
      "incremental access check after onboarding one account, 10,000 accounts: ≤15% of the cold access check",
      "npm test: <60 s",
    ]);
    expect(evaluateTargets([], MAPS).map((t) => [t.name, t.verdict])).toEqual(TARGETS.map((t) => [t.name, "not measured"]));
  });

  const failed = (measure: Measure, size: number | undefined): MeasuredRow =>
    summarize({ measure, size }, [{ status: "failed", note: "exit 1: out of memory", exit: 1, wallMs: 500 }]);

  test.each<[string, string, Row[], string, string]>([
    // cdktf synth, 3 accounts, against the baseline in rounds
    ["cdktf synth, 3 accounts", "met in rounds, though the medians' ratio is 2", [ok("synth", 3, [1000, 2000, 3000]), ok("baseline-synth", 3, [4100, 8200, 3000])], "met", "4.10× faster (median of the rounds' 4.1, 4.1, 1.0; of the medians 2.0; 2.00 s vs 4.10 s)"],
    ["cdktf synth, 3 accounts", "NOT met at 3×, one run each", [ok("synth", 3, [1000]), ok("baseline-synth", 3, [3000])], "NOT met", "3.00× faster (the medians; 1.00 s vs 3.00 s)"],
    ["cdktf synth, 3 accounts", "NOT met when ours failed", [failed("synth", 3), ok("baseline-synth", 3, [3000])], "NOT met", "failed: exit 1: out of memory"],
    ["cdktf synth, 3 accounts", "not measured without the baseline", [ok("synth", 3, [1000])], "not measured", "the baseline at 3 not in this run"],
    // cdktf synth, 1,000 accounts: speed and the largest process's memory
    ["cdktf synth, 1,000 accounts", "met", [ok("synth", 1000, [10_000], { peakKb: 500 * MB, largestKb: 300 * MB }), ok("baseline-synth", 1000, [30_000])], "met", "3.00× faster (the medians; 10.00 s vs 30.00 s); peak 300 MB (largest process; the whole process tree 500 MB)"],
    ["cdktf synth, 1,000 accounts", "NOT met at 450 MB", [ok("synth", 1000, [10_000], { peakKb: 600 * MB, largestKb: 450 * MB }), ok("baseline-synth", 1000, [30_000])], "NOT met", "3.00× faster (the medians; 10.00 s vs 30.00 s); peak 450 MB (largest process; the whole process tree 600 MB)"],
    ["cdktf synth, 1,000 accounts", "NOT met at 1.5×", [ok("synth", 1000, [10_000], { peakKb: 300 * MB }), ok("baseline-synth", 1000, [15_000])], "NOT met", "1.50× faster (the medians; 10.00 s vs 15.00 s); peak 300 MB (largest process; the whole process tree 300 MB)"],
    ["cdktf synth, 1,000 accounts", "NOT met with no memory figure (no /proc)", [ok("synth", 1000, [10_000]), ok("baseline-synth", 1000, [30_000])], "NOT met", "3.00× faster (the medians; 10.00 s vs 30.00 s); peak – (largest process; the whole process tree –)"],
    ["cdktf synth, 1,000 accounts", "not measured without ours", [ok("baseline-synth", 1000, [30_000])], "not measured", "cdktf synth at 1,000 not in this run"],
    // the program alone at 10,000 accounts, its growth from 1,000 in rounds
    ["program alone", "met", [ok("program", 1000, [1000, 1100]), ok("program", 10000, [9000, 9900], { peakKb: 3 * GB })], "met", "9.45 s, peak 3.00 GB; time(10,000)/time(1,000) = 9.0 (median of the rounds' 9.0, 9.0; of the medians 9.0), linear is 10.0"],
    ["program alone", "NOT met: worse than linear", [ok("program", 1000, [1000]), ok("program", 10000, [12_000], { peakKb: 3 * GB })], "NOT met", "12.00 s, peak 3.00 GB; time(10,000)/time(1,000) = 12.0, linear is 10.0"],
    ["program alone", "NOT met: 4.5 GB", [ok("program", 1000, [1000]), ok("program", 10000, [9000], { peakKb: 4.5 * GB })], "NOT met", "9.00 s, peak 4.50 GB; time(10,000)/time(1,000) = 9.0, linear is 10.0"],
    ["program alone", "NOT met without 1,000 to grow from", [ok("program", 10000, [9000], { peakKb: 3 * GB })], "NOT met", "9.00 s, peak 3.00 GB; 1,000 not measured"],
    ["program alone", "NOT met: killed", [ok("program", 1000, [1000]), summarize({ measure: "program", size: 10000 }, [{ status: "timeout", note: "killed after 900 s", exit: "SIGKILL", wallMs: 900_000 }])], "NOT met", "timeout: killed after 900 s"],
    ["program alone", "not measured", [ok("program", 1000, [1000])], "not measured", "10,000 accounts not in this run"],
    // load + validate at 10,000 accounts
    ["load + validate", "met", [ok("load", 10000, [1400, 1500, 1900])], "met", "1.50 s"],
    ["load + validate", "NOT met", [ok("load", 10000, [2100, 2000, 2500])], "NOT met", "2.10 s"],
    ["load + validate", "not measured", [ok("load", 1000, [300])], "not measured", "10,000 accounts not in this run"],
    // the access check at 1,000 accounts, its growth from 100 against the grants' (7,000 / 700 = 10)
    ["access check", "met", [ok("access", 100, [2000]), ok("access", 1000, [15_000])], "met", "15.00 s; time(1,000)/time(100) = 7.5, grants grew 10.0"],
    ["access check", "met, the growth beyond 1,000 shown beside it", [ok("access", 100, [2000]), ok("access", 1000, [15_000]), ok("access", 10000, [300_000])], "met", "15.00 s; time(1,000)/time(100) = 7.5, grants grew 10.0; beyond the target: time(10,000)/time(1,000) = 20.0, grants grew 10.0"],
    ["access check", "NOT met: grows faster than the grants", [ok("access", 100, [2000]), ok("access", 1000, [25_000])], "NOT met", "25.00 s; time(1,000)/time(100) = 12.5, grants grew 10.0"],
    ["access check", "NOT met: a minute", [ok("access", 100, [7000]), ok("access", 1000, [61_000])], "NOT met", "61.00 s; time(1,000)/time(100) = 8.7, grants grew 10.0"],
    ["access check", "time met, growth not measured", [ok("access", 1000, [15_000])], "time met, growth not measured", "15.00 s; growth not measured (needs 100 too)"],
    ["access check", "NOT met over a minute, even without 100", [ok("access", 1000, [61_000])], "NOT met", "61.00 s; growth not measured (needs 100 too)"],
    ["access check", "not measured: the check could not run", [{ measure: "access", size: 1000, status: "skipped", note: "the program wrote no output to check", runs: 0 }], "not measured", "skipped: the program wrote no output to check"],
    ["access check", "not measured: no row", [ok("access", 100, [2000])], "not measured", "1,000 accounts not in this run"],
    // the access check at 10,000 accounts: at most 10 times its 1,000-account time, under 4 GB
    ["access check, 10,000", "met", [ok("access", 1000, [40_000]), ok("access", 10000, [390_000], { peakKb: 3 * GB })], "met", "390 s, peak 3.00 GB; time(10,000)/time(1,000) = 9.8, allowed 10.0"],
    ["access check, 10,000", "NOT met: 12 times", [ok("access", 1000, [40_000]), ok("access", 10000, [480_000], { peakKb: 3 * GB })], "NOT met", "480 s, peak 3.00 GB; time(10,000)/time(1,000) = 12.0, allowed 10.0"],
    ["access check, 10,000", "met in rounds: the rounds' growths decide, not the medians'", [ok("access", 1000, [40_000, 30_000, 31_000]), ok("access", 10000, [390_000, 290_000, 400_000], { peakKb: 3 * GB })], "met", "390 s, peak 3.00 GB; time(10,000)/time(1,000) = 9.8 (median of the rounds' 9.8, 9.7, 12.9; of the medians 12.6), allowed 10.0"],
    ["access check, 10,000", "NOT met in rounds", [ok("access", 1000, [30_000, 31_000, 40_000]), ok("access", 10000, [390_000, 305_000, 420_000], { peakKb: 3 * GB })], "NOT met", "390 s, peak 3.00 GB; time(10,000)/time(1,000) = 10.5 (median of the rounds' 13.0, 9.8, 10.5; of the medians 12.6), allowed 10.0"],
    ["access check, 10,000", "NOT met: 4.5 GB", [ok("access", 1000, [40_000]), ok("access", 10000, [300_000], { peakKb: 4.5 * GB })], "NOT met", "300 s, peak 4.50 GB; time(10,000)/time(1,000) = 7.5, allowed 10.0"],
    ["access check, 10,000", "NOT met without 1,000 to compare with", [ok("access", 10000, [300_000], { peakKb: 3 * GB })], "NOT met", "300 s, peak 3.00 GB; 1,000 not measured"],
    ["access check, 10,000", "not measured", [ok("access", 1000, [40_000])], "not measured", "10,000 accounts not in this run"],
    // affected after onboarding one account, against every stack synthesized
    ["affected after onboarding", "met", [ok("affected-cold", 10000, [250_000]), ok("affected", 10000, [20_000])], "met", "8.0% of the cold affected (20.00 s vs 250 s; the medians)"],
    ["affected after onboarding", "NOT met when its report differs from the cold one's", [ok("affected-cold", 10000, [250_000]), summarize({ measure: "affected", size: 10000 }, [{ status: "failed", note: "its report differs from the cold one's", exit: 0, wallMs: 20_000 }])], "NOT met", "failed: its report differs from the cold one's"],
    ["affected after onboarding", "not measured", [], "not measured", "the cold affected at 10,000 not in this run"],
    // the incremental synth after onboarding one account, against the cold synth of the same map, in rounds
    ["incremental synth", "met in rounds", [ok("onboard-cold", 10000, [40_000, 50_000]), ok("incremental", 10000, [4000, 6000])], "met", "11.0% of the cold synth (5.00 s vs 45.00 s; median of the rounds' 10.0%, 12.0%; of the medians 11.1%)"],
    ["incremental synth", "met at exactly 15%, one run each", [ok("onboard-cold", 10000, [40_000]), ok("incremental", 10000, [6000])], "met", "15.0% of the cold synth (6.00 s vs 40.00 s; the medians)"],
    ["incremental synth", "NOT met at 20%", [ok("onboard-cold", 10000, [40_000]), ok("incremental", 10000, [8000])], "NOT met", "20.0% of the cold synth (8.00 s vs 40.00 s; the medians)"],
    ["incremental synth", "NOT met when its output differs from the cold synth's", [ok("onboard-cold", 10000, [40_000]), summarize({ measure: "incremental", size: 10000 }, [{ status: "failed", note: "its folder differs from the cold synth's: stacks/identity/cdk.tf.json", exit: 0, wallMs: 4000 }])], "NOT met", "failed: its folder differs from the cold synth's: stacks/identity/cdk.tf.json"],
    ["incremental synth", "not measured at 10,000; the smaller sizes shown beside it", [ok("onboard-cold", 100, [1000]), ok("incremental", 100, [300]), ok("onboard-cold", 1000, [10_000, 12_000]), ok("incremental", 1000, [1000, 1800])], "not measured", "the cold synth at 10,000 not in this run; at 100: 30.0% of the cold synth (300 ms vs 1.00 s; the medians); at 1,000: 12.5% of the cold synth (1.40 s vs 11.00 s; median of the rounds' 10.0%, 15.0%; of the medians 12.7%)"],
    ["incremental synth", "not measured without the incremental run", [ok("onboard-cold", 10000, [40_000])], "not measured", "the incremental synth at 10,000 not in this run"],
    // the incremental access check after onboarding one account, against the cold check of the same map
    ["incremental access check", "met in rounds", [ok("access-onboard-cold", 10000, [300_000, 320_000]), ok("access-incremental", 10000, [30_000, 40_000])], "met", "11.3% of the cold access check (35.00 s vs 310 s; median of the rounds' 10.0%, 12.5%; of the medians 11.3%)"],
    ["incremental access check", "NOT met at 20%", [ok("access-onboard-cold", 10000, [300_000]), ok("access-incremental", 10000, [60_000])], "NOT met", "20.0% of the cold access check (60.00 s vs 300 s; the medians)"],
    ["incremental access check", "NOT met when its report differs from the cold check's", [ok("access-onboard-cold", 10000, [300_000]), summarize({ measure: "access-incremental", size: 10000 }, [{ status: "failed", note: "its report differs from the cold check's: report.json", exit: 0, wallMs: 4000 }])], "NOT met", "failed: its report differs from the cold check's: report.json"],
    ["incremental access check", "not measured at 10,000; 100 shown beside it", [ok("access-onboard-cold", 100, [4000]), ok("access-incremental", 100, [1000])], "not measured", "the cold access check at 10,000 not in this run; at 100: 25.0% of the cold access check (1.00 s vs 4.00 s; the medians)"],
    // npm test
    ["npm test", "met", [ok("test", undefined, [45_000])], "met", "45.00 s"],
    ["npm test", "NOT met", [ok("test", undefined, [75_000])], "NOT met", "75.00 s"],
    ["npm test", "NOT met when it fails", [failed("test", undefined)], "NOT met", "failed: exit 1: out of memory"],
    ["npm test", "not measured", [], "not measured", "npm test not in this run"],
  ])("%s: %s", (prefix, _case, rows, verdict, measured) => {
    expect(judge(prefix, rows)).toEqual({ verdict, measured });
  });
});

describe("judgeTrick: a speed trick earns its keep at ≥10% in time or in memory", () => {
  test("GIVEN the work 30% slower with the trick off, round by round, THEN it earns its keep", () => {
    const off = ok("trick-off", 10000, [1300, 2600, 1300], { peakKb: 400 * MB });
    const on = ok("trick-on", 10000, [1000, 2000, 1000], { peakKb: 400 * MB });
    expect(judgeTrick(off, on)).toEqual({
      verdict: "earns its keep",
      measured: "off/on time 1.30 (median of the rounds' 1.3, 1.3, 1.3; of the medians 1.3; 1.30 s off, 1.00 s on); peak 400 MB off, 400 MB on (1.00×); keep at ≥1.10 in either",
      time: 1.3,
      memory: 1,
    });
  });

  test("GIVEN the same time but a 3× peak with the trick off (the largest process), THEN it earns its keep", () => {
    const off = ok("trick-off", 1000, [5000, 5100], { peakKb: 1300 * MB, largestKb: 1200 * MB });
    const on = ok("trick-on", 1000, [5000, 5000], { peakKb: 500 * MB, largestKb: 400 * MB });
    const j = judgeTrick(off, on);
    expect(j.verdict).toBe("earns its keep");
    expect(j.memory).toBeCloseTo(3);
    expect(j.measured).toContain("peak 1.17 GB off, 400 MB on (3.00×)");
  });

  test("GIVEN 5% slower off and the same memory, THEN it does not earn its keep", () => {
    const off = ok("trick-off", 100, [1050, 1050, 1050], { peakKb: 200 * MB });
    const on = ok("trick-on", 100, [1000, 1000, 1000], { peakKb: 200 * MB });
    const j = judgeTrick(off, on);
    expect(j.verdict).toBe("does not earn its keep");
    expect(j.time).toBeCloseTo(1.05);
  });

  test("GIVEN the rounds' ratios, THEN they decide, not the ratio of the medians", () => {
    // Round 2 ran on a loaded machine for both: the medians alone say 1.0, the rounds 1.2.
    const off = ok("trick-off", 100, [1200, 3000, 1200]);
    const on = ok("trick-on", 100, [1000, 2500, 3000]);
    const j = judgeTrick(off, on);
    expect(j.time).toBeCloseTo(1.2);
    expect(j.verdict).toBe("earns its keep");
    expect(j.measured).toContain("peak memory not measured");
  });

  test("GIVEN a failed run with the trick off, THEN it is not measured, with the failure", () => {
    const off = summarize({ measure: "trick-off", size: 100 }, [{ status: "failed", note: "exit 1: boom", exit: 1, wallMs: 10 }]);
    const on = ok("trick-on", 100, [1000]);
    expect(judgeTrick(off, on)).toEqual({ verdict: "not measured", measured: "off: failed: exit 1: boom" });
  });

  test("GIVEN no row with the trick on, THEN it is not measured", () => {
    expect(judgeTrick(ok("trick-off", 100, [1000]), undefined)).toEqual({ verdict: "not measured", measured: "on: the run with the trick on not in this run" });
  });
});
