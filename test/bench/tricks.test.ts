// The speed tricks' switches (tricks.ts): every trick is on unless the benchmark
// names it in BENCH_TRICKS_OFF, read once when the module loads.
import type * as TricksModule from "../../tricks";

function loadWith(value: string | undefined): typeof TricksModule {
  const saved = process.env.BENCH_TRICKS_OFF;
  if (value === undefined) delete process.env.BENCH_TRICKS_OFF;
  else process.env.BENCH_TRICKS_OFF = value;
  try {
    let mod: typeof TricksModule | undefined;
    jest.isolateModules(() => {
      mod = require("../../tricks") as typeof TricksModule;
    });
    return mod!;
  } finally {
    if (saved === undefined) delete process.env.BENCH_TRICKS_OFF;
    else process.env.BENCH_TRICKS_OFF = saved;
  }
}

describe("trickOn", () => {
  test("with the variable unset, every trick is on", () => {
    const t = loadWith(undefined);
    expect(Object.keys(t.TRICKS).filter((k) => !t.trickOn(k as TricksModule.Trick))).toEqual([]);
  });

  test("the tricks the variable names are off, the others on", () => {
    const t = loadWith("drop-tokens, fast-case-compare");
    expect(Object.keys(t.TRICKS).map((k) => [k, t.trickOn(k as TricksModule.Trick)])).toEqual([
      ["yaml-fast-path", true],
      ["drop-tokens", false],
      ["memoize-resource-types", true],
      ["fast-case-compare", false],
      ["young-generation", true],
    ]);
  });
});
