// Summarizes a V8 CPU profile (node --cpu-prof): self time by package (or project
// file) and by function. Bundled code (dist/main.js, with main.js.map beside it)
// is mapped back to the project's source files through the source map.
//
//   node scripts/bench/profile.mjs FILE.cpuprofile [--top N]
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Per bundled file, a function from a 0-based position to the original file and line, or undefined. */
const mappers = new Map();
function mapperFor(file) {
  if (!mappers.has(file)) {
    let mapper;
    if (existsSync(`${file}.map`)) {
      const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
      mapper = (line, column) => {
        const e = map.findEntry(line, column);
        return e?.originalSource ? { file: resolve(dirname(file), e.originalSource.replace(/^file:\/\//, "")), line: e.originalLine } : undefined;
      };
    }
    mappers.set(file, mapper);
  }
  return mappers.get(file);
}

/** `cdktf`, `@cdktf/provider-aws`, `config/load.ts` (a project file), or `node internals`. */
function packageOf(file, root) {
  if (!file || !file.startsWith("/")) return "node internals";
  const at = file.lastIndexOf("node_modules/");
  if (at >= 0) {
    const [a, b] = file.slice(at + "node_modules/".length).split("/");
    return a.startsWith("@") ? `${a}/${b}` : a;
  }
  return relative(root, file);
}

/**
 * Self time of a profile, summed by package and by function, each list sorted by
 * time: `{ totalMs, byPackage, byFunction }` with entries `{ name, ms, share }`.
 */
export function summarizeProfile(path, { root = ROOT } = {}) {
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample stands for the time until the next one.
  const selfUs = new Map();
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i + 1]);
  }
  const byPackage = new Map();
  const byFunction = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber, columnNumber } = nodes.get(id).callFrame;
    totalUs += us;
    // (garbage collector), (program), (idle)
    if (/^\(.*\)$/.test(functionName)) {
      add(byPackage, functionName, us);
      add(byFunction, functionName, us);
      continue;
    }
    const generated = url.startsWith("file://") ? fileURLToPath(url) : url;
    const original = generated.startsWith("/") ? mapperFor(generated)?.(lineNumber, columnNumber) : undefined;
    const file = original?.file ?? generated;
    const line = (original?.line ?? lineNumber) + 1;
    const where = !file ? "" : file.startsWith("/") ? ` ${relative(root, file).replace(/^(\.\.\/)+/, "")}:${line}` : ` ${file}`;
    add(byPackage, packageOf(file, root), us);
    add(byFunction, `${functionName || "(anonymous)"}${where}`, us);
  }
  const sorted = (map) =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000, share: totalUs ? us / totalUs : 0 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
  const files = args.filter((a, i) => !a.startsWith("--") && (topAt < 0 || i !== topAt + 1));
  if (files.length === 0) {
    process.stderr.write("usage: profile.mjs FILE.cpuprofile [--top N]\n");
    process.exit(2);
  }
  const row = (e) => `${e.ms.toFixed(0).padStart(8)} ms ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`;
  for (const f of files) {
    const s = summarizeProfile(f);
    process.stdout.write([f, `sampled ${s.totalMs.toFixed(0)} ms`, "self time by package or project file:", ...s.byPackage.slice(0, top).map(row), "self time by function:", ...s.byFunction.slice(0, top).map(row), ""].join("\n"));
  }
}
