// The cdktf app command (cdktf.json): runs the program (dist/main.js) in this
// process, rebuilding it first only when a source file is newer than the bundle
// (the build itself is scripts/build.mjs, about 50 ms). Source maps are enabled
// only with DEBUG set, the one case that prints stack traces: enabling them costs
// about a tenth of a second on every synth.
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist/main.js");

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if ((path.endsWith(".ts") || path.endsWith("build.mjs")) && st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of ["main.ts", "app.ts", "config", "policies", "stacks", "access", "tools", "scripts/build.mjs"]) if (existsSync(join(root, p))) visit(join(root, p));
  return newest;
}

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource()) (await import("./build.mjs")).build();
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
createRequire(import.meta.url)(bundle);
