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

/** IAM glob (`*`, `?`); policy variables (`${...}`) match anything. */
export function globRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .split(/(\$\{[^}]*\})/)
    .map((part, i) => (i % 2 === 1 ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")))
    .join("");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

const globs = new Map<string, RegExp>();

/** IAM-style glob match, case-insensitive as action names are unless told otherwise (resources). Patterns are compiled once. */
export function globMatches(pattern: string, value: string, caseInsensitive = true): boolean {
  if (!isGlob(pattern)) return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${caseInsensitive ? "i" : "s"}${pattern}`;
  let re = globs.get(key);
  if (!re) {
    re = globRegExp(pattern, caseInsensitive);
    globs.set(key, re);
  }
  return re.test(value);
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
