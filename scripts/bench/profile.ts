/**
 * Summarizes a V8 CPU profile (node --cpu-prof): self time by package (or project
 * file) and by function. Bundled code (dist/main.js, with main.js.map beside it)
 * is mapped back to the project's source files through the source map.
 * scripts/bench/run.ts calls it on the profile of the program it takes.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A position in a bundled file mapped back to its source, when a source map says where. */
type Mapper = (line: number, column: number) => { file: string; line: number } | undefined;

/** Per bundled file, its mapper, or undefined without a source map. */
const mappers = new Map<string, Mapper | undefined>();
function mapperFor(file: string): Mapper | undefined {
  if (!mappers.has(file)) {
    let mapper: Mapper | undefined;
    if (existsSync(`${file}.map`)) {
      const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")) as SourceMapPayload);
      mapper = (line, column) => {
        const e = map.findEntry(line, column);
        return "originalSource" in e && e.originalSource ? { file: resolve(dirname(file), e.originalSource.replace(/^file:\/\//, "")), line: e.originalLine } : undefined;
      };
    }
    mappers.set(file, mapper);
  }
  return mappers.get(file);
}

/** `cdktf`, `@cdktf/provider-aws`, `config/load.ts` (a project file), or `node internals`. */
function packageOf(file: string, root: string): string {
  if (!file || !file.startsWith("/")) return "node internals";
  const at = file.lastIndexOf("node_modules/");
  if (at >= 0) {
    const [a, b] = file.slice(at + "node_modules/".length).split("/");
    return a.startsWith("@") ? `${a}/${b}` : a;
  }
  return relative(root, file);
}

/** The parts of a .cpuprofile this reads. */
interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one package or function, and its share of the profile. */
export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byPackage: readonly ProfileEntry[];
  readonly byFunction: readonly ProfileEntry[];
}

/** Self time of a profile, summed by package and by function, each list sorted by time. */
export function summarizeProfile(path: string, { root }: { root: string }): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample stands for the time until the next one.
  const selfUs = new Map<number, number>();
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i + 1]);
  }
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
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
  const sorted = (map: Map<string, number>): ProfileEntry[] =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000, share: totalUs ? us / totalUs : 0 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}
