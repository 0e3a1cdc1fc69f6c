// `npm run access`: builds the tools (esbuild, well under a second) and runs the
// access report and gate, tools/access.ts, in a node of its own. Arguments pass
// through, and its exit status is this one's.
//
// That node runs with a young generation of 64 MB semi-spaces (V8's default is
// 16 MB), which its worker threads share. The check's requests are garbage once
// their target is done; in the default young generation many live through two
// collections and are moved to the old one, where each full collection marks the
// whole front again (about 1 GB per thread at 10,000 accounts). Measured
// (docs/benchmarks.md, "Access check at 10,000 accounts, 2026-12-02 (morning)"):
// the cold check of the benchmark's maps, two threads, took 488 s against 603 s
// at 10,000 accounts (one run each) and 49.0 s against 53.2 s at 1,000 (medians
// of three). The benchmark switches it off with BENCH_TRICKS_OFF=young-generation
// (tricks.ts; this file is not bundled, so it reads the variable itself).
//
// And with each heap let grow to 1.5 times what it held live after its last full
// collection (`--heap-growing-percent=50`), where V8 lets a large heap grow to four
// times: the check's data grows with the map and the threads hold theirs side by
// side, so the peak is set by how far garbage may pile up. Measured
// (docs/benchmarks.md, "Access check at 10,000 accounts, 2026-12-03"): at 10,000
// accounts the cold check peaked at 3.63 GB with it (288 s) and 5.82 GB without
// (282 s), one run each; at 1,000, 0.91 GB and 30.4 s against 1.37 GB and 28.4 s
// (medians of three, interleaved). It is a bound on memory, not a speed trick: the
// benchmark does not switch it off.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "./build.mjs";

build();
const off = (process.env.BENCH_TRICKS_OFF ?? "").split(",").map((s) => s.trim());
const flags = [...(off.includes("young-generation") ? [] : ["--max-semi-space-size=64"]), "--heap-growing-percent=50"];
const tool = join(dirname(fileURLToPath(import.meta.url)), "../dist/access.js");
const r = spawnSync(process.execPath, [...flags, tool, ...process.argv.slice(2)], { stdio: "inherit" });
if (r.error) throw r.error;
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
