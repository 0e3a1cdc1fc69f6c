/**
 * The account map as text: YAML parsing with positions kept, so any path into the
 * parsed value can be reported as `file:line:column`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import type { ConfigIssue, Located } from "./errors";

/** Maps larger than this are refused before parsing (about three times a 10,000-account map). */
export const MAX_MAP_CHARACTERS = 16 * 1024 * 1024;

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

/** A parsed account map and the means to locate any path in it. */
export class Source {
  private constructor(
    readonly file: string,
    private readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses YAML 1.2 text. Syntax errors, duplicate keys and alias abuse come back
   * as issues; `value` is undefined when there are any.
   */
  static parse(text: string, file: string): { source: Source; value: unknown; issues: ConfigIssue[] } {
    if (text.length > MAX_MAP_CHARACTERS) {
      const size = `${(text.length / 1024 / 1024).toFixed(1)} MB`;
      const issue = { file, line: 1, column: 1, path: "", message: `the map is ${size}, over the ${MAX_MAP_CHARACTERS / 1024 / 1024} MB this program reads`, hint: "a map of 10,000 accounts is about 5 MB; check that this is the right file" };
      return { source: new Source(file, "", parseDocument(""), new LineCounter()), value: undefined, issues: [issue] };
    }
    const lines = new LineCounter();
    // YAML 1.2 core schema: `yes`/`no`/`on` stay strings and `0123` is not octal.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: "1.2" });
    const source = new Source(file, text, doc, lines);
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      const duplicate = e.code === "DUPLICATE_KEY";
      return {
        file,
        line,
        column: col,
        path: "",
        message: duplicate ? `duplicate key ${JSON.stringify(/^[^:\n]*/.exec(text.slice(e.pos[0]))![0].trim())}` : `invalid YAML: ${firstLine(e.message)}`,
        hint: duplicate ? "each key may appear once in a mapping; merge the two entries" : "fix the YAML syntax at this position",
      };
    });
    // A "__proto__" key would set the prototype of the object built for its mapping
    // and vanish from the map: refuse it wherever it stands.
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === "__proto__" && pair.key.range) {
          const { line, col } = lines.linePos(pair.key.range[0]);
          issues.push({ file, line, column: col, path: "", message: 'key "__proto__" is not allowed', hint: "rename it; no name in the map may be __proto__" });
        }
      },
    });
    if (issues.length > 0) return { source, value: undefined, issues };
    try {
      // maxAliasCount bounds alias expansion (the "billion laughs" attack).
      return { source, value: doc.toJS({ maxAliasCount: 100 }), issues };
    } catch (e) {
      issues.push({
        file,
        line: 1,
        column: 1,
        path: "",
        message: `cannot expand the map: ${firstLine(e instanceof Error ? e.message : String(e))}`,
        hint: "remove YAML aliases (*name) that expand into very large values",
      });
      return { source, value: undefined, issues };
    }
  }

  /**
   * The position of a path: the value's node, or with `key` the key that names it.
   * A path that does not exist resolves to its nearest existing ancestor.
   */
  locate(path: readonly PathSegment[], opts: { key?: boolean } = {}): Located {
    const at = (offset: number | undefined): Located => {
      const { line, col } = offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset);
      return { line, column: col, path: formatPath(path) };
    };
    let node: unknown = this.doc.contents;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
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

  /** The source text of the scalar at a path, as written (e.g. `012345678901` before YAML made it a number). */
  rawText(path: readonly PathSegment[]): string | undefined {
    const node = this.doc.getIn(path as PathSegment[], true);
    return isScalar(node) && node.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(s: string): string {
  return s.split("\n")[0].trim();
}
