/**
 * The account map as text: YAML parsing with positions kept, so any path into the
 * parsed value can be reported as `file:line:column`.
 *
 * `yaml` (eemeli/yaml) is the parser of record: every position and every syntax
 * error comes from its Document. Building that Document costs about 3 to 4.5 s for
 * a 10,000-account map on a 2-core machine, though, so a map that parses cleanly is
 * read by js-yaml (YAML 1.2 core schema, about 0.4 s) and the Document is built
 * only when a position is first needed, which is when something is wrong.
 * Maps with anchors or `__proto__` keys always take the `yaml` path, which bounds
 * alias expansion and reports such keys. Both parsers are checked to give the same
 * value on every map of the fuzz run.
 *
 * It earns its keep (tricks.ts "yaml-fast-path"; docs/benchmarks.md, "Speed tricks",
 * 2026-12-01): load + validate of the benchmark's 10,000-account map took 16.4 s
 * with the fast reading and 67.0 s without it (4.1×, the median of three
 * interleaved rounds), peak 359 MB against 1.29 GB, under a load average of 7 on
 * the 2-core machine.
 */
import { CORE_SCHEMA, load as fastLoad } from "js-yaml";
import type * as Yaml from "yaml";
import type { Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import { trickOn } from "../tricks";
import type { ConfigIssue, Located } from "./errors";

/** Maps larger than this are refused before parsing: about six times the benchmark's 10,000-account map (11 MB). */
export const MAX_MAP_CHARACTERS = 64 * 1024 * 1024;

/**
 * Text in which js-yaml (the fast reading) and `yaml` (the reading that defines
 * what a map means) could disagree, found by comparing the two (test/fuzz.test.ts
 * checks on damaged maps that they agree). Such a map is read by `yaml` alone.
 * The patterns also match harmless text (in a comment, say): that only costs
 * speed. Three passes over the text, about 25 ms for 10,000 accounts.
 */
const NOT_FOR_THE_FAST_READING: readonly RegExp[] = [
  // At the start of a token (after a space, a flow bracket or a comma; not inside
  // a word such as the organization id o-0bb9ed97eb): anchors (`yaml` bounds alias expansion), tags
  // (`!!float 1` is 1 for js-yaml, "1" for `yaml`), explicit keys (`? `, which
  // may be null or a collection), and 1_000, 0b11, +0x1 (numbers for js-yaml only).
  /(?:^|[\s[{,])(?:[&!]|\?(?:\s|$)|[-+]?(?:[0-9][0-9_]*_|0b|0x))/,
  // -.5 (a number for `yaml`, a string for js-yaml), collections as keys, null
  // keys ("null" for js-yaml, "" for `yaml`), and __proto__ (refused wherever it
  // stands, which only the `yaml` reading sees).
  /[-+]\.[0-9]|[\]}][ \t]*:(?:\s|$)|__proto__|(?:~|null|Null|NULL)[ \t]*:(?:\s|$)/,
  // Empty keys, also null.
  /^[ \t]*(?:-[ \t]+)*:(?:\s|$)|[[{,][ \t]*:(?:\s|$)/m,
];

/** True when js-yaml may read `text` in place of `yaml` (see NOT_FOR_THE_FAST_READING). */
export function fastReadingApplies(text: string): boolean {
  return !NOT_FOR_THE_FAST_READING.some((re) => re.test(text));
}

/**
 * `yaml`, loaded on first use: a good map read by js-yaml never needs it, and
 * loading it costs about 20 ms of every run's start-up.
 */
let yamlModule: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  yamlModule ??= require("yaml") as typeof Yaml;
  return yamlModule;
}

/** A path into the parsed map: keys and list indexes. */
export type PathSegment = string | number;

/** Renders `["accounts","prod","groups",0]` as `accounts.prod.groups[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

interface Parsed {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly issues: ConfigIssue[];
}

/** A parsed account map and the means to locate any path in it. */
export class Source {
  private parsed?: Parsed;
  /** Each mapping's pairs by key, built on first use: locating stays O(depth) in maps of 10,000 accounts. */
  private readonly index = new WeakMap<object, Map<string, Pair>>();

  private constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  /**
   * Parses YAML 1.2 text. Syntax errors, duplicate keys, `__proto__` keys and
   * alias abuse come back as issues; `value` is undefined when there are any.
   */
  static parse(text: string, file: string): { source: Source; value: unknown; issues: ConfigIssue[] } {
    if (text.length > MAX_MAP_CHARACTERS) {
      const size = `${(text.length / 1024 / 1024).toFixed(1)} MB`;
      const issue = {
        file,
        line: 1,
        column: 1,
        path: "",
        message: `the map is ${size}, over the ${MAX_MAP_CHARACTERS / 1024 / 1024} MB this program reads`,
        hint: "a map of 10,000 accounts with a few roles and a bucket each is about 11 MB; check that this is the right file",
      };
      return { source: new Source(file, ""), value: undefined, issues: [issue] };
    }
    const source = new Source(file, text);
    const fast = source.fastValue();
    if (fast.ok) return { source, value: fast.value, issues: [] };
    const { doc, issues } = source.document();
    if (issues.length > 0) return { source, value: undefined, issues };
    try {
      // maxAliasCount bounds alias expansion (the "billion laughs" attack).
      return { source, value: doc.toJS({ maxAliasCount: 100 }), issues };
    } catch (e) {
      const message = `cannot expand the map: ${firstLine(e instanceof Error ? e.message : String(e))}`;
      issues.push({ file, line: 1, column: 1, path: "", message, hint: "remove YAML aliases (*name) that expand into very large values" });
      return { source, value: undefined, issues };
    }
  }

  /** The js-yaml reading, when the map is plain enough for it (`fastReadingApplies`) and parses cleanly. */
  private fastValue(): { ok: true; value: unknown } | { ok: false } {
    if (!trickOn("yaml-fast-path") || !fastReadingApplies(this.text)) return { ok: false };
    try {
      // Throws on syntax errors and duplicate keys: the yaml path then reports them.
      // An empty document is null, as `yaml` reads it (js-yaml says undefined).
      return { ok: true, value: fastLoad(this.text, { schema: CORE_SCHEMA, filename: this.file }) ?? null };
    } catch {
      return { ok: false };
    }
  }

  /**
   * Lets the positional parse go (the `yaml` Document, kept once built): what a
   * caller that has looked up every position it needs does before it goes on
   * with a large map. Positions already read stay; a later look-up parses again.
   */
  forgetPositions(): void {
    this.parsed = undefined;
  }

  /** The `yaml` Document with its positions and issues, built on first use. */
  private document(): Parsed {
    if (this.parsed) return this.parsed;
    const file = this.file;
    const { isScalar, LineCounter, parseDocument, visit } = yaml();
    const lines = new LineCounter();
    // YAML 1.2 core schema: `yes`/`no`/`on` stay strings and `0123` is not octal.
    // Duplicate keys are found below: the parser's own check is quadratic in a
    // mapping's size, and the accounts mapping may hold 10,000 keys.
    const doc = parseDocument(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, version: "1.2" });
    // A tab used as indentation is the cause of every other syntax error the
    // parser reports around it: report the tabs alone.
    const tabs = doc.errors.filter((e) => e.code === "TAB_AS_INDENT");
    const issues: ConfigIssue[] = (tabs.length > 0 ? tabs : doc.errors).map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      const hint = e.code === "TAB_AS_INDENT" ? "indent with spaces; YAML does not allow tabs there" : "fix the YAML syntax at this position";
      return { file, line, column: col, path: "", message: `invalid YAML: ${firstLine(e.message)}`, hint };
    });
    const keyIssue = (key: Node, message: string, hint: string) => {
      const { line, col } = lines.linePos(key.range![0]);
      issues.push({ file, line, column: col, path: "", message, hint });
    };
    visit(doc, {
      Map(_, map) {
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          if (!isScalar(pair.key) || !pair.key.range) continue;
          const key = pair.key.value;
          if (seen.has(key)) keyIssue(pair.key, `duplicate key ${JSON.stringify(String(key))}`, "each key may appear once in a mapping; merge the two entries");
          seen.add(key);
          // A "__proto__" key would set the prototype of the object built for its
          // mapping and vanish from the map: refuse it wherever it stands.
          if (key === "__proto__") keyIssue(pair.key, 'key "__proto__" is not allowed', "rename it; no name in the map may be __proto__");
        }
      },
    });
    this.parsed = { doc, lines, issues };
    return this.parsed;
  }

  /**
   * The position of a path: the value's node, or with `key` the key that names it.
   * A path that does not exist resolves to its nearest existing ancestor.
   */
  locate(path: readonly PathSegment[], opts: { key?: boolean } = {}): Located {
    const { doc, lines } = this.document();
    const { isMap, isSeq } = yaml();
    const at = (offset: number | undefined): Located => {
      const { line, col } = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
      return { line, column: col, path: formatPath(path) };
    };
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = this.pairs(node).get(String(seg));
        if (!pair) return at(rangeStart(keyNode ?? node));
        keyNode = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg] !== undefined) {
        keyNode = node.items[seg] as Node;
        node = node.items[seg];
      } else {
        break;
      }
    }
    return at(rangeStart((opts.key ? keyNode : undefined) ?? node));
  }

  /**
   * The position of `parent`'s path followed by `key` and `name` (`accounts.prod`,
   * then `roles`, `UpdateProdApp`), computed only when read: entities of a good map
   * never need one. `parent` is another lazy location of this source, or undefined
   * at the top. Every entity of the model is two segments below another, so a
   * location holds its parent and two segments, not a copy of the whole path.
   */
  lazyLocation(parent: Located | undefined, key: string, name: PathSegment): Located {
    if (parent !== undefined && !(parent instanceof LazyLocation)) throw new Error("internal: a lazy location's parent must be a lazy location");
    return new LazyLocation(this, parent, key, name);
  }

  private pairs(map: YAMLMap): Map<string, Pair> {
    let byKey = this.index.get(map);
    if (!byKey) {
      byKey = new Map();
      const { isPair, isScalar } = yaml();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !byKey.has(String(p.key.value))) byKey.set(String(p.key.value), p as Pair);
      this.index.set(map, byKey);
    }
    return byKey;
  }

  /** The source text of the scalar at a path, as written (e.g. `012345678901` before YAML made it a number). */
  rawText(path: readonly PathSegment[]): string | undefined {
    const node = this.document().doc.getIn(path as PathSegment[], true);
    return yaml().isScalar(node) && node.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
  }
}

/** A {@link Located} whose line and column are looked up on first read. */
class LazyLocation implements Located {
  #source: Source;
  #parent: LazyLocation | undefined;
  #key: string;
  #name: PathSegment;
  #at?: Located;

  constructor(source: Source, parent: LazyLocation | undefined, key: string, name: PathSegment) {
    this.#source = source;
    this.#parent = parent;
    this.#key = key;
    this.#name = name;
    Object.freeze(this);
  }

  get path(): string {
    return formatPath(this.segments());
  }

  get line(): number {
    return this.resolved().line;
  }

  get column(): number {
    return this.resolved().column;
  }

  private segments(): PathSegment[] {
    const above = this.#parent ? this.#parent.segments() : [];
    above.push(this.#key, this.#name);
    return above;
  }

  private resolved(): Located {
    this.#at ??= this.#source.locate(this.segments());
    return this.#at;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(s: string): string {
  return s.split("\n")[0].trim();
}
