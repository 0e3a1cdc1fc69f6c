/**
 * The one place that talks to the IAM evaluator (@cloud-copilot/iam-simulate, a
 * development dependency: only these commands and their tests load it). Everything
 * else asks questions as {@link SimRequest}s and reads {@link Decision}s.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { runSimulation, type Simulation, type SimulationErrors } from "@cloud-copilot/iam-simulate";
import { sortedUnique, statementsOf } from "./policy-json";
import { narrow } from "./narrow";
import type { PolicyJson, PolicyText, StatementJson } from "./types";

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
}

/**
 * The evaluator looks up the resource types an action can take for every request
 * (a pattern match over AWS's catalog, about a third of its time here). The
 * answer depends only on (service, action, resource), which repeat for every
 * caller of a target, so it is memoized. The function is replaced on the module
 * object the engine calls through; if a later version moves it, nothing breaks,
 * the check is only slower. Pinned version: package.json.
 */
function memoizeResourceTypes(): void {
  try {
    const file = join(dirname(require.resolve("@cloud-copilot/iam-simulate")), "simulation_engine", "resourceTypes.js");
    const mod = require(file) as { getResourceTypesForAction?: (service: string, action: string, resource: string) => Promise<unknown> };
    const original = mod.getResourceTypesForAction;
    if (typeof original !== "function") return;
    const memo = new Map<string, Promise<unknown>>();
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
memoizeResourceTypes();

/**
 * The evaluator compares condition operator names (`BoolIfExists`, `ForAnyValue:...`)
 * case-insensitively with `localeCompare`, an ICU collation per condition per request:
 * 13% of the access check's time at 100 accounts of the benchmark's map
 * (docs/benchmarks.md). For printable ASCII, which every operator name is, that
 * comparison is equality after lowercasing; other text goes to the original. Both
 * exported functions are replaced (the second calls the first directly), on the
 * module object the engine calls through, as above.
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
fastCaseInsensitiveCompare();

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

/** A request with its policies cut to what can decide it (narrow.ts): what is simulated and memoized. */
interface Prepared {
  readonly req: SimRequest;
  readonly identity: readonly { name: string; policy: PolicyJson; indexes: readonly number[] }[];
  readonly resource?: { address: string; policy: PolicyJson; indexes: readonly number[] };
}

function prepare(req: SimRequest): Prepared {
  const shape = {
    action: req.action,
    resource: req.resource,
    principal: req.principal,
    ...(typeof req.context["aws:PrincipalAccount"] === "string" ? { callerAccount: req.context["aws:PrincipalAccount"] } : {}),
    ...(typeof req.context["aws:PrincipalArn"] === "string" ? { principalArn: req.context["aws:PrincipalArn"] } : {}),
  };
  const identity =
    req.identity === "outside"
      ? [{ name: OUTSIDE_NAME, policy: OUTSIDE_POLICY, indexes: [0] }]
      : req.identity.flatMap((p) => {
          const n = narrow(p.document, shape, false);
          return n.indexes.length > 0 ? [{ name: p.address, ...n }] : [];
        });
  const resource = req.resourcePolicy ? { address: req.resourcePolicy.address, ...narrow(req.resourcePolicy.document, shape, true) } : undefined;
  return { req, identity, ...(resource ? { resource } : {}) };
}

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
  const decide = async (req: SimRequest): Promise<Decision> => {
    const prepared = prepare(req);
    const shared = await run(requestKey(prepared, true), prepared);
    // An error message names the action it was simulated with: ask again with this one.
    return shared.result === "Error" ? run(requestKey(prepared, false), prepared) : shared;
  };
  // Half the requests are asked again as they are (the same caller, target, action and
  // context from the effective access and the probes): those skip narrowing and the
  // digest above, which took a quarter of the check's time at 100 accounts of the
  // benchmark's map (docs/benchmarks.md).
  const asked = new Map<string, Promise<Decision>>();
  const evaluate = (req: SimRequest): Promise<Decision> => {
    const key = sameRequestKey(req);
    let d = asked.get(key);
    if (!d) {
      d = decide(req);
      asked.set(key, d);
    }
    return d;
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
  };
}

/** Numbers for what requests repeat: policy objects by identity, strings by value. */
const policyIds = new WeakMap<PolicyText, number>();
const textIds = new Map<string, number>();
let nextId = 0;
const policyId = (p: PolicyText): number => {
  let id = policyIds.get(p);
  if (id === undefined) policyIds.set(p, (id = nextId++));
  return id;
};
const textId = (text: string): number => {
  let id = textIds.get(text);
  if (id === undefined) textIds.set(text, (id = nextId++));
  return id;
};

/**
 * The key of a request as asked, in numbers: its strings, and its policies by object
 * identity (the inventory reads each document once from the stacks and nothing
 * changes it after, so the same object is the same text).
 */
function sameRequestKey(req: SimRequest): string {
  const context = Object.entries(req.context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    textId(req.principal),
    textId(req.action),
    textId(req.resource),
    textId(req.resourceAccount),
    req.identity === "outside" ? "o" : req.identity.map(policyId).join("+"),
    req.resourcePolicy ? policyId(req.resourcePolicy) : "-",
    textId(JSON.stringify(context)),
  ].join(" ");
}

/**
 * The memo key: a SHA-256 digest of the request as it is simulated (the request
 * itself runs to a kilobyte with its narrowed documents, and at 1,000 accounts the
 * memo holds 125,000 of them). Two actions of one service on the same resource get the same
 * decision when the narrowed documents are the same: narrowing kept, in every
 * statement, exactly the Action patterns that match, so equal documents mean the
 * actions are matched by the same patterns. That holds unless a statement uses
 * NotAction (kept whole) or a service-specific condition key (which may apply to
 * one action and not the other): then the action itself is part of the key.
 */
function requestKey({ req, identity, resource }: Prepared, byClass: boolean): string {
  const context = Object.entries(req.context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const documents = [...identity.map((p) => p.policy), ...(resource ? [resource.policy] : [])];
  const shareable = byClass && documents.every((d) => statementsOf(d).every((s) => s.NotAction === undefined && conditionKeys(s).every((k) => k.toLowerCase().startsWith("aws:"))));
  const request = JSON.stringify([
    req.principal,
    shareable ? `class of ${req.action.split(":")[0].toLowerCase()}` : req.action,
    req.resource,
    req.resourceAccount,
    identity.map((p) => [p.name, p.policy, p.indexes]),
    resource ? [resource.address, resource.policy, resource.indexes] : null,
    context,
  ]);
  return createHash("sha256").update(request).digest("base64");
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
      ...(a.resourceAnalysis?.denyStatements ?? []).map((s) => `${resource?.address ?? "resource policy"} ${label(s.statement.sid(), s.statement.index(), resource?.indexes)}`),
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

const conditionKeys = (s: StatementJson): string[] => Object.values(s.Condition ?? {}).flatMap((kv) => Object.keys(kv ?? {}));
