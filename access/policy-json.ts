/**
 * Small readers for policy documents as they come back from a stack: one value or
 * a list, principals in any of IAM's forms, conditions by key.
 */
import { byCodePoint } from "../config/order";
import type { PolicyJson, StatementJson } from "./types";

/** Plain code-point order: the same on every machine, whatever its locale. */
export const byText = byCodePoint;

/** Sorted distinct strings. */
export const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort(byText);

/** A policy field that IAM lets be one value or a list, as a list. */
export function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

/** The statements of a document, as a list. */
export function statementsOf(doc: PolicyJson | undefined): StatementJson[] {
  const s = doc?.Statement;
  if (s === undefined) return [];
  return Array.isArray(s) ? [...(s as StatementJson[])] : [s as StatementJson];
}

/**
 * Undoes Terraform's template escapes: the program writes `${` and `%{` of policy
 * variables as `$${` and `%%{` (stacks/literal.ts), and Terraform sends them unescaped.
 */
export function unescapeTerraform(s: string): string {
  return s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** Size as AWS counts it: characters without whitespace. */
export function sizeOf(text: string): number {
  return text.replace(/\s/g, "").length;
}

/** The principals of a statement, by kind. `*` (alone or as `AWS: "*"`) is `wildcard`. */
export function principalsOf(s: StatementJson): { wildcard: boolean; aws: string[]; service: string[]; other: string[] } {
  const p = s.Principal;
  if (p === undefined) return { wildcard: false, aws: [], service: [], other: [] };
  if (p === "*") return { wildcard: true, aws: [], service: [], other: [] };
  if (typeof p !== "object" || p === null) return { wildcard: false, aws: [], service: [], other: [String(p)] };
  const block = p as Record<string, unknown>;
  const aws = asList(block.AWS);
  const other = Object.entries(block)
    .filter(([k]) => k !== "AWS" && k !== "Service")
    .flatMap(([, v]) => asList(v));
  return { wildcard: aws.includes("*"), aws: aws.filter((a) => a !== "*"), service: asList(block.Service), other };
}

/** Every value a statement's conditions give `key` (any operator, case-insensitive key). */
export function conditionValues(s: StatementJson, key: string): string[] {
  const wanted = key.toLowerCase();
  return Object.values(s.Condition ?? {}).flatMap((kv) =>
    Object.entries(kv ?? {})
      .filter(([k]) => k.toLowerCase() === wanted)
      .flatMap(([, v]) => asList(v)),
  );
}

/** True when a statement has any condition on `key`. */
export function hasCondition(s: StatementJson, key: string): boolean {
  const wanted = key.toLowerCase();
  return Object.values(s.Condition ?? {}).some((kv) => Object.keys(kv ?? {}).some((k) => k.toLowerCase() === wanted));
}

/** The 12-digit account of an account principal (`arn:aws:iam::<id>:root` or a bare id); undefined otherwise. */
export function rootAccount(principal: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(principal) ?? /^(\d{12})$/.exec(principal);
  return m?.[1];
}

/** The account of an IAM or STS ARN; undefined when it has none or a wildcard. */
export function arnAccount(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

/** True when an entry is a pattern: an IAM wildcard or a policy variable (`${...}`). */
export const isGlob = (entry: string): boolean => entry.includes("*") || entry.includes("?") || entry.includes("${");

/**
 * An IAM pattern as {@link wildcardMatches} reads it: each policy variable
 * (`${aws:username}`) becomes `*`, since it may stand for anything; lowercased when
 * it is matched without case (actions; IAM names are ASCII, for which this is the
 * case-insensitive match).
 */
export function globPattern(pattern: string, caseInsensitive: boolean): string {
  const p = pattern.includes("${") ? pattern.replace(/\$\{[^}]*\}/g, "*") : pattern;
  return caseInsensitive ? p.toLowerCase() : p;
}

const STAR = 42; // *
const ANY = 63; // ?

/**
 * True when `value` matches `pattern`, where `*` stands for any run of characters
 * and `?` for one, and every other character for itself. Matched as it is, with
 * nothing compiled or kept: a RegExp per pattern, kept for the whole check, cost
 * the check at 1,000 accounts of the benchmark's map about 28 s against about 24 s
 * with this, and at 10,000 292 to 331 s and 4.04 to 4.08 GB against 270 s and
 * 3.64 GB (docs/benchmarks.md, "Access check at 10,000 accounts, 2026-12-03").
 * Greedy, going back to the last `*` on a mismatch: each step moves the value on
 * or the pattern on, so it ends after at most pattern × value steps.
 */
export function wildcardMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const c = p < pattern.length ? pattern.charCodeAt(p) : -1;
    if (c === STAR) {
      star = p++;
      resume = v;
    } else if (c === ANY || (c >= 0 && c === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}

/** IAM-style glob match, case-insensitive as action names are unless told otherwise (resources); policy variables match anything. */
export function globMatches(pattern: string, value: string, caseInsensitive = true): boolean {
  if (!isGlob(pattern)) return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return wildcardMatches(globPattern(pattern, caseInsensitive), caseInsensitive ? value.toLowerCase() : value);
}

/** Groups a list by a key, keeping order. */
export function groupBy<T>(list: Iterable<T>, key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    const l = out.get(k);
    if (l) l.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/** True when a string holds an IAM wildcard. */
export const hasWildcard = (s: string): boolean => s.includes("*") || s.includes("?");

/**
 * A number for an object, the same for as long as it lives: memo keys name the
 * specs and documents read from the stacks by identity, since nothing changes them
 * after they are read.
 */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
export function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}
