/**
 * IAM policy documents as plain typed values: built by pure functions, merged and
 * serialized at the last moment, measured the way AWS measures them.
 */
import { byCodePoint } from "../config/order";

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export type PrincipalBlock = "*" | { readonly AWS?: string | readonly string[]; readonly Service?: string | readonly string[]; readonly Federated?: string };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: PrincipalBlock;
  readonly Action: string | readonly string[];
  /**
   * Only in the one statement of AWS's that needs it (the self-service MFA
   * policy's Deny, policies/baseline.ts); its `Action` is then the empty list,
   * which {@link toJson} leaves out.
   */
  readonly NotAction?: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

/** A `Sid` from words: AWS allows only letters and digits. */
export function sid(...words: string[]): string {
  return words
    .flatMap((w) => w.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

const asList = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);
/** One value stays a string, as AWS prints it; several become a sorted list. */
const oneOrMany = (values: Iterable<string>): string | string[] => {
  const list = [...new Set(values)].sort();
  return list.length === 1 ? list[0] : list;
};

/**
 * Assembles statements into a document. Statements that differ only in their
 * resources are merged (identity policies), then those that differ only in their
 * AWS principals (resource policies); exact duplicates collapse. Order is stable:
 * a merged statement stands where its first part stood. Sids made unique.
 */
export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  const byResource = mergeOn(statements, "Resource", (s) => asList(s.Resource), (s, all) => ({ ...s, Resource: oneOrMany(all) }));
  const byPrincipal = mergeOn(byResource, "Principal", awsPrincipals, (s, all) => ({ ...s, Principal: { AWS: oneOrMany(all) } }));
  const used = new Map<string, number>();
  const unique = byPrincipal.map((s) => {
    if (s.Sid === undefined) return s;
    const n = (used.get(s.Sid) ?? 0) + 1;
    used.set(s.Sid, n);
    return n === 1 ? s : { ...s, Sid: `${s.Sid}${n}` };
  });
  return { Version: "2012-10-17", Statement: unique };
}

function awsPrincipals(s: Statement): string[] {
  return typeof s.Principal === "object" ? asList(s.Principal.AWS) : [];
}

/**
 * Merges statements equal in everything but `field` (principal merging applies
 * only to pure AWS principals). Values are gathered and combined once per group:
 * a group granted 10,000 roles costs one sort, not 10,000.
 */
function mergeOn(
  statements: readonly Statement[],
  field: "Resource" | "Principal",
  values: (s: Statement) => string[],
  rebuild: (first: Statement, all: string[]) => Statement,
): Statement[] {
  const groups: { first: Statement; all?: string[] }[] = [];
  const index = new Map<string, number>();
  for (const s of statements) {
    const mergeable = field === "Resource" ? s.Resource !== undefined : isAwsOnly(s.Principal);
    const key = mergeable ? stableJson({ ...s, [field]: undefined }) : undefined;
    const at = key === undefined ? undefined : index.get(key);
    if (at === undefined) {
      if (key !== undefined) index.set(key, groups.length);
      groups.push({ first: s });
    } else {
      const group = groups[at];
      group.all ??= values(group.first);
      group.all.push(...values(s));
    }
  }
  return groups.map((g) => (g.all ? rebuild(g.first, g.all) : g.first));
}

function isAwsOnly(p: PrincipalBlock | undefined): boolean {
  return typeof p === "object" && p.AWS !== undefined && p.Service === undefined && p.Federated === undefined;
}

/** JSON with sorted object keys, for comparing statements. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byCodePoint(a, b)))
      : value,
  );
}

/** The literal JSON written into Terraform: compact, keys in IAM's usual order. */
export function toJson(doc: PolicyDocument): string {
  return JSON.stringify(doc, (key, value: unknown) => (key === "Action" && Array.isArray(value) && value.length === 0 ? undefined : value));
}

/** Size as AWS counts it against quotas: characters, not counting whitespace. */
export function policySize(doc: PolicyDocument): number {
  return toJson(doc).replace(/\s/g, "").length;
}
