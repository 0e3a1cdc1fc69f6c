/**
 * Cuts a policy document down to the statements that can decide one request.
 *
 * A statement takes part in a decision only when its Action matches the request's
 * action, its Resource matches the resource and (in a resource policy) its
 * Principal matches the caller; dropping the others, and the entries of a list
 * that cannot match, changes no decision. It changes the cost a lot: a group that
 * may assume a role in 1,000 accounts lists 1,000 role ARNs, and the evaluator
 * would match every request against all of them. Statements written with
 * NotAction, NotResource or NotPrincipal, and entries holding policy variables,
 * are kept whole: they are not narrowed, only passed on.
 */
import { asList, globPattern, isGlob, rootAccount, statementsOf, wildcardMatches } from "./policy-json";
import type { PolicyJson, StatementJson } from "./types";

/** What the request offers to match against. */
export interface RequestShape {
  readonly action: string;
  readonly resource: string;
  /** The caller's account, when it has one (services have none). */
  readonly callerAccount?: string;
  /** The request principal: a user or session ARN, or a service name. */
  readonly principal: string;
  readonly principalArn?: string;
}

/**
 * A narrowed document, for each kept statement its index in the original, and
 * what was kept as numbers: for each kept statement its index and the positions of
 * the Action, Resource and Principal entries kept. With the original document, the
 * signature names the narrowed one exactly (nothing else of a statement is cut),
 * so the evaluator keys its memo by it instead of digesting the narrowed text.
 */
export interface Narrowed {
  readonly policy: PolicyJson;
  readonly indexes: readonly number[];
  /** Every kept statement with the entries it kept. */
  readonly signature: string;
  /** The same without the Action entries kept: which of a statement's actions matched. */
  readonly matchSignature: string;
  /**
   * The request context keys the kept statements name (lowercased, sorted), or `all`
   * when one holds a policy variable: no other key of the context can change a
   * decision about them.
   */
  readonly contextKeys: readonly string[] | "all";
}

/** A list of Action or Resource entries, split once per document: exact entries by lookup, patterns by match; entries by their position in the list. */
interface CompiledList {
  readonly entries: readonly string[];
  readonly exact: ReadonlyMap<string, readonly number[]>;
  /** Patterns as {@link wildcardMatches} reads them (lowercased when the list is matched without case). */
  readonly patterns: readonly { readonly pattern: string; readonly at: number }[];
  readonly caseInsensitive: boolean;
}

function compileList(entries: readonly string[], caseInsensitive: boolean): CompiledList {
  const exact = new Map<string, number[]>();
  const patterns: { pattern: string; at: number }[] = [];
  entries.forEach((entry, at) => {
    if (isGlob(entry)) patterns.push({ pattern: globPattern(entry, caseInsensitive), at });
    else {
      const k = caseInsensitive ? entry.toLowerCase() : entry;
      exact.set(k, [...(exact.get(k) ?? []), at]);
    }
  });
  return { entries, exact, patterns, caseInsensitive };
}

/** The positions of the entries of a compiled list that match a value, in list order. */
function matching(list: CompiledList, value: string): number[] {
  const v = list.caseInsensitive ? value.toLowerCase() : value;
  const out = [...(list.exact.get(v) ?? [])];
  for (const p of list.patterns) if (wildcardMatches(p.pattern, v)) out.push(p.at);
  return out.sort((a, b) => a - b);
}

const entriesAt = (list: CompiledList, at: readonly number[]): string[] => at.map((i) => list.entries[i]).sort();

interface CompiledStatement {
  readonly statement: StatementJson;
  readonly actions?: CompiledList;
  readonly resources?: CompiledList;
  readonly contextKeys: readonly string[] | "all";
}

/** The context keys a statement's conditions name, lowercased, or `all` when it holds a policy variable (`${aws:username}`) anywhere. */
function contextKeysOf(s: StatementJson): readonly string[] | "all" {
  if (JSON.stringify(s).includes("${")) return "all";
  return Object.values(s.Condition ?? {}).flatMap((kv) => Object.keys(kv ?? {}).map((k) => k.toLowerCase()));
}

/**
 * The documents compiled since the last {@link forgetCompiled}: the access check
 * forgets them with its other memos when a target is done (access/shards.ts), so
 * that only the policies of the target at hand and its callers are held compiled.
 * Kept for the whole check they were the largest thing it held: about 1.8 KB per
 * statement, 76 MB at 1,000 accounts of the benchmark's map and some 750 MB in
 * each thread at 10,000 (docs/benchmarks.md).
 */
let compiled = new WeakMap<PolicyJson, readonly CompiledStatement[]>();

/** Drops every compiled document: for when the documents asked of so far will not be asked of again soon. */
export function forgetCompiled(): void {
  compiled = new WeakMap();
}

