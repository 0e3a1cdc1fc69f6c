// The checks before the cdktf CLI (tools/cdktf.ts, bundled to dist/cdktf.js):
// scripts/cdktf.sh runs this with Terraform set up. Rebuilds the bundles first
// when a source is newer (scripts/build.mjs builds the app's; this one is built
// here with the same options), so cdktf's app command finds dist/main.js fresh too.
import { createRequire } from "node:module";
import { join } from "node:path";
import { isStale, ROOT } from "./sources.mjs";

const bundle = join(ROOT, "dist/cdktf.js");
if (isStale(bundle, join(ROOT, "dist/main.js"))) {
  const { build, BUNDLE_OPTIONS } = await import("./build.mjs");
  build();
  (await import("esbuild")).buildSync({ ...BUNDLE_OPTIONS, entryPoints: { cdktf: join(ROOT, "tools/cdktf.ts") }, outdir: join(ROOT, "dist") });
}
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
createRequire(import.meta.url)(bundle);
