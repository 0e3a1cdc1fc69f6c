/**
 * Property: any map, however mangled, ends in either a complete synth that holds
 * every security default, or a ConfigError whose every issue is located; never an
 * uncaught exception, a hang, or a partial output folder. And the fast YAML reader
 * gives the same value as the parser of record wherever it is used.
 *
 * Maps are the example map with random mutations: keys dropped, renamed,
 * duplicated; values of the wrong type; references broken; strings with quotes,
 * wildcards, newlines, unicode and great length; and raw text damage.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { CORE_SCHEMA, load as loadFast } from "js-yaml";
import { parse, parseDocument, stringify } from "yaml";
import { synthesizeText } from "../app";
import { ConfigError } from "../config/errors";
import { loadAccountMapText } from "../config/load";
import { fastReadingApplies } from "../config/source";
import { generateMap } from "../scripts/bench/generate";
import { exampleText } from "./helpers";
import { securityViolations } from "./security-invariants";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const TEXT_SHARE = 0.25;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const weird = fc.oneof(
  fc.constantFrom(
    "*", '"', "/", ":", "${x}", "%{y}", "__proto__", "constructor", "prototype", "\n", "a\nb", "Zoë", "🙂", "s3:*", "*:*", "",
    "dev/developers", "prod/role/StageRole", "staging/testers", "external/acme-monitoring", "service/ec2.amazonaws.com",
    "111111111111", "011111111111", "1h", "13h", "read", "read-write", "admin", "send", "consume", "send-consume", "publish", "subscribe", "queues", "topics", "q.fifo", "a".repeat(81), "x".repeat(300), "arn:aws:iam::999999999999:root",
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
);
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  weird,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(weird, { maxLength: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), weird, { maxKeys: 2 }),
) as fc.Arbitrary<Json>;
const op = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(), name: weird }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant("copy" as const), at: fc.nat(), to: fc.nat() }),
);
const textOp = fc.oneof(
  fc.record({ kind: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dropLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(weird, fc.constantFrom(":", "- ", "[", "{", "&a ", "*a", "\t", "  ", "#")) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function paths(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = prefix.length ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) out.push(...paths(v[k], [...prefix, k]));
  return out;
}
function parentOf(root: Json, path: Path): { parent: any; key: string | number } {
  let node: any = root;
  for (const seg of path.slice(0, -1)) node = node[seg];
  return { parent: node, key: path[path.length - 1] };
}
/** Sets a key as an own property, even "__proto__", so the text really holds it. */
function put(obj: any, key: string | number, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
type TextOp = typeof textOp extends fc.Arbitrary<infer T> ? T : never;

function mutate(root: Json, ops: readonly Op[]): Json {
  for (const o of ops) {
    const all = paths(root);
    if (all.length === 0) break;
    const path = all[o.at % all.length];
    const { parent, key } = parentOf(root, path);
    if (o.kind === "drop") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (o.kind === "rename" && !Array.isArray(parent)) {
      const value = parent[key];
      delete parent[key];
      put(parent, o.name, value);
    } else if (o.kind === "set") {
      put(parent, key, o.value);
    } else if (o.kind === "copy") {
      const target = all[o.to % all.length];
      const { parent: p2, key: k2 } = parentOf(root, target);
      if (Array.isArray(p2)) p2.push(structuredClone(parent[key]));
      else put(p2, `${String(k2)}-copy`, structuredClone(parent[key]));
    }
  }
  return root;
}

function damage(text: string, ops: readonly TextOp[]): string {
  let lines = text.split("\n");
  for (const o of ops) {
    const i = o.at % Math.max(lines.length, 1);
    if (o.kind === "dupLine") lines.splice(i, 0, lines[i] ?? "");
    else if (o.kind === "dropLine") lines.splice(i, 1);
    else if (o.kind === "insert") {
      const line = lines[i] ?? "";
      const col = o.at % (line.length + 1);
      lines[i] = line.slice(0, col) + o.text + line.slice(col);
    } else if (o.kind === "truncate") lines = lines.slice(0, i + 1);
  }
  return lines.join("\n");
}

const example = exampleText();
const exampleJson = parse(example) as Json;
const counts = { synthesized: 0, refused: 0 };
const root = mkdtempSync(join(tmpdir(), "fuzz-"));
let n = 0;

/** The fast reader (js-yaml) and the parser of record (yaml) agree wherever the fast one is used. */
function sameValueFromBothParsers(text: string): void {
  let fast: unknown;
  try {
    fast = loadFast(text, { schema: CORE_SCHEMA }) ?? null;
  } catch {
    return; // the yaml path handles it
  }
  const doc = parseDocument(text, { version: "1.2", uniqueKeys: false });
  if (doc.errors.length > 0 || !fastReadingApplies(text)) return;
  expect(fast).toEqual(doc.toJS({ maxAliasCount: 100 }));
}

/** Runs the program on one map and checks the outcome. */
async function check(text: string): Promise<void> {
  sameValueFromBothParsers(text);
  const outdir = join(root, `out-${n++}`);
  try {
    const stacks = await synthesizeText(text, "fuzz.yaml", { outdir });
    // A complete output: the manifest and every stack, each valid JSON, each secure.
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual([...stacks].sort());
    const tf = Object.fromEntries(stacks.map((s) => [s, JSON.parse(readFileSync(join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))]));
    const { model } = await loadAccountMapText(text, "fuzz.yaml");
    expect(securityViolations(tf, model)).toEqual([]);
    counts.synthesized++;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) {
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.column).toBeGreaterThanOrEqual(1);
      expect(i.message.length).toBeGreaterThan(0);
      expect(i.hint.length).toBeGreaterThan(0);
    }
    expect(e.message).not.toMatch(/^\s+at /m);
    expect(existsSync(outdir)).toBe(false);
    counts.refused++;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  process.stdout.write(`fuzz: ${counts.synthesized + counts.refused} maps: ${counts.synthesized} synthesized, ${counts.refused} refused with located errors\n`);
});

