// Bundles the app (main.ts and the project's modules) into dist/main.js with esbuild:
// ~50 ms, no type-checking (tests and `npm run typecheck` do that). Dependencies stay
// external, so the AWS provider is loaded by deep path exactly as imported.
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
buildSync({
  entryPoints: [join(root, "main.ts")],
  outfile: join(root, "dist/main.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