function compile(doc: PolicyJson): readonly CompiledStatement[] {
  let c = compiled.get(doc);
  if (!c) {
    c = statementsOf(doc).map((statement) => ({
      statement,
      contextKeys: contextKeysOf(statement),
      ...(statement.Action !== undefined ? { actions: compileList(asList(statement.Action), true) } : {}),
      ...(statement.Resource !== undefined ? { resources: compileList(asList(statement.Resource), false) } : {}),
    }));
    compiled.set(doc, c);
  }
  return c;
}

/**
 * True when a statement of the document names the request context key in its
 * conditions, or holds a policy variable (which may read any key): only then can
 * leaving the key out of a request change a decision about it. From the
 * statements as compiled for narrowing, so no more is kept per document.
 */
export function namesContextKey(doc: PolicyJson, key: string): boolean {
  const k = key.toLowerCase();
  return compile(doc).some((s) => s.contextKeys === "all" || s.contextKeys.includes(k));
}

/** Could this principal entry name the caller? Entries of other accounts cannot. */
function mayNameCaller(entry: string, req: RequestShape): boolean {
  if (entry === "*") return true;
  const root = rootAccount(entry);
  if (root !== undefined) return root === req.callerAccount;
  if (entry.includes("*") || entry.includes("?")) return true;
  return entry === req.principalArn || entry === req.principal || (req.callerAccount !== undefined && entry.includes(`::${req.callerAccount}:`));
}

/** The Principal cut to the entries that may name the caller, and which entries of each kind were kept (as positions). */
function narrowPrincipal(p: unknown, req: RequestShape): { principal: unknown; kept: string } | undefined {
  if (p === undefined || p === "*") return { principal: p, kept: "" };
  if (typeof p !== "object" || p === null) return { principal: p, kept: "" };
  const out: Record<string, unknown> = {};
  const kept: string[] = [];
  for (const [kind, value] of Object.entries(p as Record<string, unknown>)) {
    const list = asList(value);
    const may = (entry: string) => (kind === "Service" ? entry === req.principal : kind === "AWS" ? mayNameCaller(entry, req) : true);
    const at = list.flatMap((entry, i) => (may(entry) ? [i] : []));
    if (at.length > 0) {
      const entries = at.map((i) => list[i]);
      out[kind] = entries.length === 1 ? entries[0] : entries;
      kept.push(`${kind}${at.join(",")}`);
    }
  }
  return Object.keys(out).length > 0 ? { principal: out, kept: kept.join(" ") } : undefined;
}

/** A kept statement, with the parts of its signature: its Action entries, and the rest. */
interface NarrowedStatement {
  readonly statement: StatementJson;
  readonly actions: string;
  readonly rest: string;
}

function narrowStatement({ statement: s, actions, resources }: CompiledStatement, req: RequestShape, resourcePolicy: boolean): NarrowedStatement | undefined {
  let out: StatementJson = s;
  let actionsKept = "";
  const rest: string[] = [];
  if (actions) {
    const at = matching(actions, req.action);
    if (at.length === 0) return undefined;
    out = { ...out, Action: entriesAt(actions, at) };
    actionsKept = at.join(",");
  }
  if (resources) {
    const at = matching(resources, req.resource);
    if (at.length === 0) return undefined;
    out = { ...out, Resource: entriesAt(resources, at) };
    rest.push(`r${at.join(",")}`);
  }
  if (resourcePolicy && s.Principal !== undefined) {
    const principal = narrowPrincipal(s.Principal, req);
    if (principal === undefined) return undefined;
    out = { ...out, Principal: principal.principal };
    rest.push(`p${principal.kept}`);
  }
  return { statement: out, actions: actionsKept, rest: rest.join(" ") };
}

/** The statements of `doc` that can decide `req`, each cut to the entries that can match. */
export function narrow(doc: PolicyJson, req: RequestShape, resourcePolicy: boolean): Narrowed {
  const statements: StatementJson[] = [];
  const indexes: number[] = [];
  const signature: string[] = [];
  const matchSignature: string[] = [];
  const contextKeys = new Set<string>();
  let everyKey = false;
  compile(doc).forEach((s, i) => {
    const n = narrowStatement(s, req, resourcePolicy);
    if (n) {
      statements.push(n.statement);
      indexes.push(i);
      signature.push(`${i} a${n.actions} ${n.rest}`);
      matchSignature.push(`${i} ${n.rest}`);
      if (s.contextKeys === "all") everyKey = true;
      else for (const k of s.contextKeys) contextKeys.add(k);
    }
  });
  return {
    policy: { ...(doc.Version !== undefined ? { Version: doc.Version } : {}), Statement: statements },
    indexes,
    signature: signature.join(";"),
    matchSignature: matchSignature.join(";"),
    contextKeys: everyKey ? "all" : [...contextKeys].sort(),
  };
}