test(`${Math.round(RUNS * (1 - TEXT_SHARE))} structurally mutated maps: a complete, secure synth or a located error`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
      await check(stringify(mutate(structuredClone(exampleJson), ops)));
    }),
    { numRuns: Math.round(RUNS * (1 - TEXT_SHARE)) },
  );
}, 300_000);

test(`${Math.round(RUNS * TEXT_SHARE)} maps with damaged text: a complete, secure synth or a located error`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(textOp, { minLength: 1, maxLength: 3 }), async (ops) => {
      await check(damage(example, ops));
    }),
    { numRuns: Math.round(RUNS * TEXT_SHARE) },
  );
}, 300_000);

// The same property on a map that declares queues and topics, so their keys, levels and names are mutated too.
const messaging = parse(readFileSync("test/fixtures/good/kinds-messaging.yaml", "utf8")) as Json;
test(`${Math.round(RUNS * TEXT_SHARE)} mutated maps with queues and topics: a complete, secure synth or a located error`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
      await check(stringify(mutate(structuredClone(messaging), ops)));
    }),
    { numRuns: Math.round(RUNS * TEXT_SHARE) },
  );
}, 300_000);

// Where js-yaml and yaml were seen to disagree (the first found by the damaged-text
// run above: "? " put before the map's first line). Each snippet, alone and
// inserted into the example map, must be kept off the fast reading.
const DISAGREEMENTS = [
  "? \n", "null: 1\n", "~: 1\n", "Null: 1\n", ": 1\n", "- ~ : 1\n", "x: {null: 1}\n", "[a, b]: 1\n", "{a: 1}: 2\n",
  "x: -.5\n", "x: +.5\n", "x: 1_000\n", "x: 0b11\n", "x: +0x1\n", "x: -0x1\n", "x: !!float 1\n",
];

test.each(DISAGREEMENTS)("%j: the fast reading is not used where it would read differently", (snippet) => {
  for (const text of [snippet, `${snippet}${example}`, `${example}${snippet}`]) {
    expect(fastReadingApplies(text)).toBe(false);
  }
});

test("the example map and generated maps keep the fast reading", () => {
  expect(fastReadingApplies(example)).toBe(true);
  // Random organization ids and names: the 1,000-account map of seed 42 once fell
  // back because its organization id, o-0bb9ed97eb, holds "-0b".
  for (let seed = 1; seed <= 200; seed++) expect([seed, fastReadingApplies(generateMap({ accounts: 20, seed }).text)]).toEqual([seed, true]);
  expect(fastReadingApplies(generateMap({ accounts: 1000, seed: 42 }).text)).toBe(true);
});
