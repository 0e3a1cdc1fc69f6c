// The benchmark's baseline: this program as the default cdktf TypeScript template
// runs it. The project's .ts sources are copied (so the baseline tracks the real
// code) and their deep provider imports
//   import { IamRole } from "@cdktf/provider-aws/lib/iam-role";   ... new IamRole(...)
// are rewritten mechanically to a namespace import of the package root
//   import * as aws from "@cdktf/provider-aws";                   ... new aws.iamRole.IamRole(...)
// The copy gets the template's tsconfig and cdktf.json, whose app is
// `npx ts-node main.ts` (ts-node type-checks the whole program on every run).
// scripts/bench/run.ts prepares it in .cache/bench/baseline.
import { buildSync } from "esbuild";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The app's sources: the project files `main.ts` imports, directly or not, as
 * esbuild resolves them, and the folders they are in whole, since esbuild does not
 * see imports of types alone (a list written by hand went stale twice as modules
 * were added). Tests and scripts stay behind.
 */
function appSources(ROOT: string): string[] {
  const { metafile } = buildSync({ absWorkingDir: ROOT, entryPoints: [join(ROOT, "main.ts")], bundle: true, platform: "node", packages: "external", write: false, metafile: true, logLevel: "silent" });
  const files = Object.keys(metafile.inputs).filter((f) => f.endsWith(".ts") && !f.includes("node_modules/"));
  return [...new Set(files.map((f) => f.split("/")[0]))].sort();
}

const PROVIDER = "@cdktf/provider-aws";

/** `lib/<folder>` → the namespace the provider's index exports it as (`iam-role` → `iamRole`). */
function providerNamespaces(root: string): Map<string, string> {
  const index = readFileSync(join(root, "node_modules", PROVIDER, "lib/index.d.ts"), "utf8");
  const out = new Map<string, string>();
  for (const m of index.matchAll(/export \* as (\w+) from '\.\/([^']+)'/g)) out.set(m[2], m[1]);
  return out;
}

const DEEP_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+["']@cdktf\/provider-aws\/lib\/([^"'/]+)(?:\/index(?:\.js)?)?["'];?[ \t]*\n?/g;

/** Rewrites one file's deep provider imports to the namespace form; returns the new text and what it rewrote. */
export function rewriteImports(text: string, namespaces: ReadonlyMap<string, string>, file = "<text>"): { text: string; renames: { local: string; qualified: string }[] } {
  const renames: { local: string; qualified: string }[] = [];
  const body = text.replace(DEEP_IMPORT, (_all: string, _type: string | undefined, names: string, folder: string) => {
    const ns = namespaces.get(folder);
    if (!ns) throw new Error(`${file}: ${PROVIDER}/lib/${folder} is not exported by the provider's index`);
    for (const spec of names.split(",").map((s) => s.trim()).filter(Boolean)) {
      const m = /^(?:type\s+)?(\w+)(?:\s+as\s+(\w+))?$/.exec(spec);
      if (!m) throw new Error(`${file}: cannot read import specifier "${spec}"`);
      renames.push({ local: m[2] ?? m[1], qualified: `aws.${ns}.${m[1]}` });
    }
    return "";
  });
  if (renames.length === 0) return { text, renames };
  let out = body;
  for (const { local, qualified } of renames) {
    out = out.replace(new RegExp(`(?<![\\w$.])${local}(?![\\w$])`, "g"), qualified);
  }
  // The namespace import goes where the first import stood (after the file's leading comment).
  const first = out.search(/^import /m);
  const line = `import * as aws from "${PROVIDER}";\n`;
  out = first < 0 ? line + out : out.slice(0, first) + line + out.slice(first);
  if (out.includes(`${PROVIDER}/lib/`)) throw new Error(`${file}: a deep ${PROVIDER} import is left after the rewrite`);
  return { text: out, renames };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The tsconfig of the cdktf TypeScript template (`cdktf init --template=typescript`,
 * read from the installed CLI), with only what this code needs on top: ES2022
 * (Object.hasOwn, #private), esModuleInterop (default imports of CommonJS
 * packages) and node's types.
 */
function templateTsconfig(ROOT: string): object {
  const template = JSON.parse(readFileSync(join(ROOT, "node_modules/@cdktf/cli-core/templates/typescript/tsconfig.json"), "utf8")) as { compilerOptions?: object };
  return { ...template, compilerOptions: { ...template.compilerOptions, lib: ["es2022"], target: "ES2022", esModuleInterop: true, types: ["node"] } };
}

/**
 * Writes the baseline copy of this project's app in `dir`, replacing what was
 * there, and returns how many files and imports it rewrote. `dir` holds no
 * package.json, so `npx ts-node` finds the project's ts-node and node_modules above it.
 */
export function prepareBaseline(ROOT: string, dir: string): { dir: string; files: number; imports: number } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of appSources(ROOT)) cpSync(join(ROOT, s), join(dir, s), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith(".ts") });
  const namespaces = providerNamespaces(ROOT);
  let files = 0;
  let imports = 0;
  for (const file of tsFiles(dir)) {
    const { text, renames } = rewriteImports(readFileSync(file, "utf8"), namespaces, relative(dir, file));
    if (renames.length > 0) {
      writeFileSync(file, text);
      files++;
      imports += renames.length;
    }
  }
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(templateTsconfig(ROOT), null, 2)}\n`);
  const template = JSON.parse(readFileSync(join(ROOT, "node_modules/@cdktf/cli-core/templates/typescript/cdktf.json"), "utf8").replace("{{futureFlags}}", "")) as object;
  writeFileSync(join(dir, "cdktf.json"), `${JSON.stringify({ ...template, projectId: "benchmark-baseline", sendCrashReports: "false" }, null, 2)}\n`);
  if (existsSync(join(dir, "package.json"))) throw new Error(`${dir} must not hold a package.json`);
  return { dir, files, imports };
}
