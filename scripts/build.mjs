// Bundles the app (main.ts and the project's modules) into dist/main.js, and the
// plan summary, drift, adopt, retire, access and checkov tools into dist/plan.js,
// dist/drift.js, dist/adopt.js, dist/retire.js, dist/access.js and dist/checkov.js, with esbuild:
// ~50 ms, no type-checking (tests and `npm run typecheck` do that). Dependencies stay
// external, so the AWS provider is loaded by deep path exactly as imported.
//
//   node scripts/build.mjs [DIR]  builds (into DIR instead of dist/); other scripts import { build } or BUNDLE_OPTIONS
import { buildSync } from "esbuild";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** How every entry point of the project is bundled (the benchmark bundles its own with these too). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
};

/**
 * Builds every entry point; a file whose bytes changed is written beside and renamed
 * into place, one that did not is left alone, so that a script running dist/ meanwhile
 * (another e2e lane calls npm run plan, which builds) never reads a half-written file.
 */
export function build(outdir = join(root, "dist")) {
  const { outputFiles } = buildSync({
    write: false,
    ...BUNDLE_OPTIONS,
    entryPoints: { main: join(root, "main.ts"), plan: join(root, "tools/plan.ts"), drift: join(root, "tools/drift.ts"), adopt: join(root, "tools/adopt.ts"), retire: join(root, "tools/retire.ts"), access: join(root, "tools/access.ts"), "access-worker": join(root, "tools/access-worker.ts"), affected: join(root, "tools/affected.ts"), pipeline: join(root, "tools/pipeline.ts"), checkov: join(root, "tools/checkov.ts") },
    outdir,
  });
  for (const file of outputFiles) {
    let same = false;
    try {
      same = Buffer.compare(readFileSync(file.path), file.contents) === 0;
    } catch {
      same = false;
    }
    if (same) {
      // Still marked as built now: scripts/app.mjs rebuilds a bundle older than its sources.
      const now = new Date();
      utimesSync(file.path, now, now);
      continue;
    }
    mkdirSync(dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) build(process.argv[2]);
