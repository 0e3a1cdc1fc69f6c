// `npm run bench`: builds the program (scripts/build.mjs) and bundles the
// benchmark, written in TypeScript (scripts/bench/run.ts, type-checked by
// `npm run typecheck`), with esbuild into .cache/bench/dist, as the program is
// bundled (tens of milliseconds); then runs it with the same arguments. The
// benchmark's child entries (load-map, phases, floor) are bundled beside it.
//
//   npm run bench -- --help                              every option (run.ts)
//   node scripts/bench/run.mjs generate --accounts N      just write a map
import { buildSync } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS, build } from "../build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "../../.cache/bench/dist");
// `generate` only writes a map: the program need not be built for it.
if (process.argv[2] !== "generate") build();
for (const name of ["run", "load-map", "phases", "floor"]) {
  buildSync({ ...BUNDLE_OPTIONS, entryPoints: [join(here, `${name}.ts`)], outfile: join(dist, `${name}.js`) });
}
createRequire(import.meta.url)(join(dist, "run.js"));
