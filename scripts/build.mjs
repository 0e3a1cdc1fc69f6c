// Bundles the app (main.ts and the project's modules) into dist/main.js, and the
// plan summary and access tools into dist/plan.js and dist/access.js, with esbuild:
// ~50 ms, no type-checking (tests and `npm run typecheck` do that). Dependencies stay
// external, so the AWS provider is loaded by deep path exactly as imported.
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
buildSync({
  entryPoints: { main: join(root, "main.ts"), plan: join(root, "tools/plan.ts"), access: join(root, "tools/access.ts") },
  outdir: join(root, "dist"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
