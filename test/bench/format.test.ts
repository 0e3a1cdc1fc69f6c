/** How the benchmark writes figures and tables: the same text on every machine. */
import { floorText, fmtKb, fmtMem, fmtMs, mdTable, n, pct, phasesText, resultRows, textTable, TRICK_HEADERS, trickTableRows } from "../../scripts/bench/format";
import { summarize, type Row } from "../../scripts/bench/targets";

test.each<[number | undefined, string]>([
  [undefined, "–"],
  [Number.NaN, "–"],
  [268.4, "268 ms"],
  [999.4, "999 ms"],
  [2431, "2.43 s"],
  [99_994, "99.99 s"],
  [123_456, "123 s"],
])("fmtMs(%p) is %p", (ms, text) => expect(fmtMs(ms)).toBe(text));

test.each<[number | undefined, string]>([
  [undefined, "–"],
  [312 * 1024, "312 MB"],
  [1024 * 1024 - 1, "1024 MB"],
  [3.81 * 1024 * 1024, "3.81 GB"],
])("fmtKb(%p) is %p", (kb, text) => expect(fmtKb(kb)).toBe(text));

test("figures read the same whatever the locale", () => {
  expect(n(10000)).toBe("10,000");
  expect(pct(0.424)).toBe("42%");
  expect(fmtMem({ peakKb: 500 * 1024 })).toBe("500 MB");
  expect(fmtMem({ peakKb: 500 * 1024, largestKb: 300 * 1024 })).toBe("500 MB (largest process 300 MB)");
});

test("tables: text padded to the widest cell, Markdown with | escaped", () => {
  expect(textTable(["a", "bb"], [["xyz", 1]])).toBe(["a    bb", "---  --", "xyz  1"].join("\n"));
  expect(mdTable(["a", "b"], [["x|y", 2]])).toBe(["| a | b |", "| --- | --- |", "| x\\|y | 2 |"].join("\n"));
});

test("result rows: medians, the range of several runs, ours against the baseline, and why a row has no figure", () => {
  const run = (wallMs: number) => ({ status: "ok" as const, exit: 0, wallMs, peakKb: 300 * 1024, largestKb: 200 * 1024 });
  const rows: Row[] = [
    summarize({ measure: "synth", size: 3 }, [run(2000), run(1000), run(3000)]),
    summarize({ measure: "baseline-synth", size: 3 }, [run(8000), run(9000), run(10_000)]),
    summarize({ measure: "access", size: 1000 }, [{ status: "ok", exit: 1, wallMs: 15_000 }]),
    { measure: "access", size: 10000, status: "skipped", note: "the program wrote no output to check", runs: 0 },
    summarize({ measure: "test", size: undefined }, [{ status: "failed", note: "exit 1: 2 tests failed", exit: 1, wallMs: 40_000 }]),
  ];
  expect(resultRows(rows)).toEqual([
    ["cdktf synth", "3", "3", "2.00 s", "1.00 s – 3.00 s", "300 MB (largest process 200 MB)", "0.22 (4.5× faster)", "ok"],
    ["baseline: cdktf synth", "3", "3", "9.00 s", "8.00 s – 10.00 s", "300 MB (largest process 200 MB)", "–", "ok"],
    ["access check (scripts/access.mjs)", "1,000", "1", "15.00 s", "–", "–", "–", "ok (exit 1: differences)"],
    ["access check (scripts/access.mjs)", "10,000", "–", "–", "–", "–", "–", "skipped: the program wrote no output to check"],
    ["npm test", "–", "1", "40.00 s", "–", "–", "–", "failed: exit 1: 2 tests failed"],
  ]);
});

describe("where the time goes", () => {
  const phases = { loadMs: 180, planMs: 487, buildMs: 586, synthMs: 2510, heapUsedMb: 49.4, wallMs: 3980 };

  test("phases: each with its share, the rest outside the clocks", () => {
    expect(phasesText(phases)).toBe(
      "start-up, modules and exit 217 ms (5%), load 180 ms (5%), plan 487 ms (12%), build stacks 586 ms (15%), synthesize stacks 2.51 s (63%) of 3.98 s; heap 49 MB after the plan",
    );
    expect(phasesText({ status: "failed", note: "exit 1: boom" })).toBe("failed: exit 1: boom");
  });

  test("floor: byte for byte, or the files that differ, the first three named", () => {
    const floor = { status: "ok" as const, files: 1001, bytes: 15.7 * 1024 * 1024, floorMs: 782, programMs: 3830 };
    expect(floorText({ ...floor, differing: [] })).toBe("782 ms to serialize and write 1,001 files (15.7 MB, the same JSON as the program's; byte for byte); the program took 3.83 s");
    expect(floorText({ ...floor, differing: ["manifest.json"] })).toBe(
      "782 ms to serialize and write 1,001 files (15.7 MB, the same JSON as the program's; bytes differ in manifest.json); the program took 3.83 s",
    );
    expect(floorText({ ...floor, differing: ["a", "b", "c", "d", "e"] })).toContain("bytes differ in a, b, c and 2 more)");
    expect(floorText({ status: "not measured", note: "the program did not complete, so there is no output to write again" })).toBe(
      "not measured: the program did not complete, so there is no output to write again",
    );
  });
});

describe("trickTableRows", () => {
  test("one line per trick: where, work, size in en-US form, the load before and after, the measure and the verdict", () => {
    const rows = trickTableRows([
      { trick: "yaml-fast-path", where: "config/source.ts", work: "load + validate", size: 10000, load: [1.234, 2.5], verdict: "earns its keep", measured: "off/on time 4.00" },
    ]);
    expect(rows).toEqual([["yaml-fast-path", "config/source.ts", "load + validate", "10,000", "1.23 → 2.50", "off/on time 4.00", "earns its keep"]]);
    expect(rows[0]).toHaveLength(TRICK_HEADERS.length);
  });
});
