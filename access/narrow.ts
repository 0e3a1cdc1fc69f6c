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
import { asList, globRegExp, isGlob, rootAccount, statementsOf } from "./policy-json";
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

/** A narrowed document and, for each kept statement, its index in the original. */
export interface Narrowed {
  readonly policy: PolicyJson;
  readonly indexes: readonly number[];
}

/** A list of Action or Resource entries, split once per document: exact entries by lookup, patterns by match. */
interface CompiledList {
  readonly exact: ReadonlyMap<string, readonly string[]>;
  readonly patterns: readonly { readonly re: RegExp; readonly entry: string }[];
  readonly caseInsensitive: boolean;
}

function compileList(entries: readonly string[], caseInsensitive: boolean): CompiledList {
  const exact = new Map<string, string[]>();
  const patterns: { re: RegExp; entry: string }[] = [];
  for (const entry of entries) {
    if (isGlob(entry)) patterns.push({ re: globRegExp(entry, caseInsensitive), entry });
    else {
      const k = caseInsensitive ? entry.toLowerCase() : entry;
      exact.set(k, [...(exact.get(k) ?? []), entry]);
    }
  }
  return { exact, patterns, caseInsensitive };
}

/** The entries of a compiled list that match a value, in no particular order. */
function matching(list: CompiledList, value: string): string[] {
  const out = [...(list.exact.get(list.caseInsensitive ? value.toLowerCase() : value) ?? [])];
  for (const p of list.patterns) if (p.re.test(value)) out.push(p.entry);
  return out;
}

interface CompiledStatement {
  readonly statement: StatementJson;
  readonly actions?: CompiledList;
  readonly resources?: CompiledList;
}

const compiled = new WeakMap<PolicyJson, readonly CompiledStatement[]>();

function compile(doc: PolicyJson): readonly CompiledStatement[] {
  let c = compiled.get(doc);
  if (!c) {
    c = statementsOf(doc).map((statement) => ({
      statement,
      ...(statement.Action !== undefined ? { actions: compileList(asList(statement.Action), true) } : {}),
      ...(statement.Resource !== undefined ? { resources: compileList(asList(statement.Resource), false) } : {}),
    }));
    compiled.set(doc, c);
  }
  return c;
}

/** Could this principal entry name the caller? Entries of other accounts cannot. */
function mayNameCaller(entry: string, req: RequestShape): boolean {
  if (entry === "*") return true;
  const root = rootAccount(entry);
  if (root !== undefined) return root === req.callerAccount;
  if (entry.includes("*") || entry.includes("?")) return true;
  return entry === req.principalArn || entry === req.principal || (req.callerAccount !== undefined && entry.includes(`::${req.callerAccount}:`));
}

function narrowPrincipal(p: unknown, req: RequestShape): unknown | undefined {
  if (p === undefined || p === "*") return p;
  if (typeof p !== "object" || p === null) return p;
  const out: Record<string, unknown> = {};
  for (const [kind, value] of Object.entries(p as Record<string, unknown>)) {
    const kept = kind === "Service" ? asList(value).filter((s) => s === req.principal) : kind === "AWS" ? asList(value).filter((a) => mayNameCaller(a, req)) : asList(value);
    if (kept.length > 0) out[kind] = kept.length === 1 ? kept[0] : kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function narrowStatement({ statement: s, actions, resources }: CompiledStatement, req: RequestShape, resourcePolicy: boolean): StatementJson | undefined {
  let out: StatementJson = s;
  if (actions) {
    const kept = matching(actions, req.action);
    if (kept.length === 0) return undefined;
    out = { ...out, Action: kept.sort() };
  }
  if (resources) {
    const kept = matching(resources, req.resource);
    if (kept.length === 0) return undefined;
    out = { ...out, Resource: kept.sort() };
  }
  if (resourcePolicy && s.Principal !== undefined) {
    const principal = narrowPrincipal(s.Principal, req);
    if (principal === undefined) return undefined;
    out = { ...out, Principal: principal };
  }
  return out;
}

/** The statements of `doc` that can decide `req`, each cut to the entries that can match. */
export function narrow(doc: PolicyJson, req: RequestShape, resourcePolicy: boolean): Narrowed {
  const statements: StatementJson[] = [];
  const indexes: number[] = [];
  compile(doc).forEach((s, i) => {
    const n = narrowStatement(s, req, resourcePolicy);
    if (n) {
      statements.push(n);
      indexes.push(i);
    }
  });
  return { policy: { ...(doc.Version !== undefined ? { Version: doc.Version } : {}), Statement: statements }, indexes };
}
