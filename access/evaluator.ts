/**
 * The one place that talks to the IAM evaluator (@cloud-copilot/iam-simulate, a
 * development dependency: only these commands and their tests load it). Everything
 * else asks questions as {@link SimRequest}s and reads {@link Decision}s.
 */
import { dirname, join } from "node:path";
import { runSimulation, type Simulation, type SimulationErrors } from "@cloud-copilot/iam-simulate";
import { objectId, sortedUnique, statementsOf } from "./policy-json";
import { forgetCompiled, narrow, type Narrowed } from "./narrow";
import type { PolicyJson, PolicyText, StatementJson } from "./types";
import { trickOn } from "../tricks";

/** One request to evaluate, with both halves: the caller's identity policies and the resource's policy. */
export interface SimRequest {
  /** Request principal: an IAM user or role session ARN, or a service name. */
  readonly principal: string;
  readonly action: string;
  /** A concrete resource ARN. */
  readonly resource: string;
  /** Account that owns the resource: decides same-account or cross-account evaluation. */
  readonly resourceAccount: string;
  /** `outside`: the caller's policies are not in the stacks; assume they allow everything. */
  readonly identity: readonly PolicyText[] | "outside";
  readonly resourcePolicy?: PolicyText;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** The evaluator's answer, with enough detail to say which half refused. */
export interface Decision {
  readonly result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";
  /** Result of the identity half alone. */
  readonly identity?: string;
  /** Result of the resource half alone (`NotApplicable` when there is no resource policy). */
  readonly resource?: string;
  /** `<address> <sid>` of every Deny statement that matched. */
  readonly deniedBy: readonly string[];
  readonly error?: string;
}

/** Evaluates requests. */
export interface Evaluator {
  evaluate(req: SimRequest): Promise<Decision>;
  /** True when `action` can act on `resource` at all (the action exists and the ARN is of a type it takes). */
  applies(action: string, resource: string): Promise<boolean>;
  /** How many distinct simulations were run. */
  readonly runs: number;
  /** Drops the memos (simulations, narrowed and compiled policies, resource types): for when no request asked so far will be asked again. */
  forget(): void;
}

/**
 * The evaluator looks up the resource types an action can take for every request
 * (a pattern match over AWS's catalog, about a third of its time here). The
 * answer depends only on (service, action, resource), which repeat for every
 * caller of a target, so it is memoized. The function is replaced on the module
 * object the engine calls through; if a later version moves it, nothing breaks,
 * the check is only slower. Pinned version: package.json. Measured (tricks.ts
 * "memoize-resource-types"; docs/benchmarks.md, "Speed tricks", 2026-12-01): the
 * access check at 100 accounts took 69.3 s with the memo and 82.3 s without (1.17×,
 * the median of three interleaved rounds, noisy: 1.2, 2.0, 1.0), load average 8 to 9.
 */
function memoizeResourceTypes(): void {
  try {
    const file = join(dirname(require.resolve("@cloud-copilot/iam-simulate")), "simulation_engine", "resourceTypes.js");
    const mod = require(file) as { getResourceTypesForAction?: (service: string, action: string, resource: string) => Promise<unknown> };
    const original = mod.getResourceTypesForAction;
    if (typeof original !== "function") return;
    const memo = new Map<string, Promise<unknown>>();
    forgetResourceTypes = () => memo.clear();
    mod.getResourceTypesForAction = (service, action, resource) => {
      const key = `${service}\u0000${action}\u0000${resource}`;
      let r = memo.get(key);
      if (!r) {
        r = original(service, action, resource);
        memo.set(key, r);
      }
      return r;
    };
  } catch {
    // Not found where expected: evaluate without the memo.
  }
}
/** Empties the memo: its keys hold the resource, so none is asked again once its target is done ({@link Evaluator.forget}). */
let forgetResourceTypes = (): void => undefined;
if (trickOn("memoize-resource-types")) memoizeResourceTypes();

/**
 * The evaluator compares condition operator names (`BoolIfExists`, `ForAnyValue:...`)
 * case-insensitively with `localeCompare`, an ICU collation per condition per request:
 * 13% of the access check's time at 100 accounts of the benchmark's map
 * (docs/benchmarks.md). For printable ASCII, which every operator name is, that
 * comparison is equality after lowercasing; other text goes to the original. Both
 * exported functions are replaced (the second calls the first directly), on the
 * module object the engine calls through, as above. Measured (tricks.ts
 * "fast-case-compare"; docs/benchmarks.md, "Speed tricks", 2026-12-01): the access
 * check at 100 accounts took 65.0 s with it and 74.8 s without (1.19×, rounds 1.2,
 * 1.3, 1.2), load average 8 to 10.
 */
function fastCaseInsensitiveCompare(): void {
  try {
    const mod = require(join(dirname(require.resolve("@cloud-copilot/iam-policy")), "utils.js")) as {
      caseInsensitiveEquals?: (a: string, b: string) => boolean;
      caseInsensitiveEndsWith?: (value: string, suffix: string) => boolean;
    };
    const original = mod.caseInsensitiveEquals;
    if (typeof original !== "function" || typeof mod.caseInsensitiveEndsWith !== "function") return;
    const equals = (a: string, b: string): boolean => (PRINTABLE_ASCII.test(a) && PRINTABLE_ASCII.test(b) ? a.length === b.length && a.toLowerCase() === b.toLowerCase() : original(a, b));
    mod.caseInsensitiveEquals = equals;
    mod.caseInsensitiveEndsWith = (value, suffix) => equals(value.slice(-suffix.length), suffix);
  } catch {
    // Not where expected: the original comparison, only slower.
  }
}
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
if (trickOn("fast-case-compare")) fastCaseInsensitiveCompare();

/**
 * GitHub's token claims as condition keys. AWS's service reference, which the
 * evaluator reads, lists `token.actions.githubusercontent.com:` keys such as
 * `repository` and `ref` for sts:AssumeRoleWithWebIdentity but not `aud` and
 * `sub`, the two that IAM's own documentation uses
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif),
 * so it would drop them from the request and deny every GitHub job. They are
 * added for that action (as single-valued strings), the same way as the memo
 * above: on the module objects the engine calls through. Were they missing, the
 * GitHub requests would be denied and the gate would say so (never allow more).
 */
const OIDC_KEYS = ["token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"];
function acceptOidcKeys(): void {
  try {
    const base = dirname(require.resolve("@cloud-copilot/iam-simulate"));
    const allowed = require(join(base, "simulation_engine", "contextKeys.js")) as { allowedContextKeysForRequest?: (service: string, action: string, ...rest: unknown[]) => Promise<string[]> };
    const types = require(join(base, "context_keys", "contextKeys.js")) as { typeForContextKey?: (key: string) => Promise<string> };
    const original = allowed.allowedContextKeysForRequest;
    const originalType = types.typeForContextKey;
    if (typeof original !== "function" || typeof originalType !== "function") return;
    allowed.allowedContextKeysForRequest = async (service, action, ...rest) => {
      const keys = await original(service, action, ...rest);
      return service.toLowerCase() === "sts" && action.toLowerCase() === "assumerolewithwebidentity" ? [...keys, ...OIDC_KEYS] : keys;
    };
    types.typeForContextKey = (key) => (OIDC_KEYS.includes(key.toLowerCase()) ? Promise.resolve("String") : originalType(key));
  } catch {
    // Not where expected: web-identity requests are denied, and the gate reports them as missing.
  }
}
acceptOidcKeys();

/** Stands in for policies that live outside the stacks (another company's account): they may allow anything. */
const OUTSIDE_POLICY: PolicyJson = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const OUTSIDE_NAME = "(the caller's own policies, outside these stacks)";

/** A policy cut to what can decide one request shape, with its parts of the memo key: made once per policy and shape. */
interface NarrowedPolicy {
  readonly name: string;
  readonly policy: PolicyJson;
  readonly indexes: readonly number[];
  /** No NotAction and only `aws:` condition keys: a service's actions may share its decision (see {@link requestKey}). */
  readonly shareable: boolean;
  /** The narrowed document in the memo key, as it is and with each statement's matched Action left out ({@link requestKey}). */
  readonly exact: string;
  readonly byMatch: string;
  /** The context keys its statements name, lowercased, or `all` (narrow.ts). */
  readonly contextKeys: readonly string[] | "all";
}

/** A request with its policies cut to what can decide it (narrow.ts): what is simulated and memoized. */
interface Prepared {
  readonly req: SimRequest;
  readonly identity: readonly NarrowedPolicy[];
  readonly resource?: NarrowedPolicy;
}

/**
 * A narrowed policy, named in the memo key by the policy it was cut from (by object
 * identity: the inventory reads each document once and nothing changes it after)
 * and what narrowing kept of it (narrow.ts). Digesting the narrowed text instead
 * took 7% of the check at 1,000 accounts of the benchmark's map (docs/benchmarks.md).
 */
function narrowedPolicy(source: PolicyText | string, policy: PolicyJson, narrowed: Omit<Narrowed, "policy">): NarrowedPolicy {
  const shareable = statementsOf(policy).every((s) => s.NotAction === undefined && conditionKeys(s).every((k) => k.toLowerCase().startsWith("aws:")));
  const id = typeof source === "string" ? source : `${policyId(source)}`;
  return {
    name: typeof source === "string" ? source : source.address,
    policy,
    indexes: narrowed.indexes,
    shareable,
    exact: `${id}:${narrowed.signature}`,
    byMatch: `${id}:${narrowed.matchSignature}`,
    contextKeys: narrowed.contextKeys,
  };
}

/** A narrowed policy in the memo key: as it is, or with the matched Actions left out. */
const digestOf = (p: NarrowedPolicy, shared: boolean): string => (shared ? p.byMatch : p.exact);

const OUTSIDE: NarrowedPolicy = narrowedPolicy(OUTSIDE_NAME, OUTSIDE_POLICY, { indexes: [0], signature: "whole", matchSignature: "whole", contextKeys: [] });

/**
 * Narrows each policy of a request. The variants of one request (MFA false or absent,
 * no external id, plain HTTP) have the same shape and so the same narrowed policies:
 * those are kept per policy and shape in `memo`, emptied when it grows past
 * {@link NARROWED_KEPT} entries so that memory stays bounded.
 */
function prepare(req: SimRequest, memo: Map<string, NarrowedPolicy | null>, textId: (text: string) => number): Prepared {
  const callerAccount = req.context["aws:PrincipalAccount"];
  const principalArn = req.context["aws:PrincipalArn"];
  const shape = {
    action: req.action,
    resource: req.resource,
    principal: req.principal,
    ...(typeof callerAccount === "string" ? { callerAccount } : {}),
    ...(typeof principalArn === "string" ? { principalArn } : {}),
  };
  const shapeKey = [textId(req.action), textId(req.resource), textId(req.principal), typeof callerAccount === "string" ? textId(callerAccount) : "-", typeof principalArn === "string" ? textId(principalArn) : "-"].join(" ");
  if (memo.size > NARROWED_KEPT) memo.clear();
  const cut = (p: PolicyText, resourcePolicy: boolean): NarrowedPolicy | null => {
    const key = `${policyId(p)} ${shapeKey}`;
    let n = memo.get(key);
    if (n === undefined) {
      const narrowed = narrow(p.document, shape, resourcePolicy);
      n = resourcePolicy || narrowed.indexes.length > 0 ? narrowedPolicy(p, narrowed.policy, narrowed) : null;
      memo.set(key, n);
    }
    return n;
  };
  const identity = req.identity === "outside" ? [OUTSIDE] : req.identity.map((p) => cut(p, false)).filter((n): n is NarrowedPolicy => n !== null);
  const resource = req.resourcePolicy ? cut(req.resourcePolicy, true) : null;
  return { req, identity, ...(resource ? { resource } : {}) };
}

/** Narrowed policies kept at most, per evaluator. */
const NARROWED_KEPT = 200_000;

/** Builds a memoizing evaluator: the gate, the probes and the report ask many of the same questions. */
export function createEvaluator(): Evaluator {
  const memo = new Map<string, Promise<Decision>>();
  let runs = 0;
  const run = (key: string, prepared: Prepared): Promise<Decision> => {
    let d = memo.get(key);
    if (!d) {
      runs++;
      d = simulate(prepared);
      memo.set(key, d);
    }
    return d;
  };
  const narrowed = new Map<string, NarrowedPolicy | null>();
  const texts = textIds();
  // Requests asked again as they are are answered before they are built (decisionFor
  // in effective.ts): each request here is new.
  const evaluate = async (req: SimRequest): Promise<Decision> => {
    const prepared = prepare(req, narrowed, texts.id);
    const shared = await run(requestKey(prepared, true), prepared);
    // An error message names the action it was simulated with: ask again with this one.
    return shared.result === "Error" ? run(requestKey(prepared, false), prepared) : shared;
  };
  const applies = async (action: string, resource: string): Promise<boolean> => {
    const d = await evaluate({ principal: "arn:aws:iam::000000000000:user/access-probe", action, resource, resourceAccount: "000000000000", identity: [], context: {} });
    return d.result !== "Error";
  };
  return {
    evaluate,
    applies,
    get runs() {
      return runs;
    },
    forget() {
      memo.clear();
      narrowed.clear();
      texts.clear();
      forgetResourceTypes();
      forgetCompiled();
    },
  };
}

/** Numbers for what requests repeat: policy objects by identity (objectId), strings by value ({@link textIds}). */
const policyId = (p: PolicyText): number => objectId(p);

/** Numbers for strings, by value: kept as long as the memos whose keys hold them, and emptied with them. */
function textIds(): { id: (text: string) => number; clear: () => void } {
  const ids = new Map<string, number>();
  return {
    id: (text) => {
      let id = ids.get(text);
      if (id === undefined) ids.set(text, (id = ids.size));
      return id;
    },
    clear: () => ids.clear(),
  };
}

/**
 * The part of a request's context that can change a decision about these documents,
 * as one string: the keys their statements name (narrow.ts), in code point order,
 * each with its value. The other keys decide nothing (IAM reads the context only
 * through conditions and policy variables), so requests that differ only in them
 * share one simulation: at 300 accounts of the benchmark's map, 52,890 simulations
 * where the whole context made 63,969 (docs/benchmarks.md).
 */
function contextKey(context: SimRequest["context"], documents: readonly NarrowedPolicy[]): string {
  const named = documents.some((d) => d.contextKeys === "all") ? undefined : new Set(documents.flatMap((d) => d.contextKeys as readonly string[]));
  return Object.keys(context)
    .filter((k) => named === undefined || named.has(k.toLowerCase()))
    .sort()
    .map((k) => {
      const v = context[k];
      return `${k}\u0000${typeof v === "string" ? v : JSON.stringify(v)}`;
    })
    .join("\u0001");
}

/**
 * The memo key: the request as it is simulated, its narrowed documents by what
 * was kept of which policy ({@link narrowedPolicy}). Two actions of one service on the same resource get the same decision
 * when the narrowed documents are the same but for which Action entry matched:
 * narrowing kept exactly the statements whose Action matches, so the same
 * statements decide both. That holds unless a statement uses NotAction (kept
 * whole) or a service-specific condition key (which may apply to one action and
 * not the other): then the action itself is part of the key. At 100 accounts of
 * the benchmark's map this shares 11,152 of 32,255 simulations (docs/benchmarks.md).
 */
function requestKey({ req, identity, resource }: Prepared, byClass: boolean): string {
  const documents = resource ? [...identity, resource] : identity;
  const shared = byClass && documents.every((d) => d.shareable);
  return [
    req.principal,
    shared ? `class of ${req.action.split(":")[0].toLowerCase()}` : req.action,
    req.resource,
    req.resourceAccount,
    ...identity.map((p) => digestOf(p, shared)),
    resource ? `resource ${digestOf(resource, shared)}` : "-",
    contextKey(req.context, documents),
  ].join("\u0002");
}

async function simulate({ req, identity, resource }: Prepared): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(req.context).map(([k, v]) => [k, typeof v === "string" ? v : [...v]])),
    },
    identityPolicies: identity.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resource ? { resourcePolicy: resource.policy } : {}),
  };
  const response = await runSimulation(simulation, { simulationMode: "Strict" });
  if (response.resultType === "error") {
    return { result: "Error", deniedBy: [], error: describeErrors(response.errors, req) };
  }
  const analyses = response.resultType === "single" ? [response.result.analysis] : response.results.map((r) => r.analysis);
  const first = analyses[0];
  const identityIndexes = new Map(identity.map((p) => [p.name, p.indexes]));
  // Statement numbers as in the stack's document, not the narrowed one.
  const label = (sid: string | undefined, index: number, indexes: readonly number[] | undefined) => sid ?? `statement #${(indexes?.[index] ?? index) + 1}`;
  const deniedBy = sortedUnique(
    analyses.flatMap((a) => [
      ...(a.identityAnalysis?.denyStatements ?? []).map((s) => `${s.policyId} ${label(s.statement.sid(), s.statement.index(), identityIndexes.get(s.policyId ?? ""))}`),
      ...(a.resourceAnalysis?.denyStatements ?? []).map((s) => `${resource?.name ?? "resource policy"} ${label(s.statement.sid(), s.statement.index(), resource?.indexes)}`),
    ]),
  );
  return {
    result: response.overallResult,
    ...(first?.identityAnalysis ? { identity: first.identityAnalysis.result } : {}),
    ...(first?.resourceAnalysis ? { resource: first.resourceAnalysis.result } : {}),
    deniedBy,
  };
}

/** The evaluator's validation errors, named by the Terraform address of the policy they are in. */
function describeErrors(errors: SimulationErrors, req: SimRequest): string {
  const parts: string[] = [];
  for (const [name, list] of Object.entries(errors.identityPolicyErrors ?? {})) parts.push(...list.map((e) => `${name} ${e.path}: ${e.message}`));
  for (const e of errors.resourcePolicyErrors ?? []) parts.push(`${req.resourcePolicy?.address ?? "resource policy"} ${e.path}: ${e.message}`);
  return parts.length > 0 ? parts.join("; ") : `${errors.message} (${req.action} on ${req.resource})`;
}

function conditionKeys(s: StatementJson): string[] {
  return Object.values(s.Condition ?? {}).flatMap((kv) => Object.keys(kv ?? {}));
}
