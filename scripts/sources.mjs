// When the bundles in dist/ are stale: the newest modification time of the
// project's TypeScript sources (and of the build script), for scripts/app.mjs and
// scripts/cdktf.mjs, which rebuild only when a source is newer than their bundle.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if ((path.endsWith(".ts") || path.endsWith("build.mjs")) && st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of ["main.ts", "app.ts", "config", "policies", "resources", "stacks", "access", "tools", "scripts/build.mjs"]) if (existsSync(join(ROOT, p))) visit(join(ROOT, p));
  return newest;
}

/** Whether any of the bundles is missing or older than a source (one walk of the sources). */
export function isStale(...bundles) {
  if (bundles.some((b) => !existsSync(b))) return true;
  const newest = newestSource();
  return bundles.some((b) => statSync(b).mtimeMs < newest);
}
