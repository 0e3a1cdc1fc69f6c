// The cdktf app command (cdktf.json): runs the program (dist/main.js) in this
// process, rebuilding it first only when a source file is newer than the bundle
// (the build itself is scripts/build.mjs, about 50 ms). Source maps are enabled
// only with DEBUG set, the one case that prints stack traces: enabling them costs
// about a tenth of a second on every synth.
import { createRequire } from "node:module";
import { join } from "node:path";
import { isStale, ROOT } from "./sources.mjs";

const bundle = join(ROOT, "dist/main.js");

if (isStale(bundle)) (await import("./build.mjs")).build();
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
createRequire(import.meta.url)(bundle);
