/**
 * Runs a zod schema over part of the map and turns its issues into located
 * {@link ConfigIssue}s with a message and a hint.
 */
import { z } from "zod";
import type { ConfigIssue } from "./errors";
import type { PathSegment, Source } from "./source";
import { closest } from "./suggest";

/** What to write for a missing or mistyped key, by key name. */
const HINTS: Record<string, string> = {
  version: "version: 1",
  accounts: "accounts: with one entry per AWS account",
  id: 'a quoted 12-digit account id, e.g. id: "123456789012"',
  externalId: "the external id the vendor gave you for this account: unique to you and this vendor, never an example's",
  assumableBy: "a list of callers, e.g. assumableBy: [dev/developers]",
  groups: "a list of group names, e.g. groups: [developers]",
  policies: "a list of policy names",
  managedPolicies: "a list of AWS managed policy names, e.g. [ReadOnlyAccess]",
  grants: "a mapping of caller to level, e.g. staging/testers: read",
  actions: "a list of actions, e.g. [s3:GetObject]",
  resources: 'a list of ARNs, e.g. ["arn:aws:s3:::bucket/*"]',
  requireMfa: "write true or false, unquoted",
  backend: "local or s3",
  bucket: "an S3 bucket name",
  region: "an AWS region such as us-east-1",
  tags: "a mapping of tag names to string values",
};

/** Validates `value` (found at `base` in the map) and returns the parsed data, or undefined after recording issues. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  base: readonly PathSegment[],
  source: Source,
  out: ConfigIssue[],
): z.infer<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((iss) => toIssues(iss, schema, base, source));
  out.push(...issues.filter((i) => !explainedByTypo(i, issues)));
  return undefined;
}

/** A missing key whose name an unknown sibling key misspells is one problem, reported once (as the typo). */
function explainedByTypo(issue: ConfigIssue, all: readonly ConfigIssue[]): boolean {
  const missing = /^missing required key "(.*)"$/.exec(issue.message)?.[1];
  if (missing === undefined) return false;
  const parent = issue.path.slice(0, issue.path.length - missing.length);
  return all.some((o) => o.path.startsWith(parent) && o.message.startsWith("unknown key") && o.hint.startsWith(`did you mean "${missing}"?`));
}

function toIssues(iss: z.core.$ZodIssue, schema: z.ZodType, base: readonly PathSegment[], source: Source): ConfigIssue[] {
  const path = [...base, ...(iss.path as PathSegment[])];
  const issue = (at: readonly PathSegment[], message: string, hint: string, key = false): ConfigIssue => ({
    file: source.file,
    ...source.locate(at, { key }),
    message,
    hint,
  });
  const last = path[path.length - 1];
  const input = (iss as { input?: unknown }).input;

  switch (iss.code) {
    case "unrecognized_keys": {
      const allowed = objectKeysAt(schema, iss.path as PathSegment[]);
      return iss.keys.map((k) => {
        const guess = closest(k, allowed);
        const hint = `${guess ? `did you mean "${guess}"? ` : ""}allowed keys: ${allowed.join(", ")}`;
        return issue([...path, k], `unknown key "${k}"`, hint, true);
      });
    }
    case "invalid_key": {
      const inner = iss.issues[0];
      const { message, hint } = split(inner?.message ?? "invalid name");
      return [issue(path, message, hint, true)];
    }
    case "invalid_type":
      if (input === undefined) {
        return [issue(path, `missing required key "${String(last)}"`, `add ${HINTS[String(last)] ?? String(last)}`)];
      }
      if (last === "id" && typeof input === "number") {
        const raw = source.rawText(path) ?? String(input);
        return [
          issue(
            path,
            `account id ${raw} is not quoted, so YAML reads it as the number ${input}`,
            `write id: "${raw}"; unquoted ids lose leading zeros in YAML 1.1 readers`,
          ),
        ];
      }
      if (!isDefaultMessage(iss.message)) {
        const { message, hint } = split(iss.message);
        return [issue(path, message, hint)];
      }
      return [
        issue(path, `expected ${article(iss.expected)}, got ${describe(input, source.rawText(path))}`, HINTS[String(last)] ?? `write ${article(iss.expected)}`),
      ];
    case "invalid_union": {
      // Report the problems of the branch the value was meant for: the one that
      // did not fail on the value's own type.
      const branch = iss.errors.find((errs) => !errs.some((e) => e.code === "invalid_type" && e.path.length === 0));
      if (!branch) break;
      return branch.flatMap((e) => toIssues({ ...e, path: [...iss.path, ...e.path] } as z.core.$ZodIssue, schema, base, source));
    }
    case "invalid_value": {
      const values = iss.values.map((v) => String(v));
      // `version: "1"`: the right value, quoted. Say so rather than suggest "1" for "1".
      const unquoted = typeof input === "string" ? iss.values.find((v) => typeof v !== "string" && String(v) === input) : undefined;
      if (unquoted !== undefined) return [issue(path, `invalid value ${JSON.stringify(input)}: a string, where the ${typeof unquoted} ${String(unquoted)} is expected`, `write it without quotes: ${String(last)}: ${String(unquoted)}`)];
      const guess = typeof input === "string" ? closest(input, values) : undefined;
      return [
        issue(path, `invalid value ${JSON.stringify(input)}`, `${guess ? `did you mean "${guess}"? ` : ""}one of: ${values.join(", ")}`),
      ];
    }
  }
  // Everything else carries our own "message (hint)", or zod's wording as a last resort.
  const { message, hint } = isDefaultMessage(iss.message)
    ? { message: iss.message.replace(/^Invalid input: /, ""), hint: HINTS[String(last)] ?? "see the account map format in the README" }
    : split(iss.message);
  return [issue(path, message, hint)];
}

/** Our messages end in "(hint)"; zod's own start with "Invalid" or "Too". */
function isDefaultMessage(m: string): boolean {
  return /^(Invalid|Too (small|big)|Expected)/.test(m);
}

function split(m: string): { message: string; hint: string } {
  const match = /^([\s\S]*?) \(([^()]*)\)$/.exec(m);
  return match ? { message: match[1], hint: match[2] } : { message: m, hint: "see the account map format in the README" };
}

function article(expected: string): string {
  const words: Record<string, string> = {
    string: "a string",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
  };
  return words[expected] ?? expected;
}

function describe(v: unknown, raw: string | undefined): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${raw ?? String(v)}`;
}

/** The keys a strict object schema allows at a path, for "did you mean" hints. */
function objectKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let s: z.core.$ZodType | undefined = schema;
  for (const seg of path) {
    s = unwrap(s);
    const def = (s as z.core.$ZodType | undefined)?._zod.def as unknown as Record<string, unknown> | undefined;
    if (!def) return [];
    if (def.type === "object") s = (def.shape as Record<string, z.core.$ZodType>)[String(seg)];
    else if (def.type === "record") s = def.valueType as z.core.$ZodType;
    else if (def.type === "array") s = def.element as z.core.$ZodType;
    else return [];
  }
  const def = unwrap(s)?._zod.def as unknown as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(s: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  while (s) {
    const def = s._zod.def as unknown as { type: string; innerType?: z.core.$ZodType };
    if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) s = def.innerType;
    else return s;
  }
  return s;
}
