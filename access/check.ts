/**
 * The gate: effective access against declared intent, plus the denial probes.
 * Fails on a declared grant that is not allowed (or not under its conditions), on
 * anything allowed that nobody declared, on a probe that was not denied, and on
 * stacks that don't match the map.
 */
import type { Model } from "../config/model";
import type { Candidates } from "./candidates";
import { grantedActions, type KindAccess, kindById, KINDS, levelActions, type ResourceKind } from "../resources";
import { KEY_CHANGES } from "../resources/kms";
import { bestDecision, bestScenarios, decisionFor, isEvaluated, WRONG_EXTERNAL_ID, type Scenario } from "./effective";
import type { Decision, Evaluator } from "./evaluator";
import { roleId } from "./ids";
import { CALLER_PROBE_TITLES, callerProbes, unassignedAccounts } from "./callers";
import { grantWhat, intendedAttachments } from "./intent";
import { BASELINE_PROBE_TITLES, baselineCases } from "./baseline";
import { byText, globMatches, groupBy, sortedUnique } from "./policy-json";
import type { Access, CallerSpec, Difference, Intent, Inventory, PolicyText, ProbeCase, ProbeKind, ProbeSummary, TargetAction, TargetSpec, Verdict } from "./types";

/** Everything the gate compares. */
export interface GateInput {
  readonly model: Model;
  readonly inventory: Inventory;
  readonly callers: readonly CallerSpec[];
  readonly targets: readonly TargetSpec[];
  readonly access: readonly Access[];
  readonly intents: readonly Intent[];
  readonly evaluator: Evaluator;
  readonly candidates: Candidates;
  /** How messages name the map and the folder of stacks (default: the map's file and `the output`). */
  readonly names?: { readonly mapFile: string; readonly outdir: string };
  /** What the probes found on each target ({@link tallyProbes}; access/shards.ts asks them), in the targets' order. */
  readonly probes: readonly ProbeTally[];
}

/**
 * What each probe checks, as the report prints it, in the report's order: the
 * map's probes, each kind's level and change probes, then MFA and external ids,
 * then each kind's plain-HTTP probe.
 */
export const PROBE_TITLES: Readonly<Record<ProbeKind, string>> = Object.fromEntries([
  ["unknown-account", "A caller from an account the map doesn't name (its own policies allowing everything, with MFA and every external id the stacks hold)"],
  ["ungranted-group", "A group of a granted account that was not granted"],
  ...KINDS.flatMap((k) => [(k.access.probes as KindAccess["probes"]).otherLevel, k.access.probes.change].flatMap((p) => (p ? [[p.id, p.title]] : []))),
  ["no-mfa", "A grant that requires MFA, without MFA (aws:MultiFactorAuthPresent false, then absent)"],
  ["external-id", "An external caller without, then with a wrong, external id"],
  ...KINDS.flatMap((k): string[][] => { const p = (k.access.probes as KindAccess["probes"]).plainHttp; return p ? [[p.id, p.title]] : []; }),
]);

const PROBE_ORDER = Object.keys(PROBE_TITLES) as ProbeKind[];

/** Formats a policy's place for messages. */
export const placeOf = (p: PolicyText): string => `${p.address} (stack ${p.stack})`;

/** Runs the gate. */
export async function checkAccess(input: GateInput): Promise<Verdict> {
  const differences = [
    ...stackDifferences(input),
    ...attachmentDifferences(input),
    ...(await intentDifferences(input)),
    ...undeclaredDifferences(input),
  ];
  const { summaries, failures } = await runProbes(input);
  const all = [...differences, ...failures];
  return { ok: all.length === 0, differences: all, probes: summaries };
}

/**
 * Stacks that were not synthesized from this map (another map, or this one before
 * an edit): one difference that says what differs and how to fix it, since every
 * other finding would follow from reading the wrong map.
 */
function stackDifferences({ model, inventory, names }: GateInput): Difference[] {
  const mapFile = names?.mapFile ?? model.file;
  const outdir = names?.outdir ?? "the output";
  const stacks = new Map(inventory.stacks.map((s) => [s.name, s]));
  const accounts = new Set(model.accounts.map((a) => a.name));
  const list = (xs: readonly string[]) => sortedUnique(xs).join(", ");
  const extra = inventory.stacks.filter((s) => !accounts.has(s.name)).map((s) => s.name);
  const missing = model.accounts.filter((a) => !stacks.has(a.name)).map((a) => a.name);
  const ids = model.accounts.flatMap((a) => {
    const s = stacks.get(a.name);
    return s && s.accountId !== a.id ? [`stack ${a.name} in ${outdir} is for account ${s.accountId}, but ${a.name} is ${a.id}`] : [];
  });
  const parts = [
    extra.length > 0 ? `stack${extra.length === 1 ? "" : "s"} ${list(extra)} in ${outdir} ${extra.length === 1 ? "is" : "are"} not in ${mapFile}` : undefined,
    missing.length > 0 ? `account${missing.length === 1 ? "" : "s"} ${list(missing)} of ${mapFile} ${missing.length === 1 ? "has" : "have"} no stack in ${outdir}` : undefined,
    ...sortedUnique(ids).map((x) => `${x} in ${mapFile}`),
  ].filter((x): x is string => x !== undefined);
  const out: Difference[] = [];
  if (parts.length > 0) {
    out.push({
      kind: "stack",
      actions: [],
      message:
        `${parts.join("; ")}: ${outdir} was synthesized from another map, or from ${mapFile} before an edit. ` +
        `Name the map it came from with --map FILE (or ACCOUNT_MAP=FILE), or add --synth to synthesize ${mapFile} again`,
    });
  }
  for (const p of inventory.problems) out.push({ kind: "error", actions: [], message: `${p.address} (stack ${p.stack}): ${p.message}` });
  return out;
}

function attachmentDifferences({ model, inventory }: GateInput): Difference[] {
  const intended = intendedAttachments(model);
  const out: Difference[] = [];
  for (const s of inventory.stacks) {
    for (const r of s.roles) {
      const id = roleId(s.name, r.name);
      const want = intended.get(id);
      if (!want) continue;
      const have = sortedUnique(r.attachments.map((a) => a.policyArn));
      const missing = want.filter((w) => !have.includes(w));
      const extra = have.filter((h) => !want.includes(h));
      if (missing.length > 0) out.push({ kind: "attachment", target: id, actions: [], message: `${r.address} (stack ${s.name}) lacks the attachment of ${missing.join(", ")} that the map declares` });
      if (extra.length > 0) out.push({ kind: "attachment", target: id, actions: [], message: `${r.address} (stack ${s.name}) has ${extra.join(", ")} attached, which the map does not declare` });
    }
  }
  return out;
}

const matches = (pattern: string, action: string): boolean => globMatches(pattern, action);

async function intentDifferences(input: GateInput): Promise<Difference[]> {
  const { callers, targets, access, intents, evaluator, model } = input;
  const callerById = new Map(callers.map((c) => [c.id, c]));
  const targetById = new Map(targets.map((t) => [t.id, t]));
  const byPair = groupBy(access, (a) => pairKey(a.caller, a.target));
  const out: Difference[] = [];
  for (const intent of intents) {
    const head = `${intent.caller} → ${intent.target}`;
    // Where the grant stands is looked up only for a message (a getter: intent.ts).
    const declared = () => `declared (${intent.what}, ${intent.declaredAt})`;
    const c = callerById.get(intent.caller);
    const t = targetById.get(intent.target);
    if (!c || !t) {
      const absent = !c ? `the caller ${intent.caller} is not in the stacks` : `${intent.target} is in no stack${intent.target.startsWith("resource/") ? "'s identity policy" : ""}`;
      out.push({ kind: "missing", caller: intent.caller, target: intent.target, actions: intent.actions, message: `${head}: ${intent.actions.join(", ")} ${declared()}, but ${absent}` });
      continue;
    }
    const granted = byPair.get(pairKey(intent.caller, intent.target)) ?? [];
    const reasons = new Map<string, string[]>();
    for (const action of intent.actions) {
      if (granted.some((a) => matches(action, a.action))) continue;
      const probes = t.actions.filter((ta) => matches(action, ta.action));
      const reason =
        probes.length === 0
          ? `${action} is not an action ${t.id} is probed with`
          : explainDenial((await bestDecision(evaluator, c, t, probes[0], model.organizationId)).decision, c, t, probes[0]);
      reasons.set(reason, [...(reasons.get(reason) ?? []), action]);
    }
    for (const [reason, actions] of reasons) {
      out.push({ kind: "missing", caller: intent.caller, target: intent.target, actions, message: `${head}: ${actions.join(", ")} ${declared()}, but not allowed: ${reason}` });
    }
    const covered = granted.filter((a) => intent.actions.some((p) => matches(p, a.action)));
    out.push(...conditionDifferences(intent, covered, t));
  }
  return out;
}

function conditionDifferences(intent: Intent, covered: readonly Access[], t: TargetSpec): Difference[] {
  const head = `${intent.caller} → ${intent.target}`;
  const problems: [string, (a: Access) => boolean][] = [
    [`allowed without MFA, but the map requires MFA (${intent.declaredAt})`, (a) => intent.mfa && !a.mfa],
    [`needs MFA, which the map does not require of this caller (${intent.declaredAt})`, (a) => !intent.mfa && a.mfa],
    [`allowed without the external id ${intent.externalId} (${intent.declaredAt})`, (a) => intent.externalId !== undefined && a.externalId === undefined],
    [`needs an external id other than the declared ${intent.externalId}`, (a) => intent.externalId !== undefined && a.externalId !== undefined && a.externalId !== intent.externalId],
    [`allowed over plain HTTP: ${t.policy ? placeOf(t.policy) : t.id} does not deny aws:SecureTransport false`, (a) => a.tls === false],
  ];
  return problems.flatMap(([message, applies]) => {
    const actions = covered.filter(applies).map((a) => a.action);
    return actions.length === 0 ? [] : [{ kind: "condition" as const, caller: intent.caller, target: intent.target, actions, message: `${head}: ${actions.join(", ")} ${message}` }];
  });
}

function undeclaredDifferences({ access, intents, callers, targets }: GateInput): Difference[] {
  const callerById = new Map(callers.map((c) => [c.id, c]));
  const targetById = new Map(targets.map((t) => [t.id, t]));
  const intentsByPair = groupBy(intents, (i) => pairKey(i.caller, i.target));
  const undeclared = access.filter((a) => !(intentsByPair.get(pairKey(a.caller, a.target)) ?? []).some((i) => i.actions.some((p) => matches(p, a.action))));
  const byPair = groupBy(undeclared, (a) => pairKey(a.caller, a.target));
  return [...byPair.values()].map((list) => {
    const { caller, target } = list[0];
    const c = callerById.get(caller)!;
    const t = targetById.get(target)!;
    const actions = list.map((a) => a.action);
    return { kind: "undeclared", caller, target, actions, message: `${caller} → ${target}: ${actions.join(", ")} allowed, but the map declares no such grant (${explainAllow(c, t)})` };
  });
}

/** Why a request was denied, naming the half that refused it. */
export function explainDenial(d: Decision, c: CallerSpec, t: TargetSpec, ta?: TargetAction): string {
  if (d.result === "Error") return `the evaluator cannot evaluate it: ${d.error}`;
  if (d.result === "ExplicitlyDenied") return `explicitly denied by ${d.deniedBy.join(", ")}`;
  const parts: string[] = [];
  if (d.identity !== "Allowed" && !c.identityOutside && c.kind !== "service") {
    parts.push(c.identity.length > 0 ? `the caller's half (${c.identity.map(placeOf).join(", ")}) does not allow it` : `the caller has no identity policy in the stacks`);
  }
  const crossOrRole = t.kind === "role" || (t.accountId !== undefined && t.accountId !== c.accountId);
  if (t.kind !== "resource" && (crossOrRole || d.identity === "Allowed") && d.resource !== "Allowed" && d.resource !== "AllowedForAccount") {
    // A request on the resource's own key is decided by the key's policy (the third document).
    const policy = ta?.keyPolicy ?? t.policy;
    parts.push(policy ? `the resource's half (${placeOf(policy)}) does not allow it` : `${t.address ?? t.id} has no resource policy`);
  }
  return parts.length > 0 ? parts.join("; ") : "denied";
}

function explainAllow(c: CallerSpec, t: TargetSpec): string {
  const identity = c.identityOutside ? "its own account's policies" : c.kind === "service" ? "the service" : c.identity.map(placeOf).join(", ") || "no identity policy";
  return t.policy ? `allowed by ${identity} and ${placeOf(t.policy)}` : `allowed by ${identity}`;
}

/** One probe request, ready to evaluate. */
export interface ProbeRun {
  readonly kase: ProbeCase;
  readonly caller: CallerSpec;
  readonly target: TargetSpec;
  readonly ta: TargetAction;
  readonly scenario: Scenario;
}

/**
 * The probe requests of one target at a time, each of which must be denied. Callers
 * that are not candidates for a target are denied by construction (candidates.ts)
 * and not asked, except the outsider, which is asked about every target. What
 * every target's runs are built from (indexes of callers and grants, each
 * caller's scenarios, the words of each context) is made once; a target's runs
 * need only its own access entries, so the check can build, ask and drop them
 * target by target (access/shards.ts) rather than hold every run of the map: over
 * a million at 1,000 accounts of the benchmark's map.
 */
export function probeRunner({ callers, intents, candidates, inventory }: Pick<GateInput, "callers" | "intents" | "candidates" | "inventory">): (t: TargetSpec, access: readonly Access[]) => ProbeRun[] {
  const callerById = new Map(callers.map((c) => [c.id, c]));
  const outsiders = callers.filter((x) => x.kind === "outsider");
  const groupsByStack = groupBy(callers.filter((x) => x.kind === "group"), (c) => c.stack ?? "");
  const intentsByTarget = groupBy(intents, (i) => i.target);
  const scenarios = new Map<CallerSpec, Scenario[]>();
  const best = (c: CallerSpec) => scenarios.get(c) ?? scenarios.set(c, bestScenarios(c)).get(c)!;
  const words = new Map<string, string>();
  const describe = (s: Scenario) => {
    const key = `${s.mfa} ${s.tls} ${JSON.stringify(s.externalId)}`;
    let w = words.get(key);
    if (w === undefined) {
      w = [s.mfa === "true" ? "MFA" : s.mfa === "false" ? "MFA false" : "no MFA", s.externalId === null ? undefined : s.externalId === WRONG_EXTERNAL_ID ? "wrong external id" : `external id ${s.externalId}`, s.tls === "false" ? "plain HTTP" : undefined].filter(Boolean).join(", ");
      words.set(key, w);
    }
    return w;
  };

  return (t, access) => {
    const runs: ProbeRun[] = [];
    const add = (probe: ProbeKind, c: CallerSpec, ta: TargetAction, scenario: Scenario, context: string) =>
      runs.push({ kase: { probe, caller: c.id, target: t.id, action: ta.action, context }, caller: c, target: t, ta, scenario });
    const targetIntents = intentsByTarget.get(t.id) ?? [];
    const kind = kindById(t.kind);

    if (t.kind !== "resource") {
      for (const c of outsiders) for (const ta of t.actions) for (const s of best(c)) add("unknown-account", c, ta, s, describe(s));
      // Groups of an account that some grant on the target names, which were not granted themselves.
      const grantedCallers = new Set(targetIntents.map((i) => i.caller));
      const grantedStacks = new Set(targetIntents.map((i) => callerById.get(i.caller)?.stack).filter((x): x is string => x !== undefined));
      for (const stack of grantedStacks) {
        for (const c of groupsByStack.get(stack) ?? []) {
          if (grantedCallers.has(c.id)) continue;
          for (const ta of t.actions) for (const s of best(c)) add("ungranted-group", c, ta, s, describe(s));
        }
      }
    }

    // A grantee using what only another level of the resource's kind grants (a read grantee writing).
    for (const i of targetIntents) {
      const level = kind?.levels.find((l) => i.what === grantWhat(l));
      const c = callerById.get(i.caller);
      if (!c || !kind || level === undefined) continue;
      const own = [...levelActions(kind, level), ...((kind as ResourceKind).key?.actions[level] ?? [])];
      const keyed = t.actions.some((x) => x.keyPolicy !== undefined);
      const others = [...grantedActions(kind), ...(keyed ? kind.levels.flatMap((l) => (kind as ResourceKind).key?.actions[l] ?? []) : [])].filter((a) => !own.includes(a));
      const probe = (kind.access.probes as KindAccess["probes"]).otherLevel;
      if (probe) for (const ta of t.actions.filter((x) => others.includes(x.action))) for (const s of best(c)) add(probe.id, c, ta, s, describe(s));
    }

    // Anybody changing a resource (what no level grants), and every request over plain HTTP where the kind refuses it.
    if (kind) {
      const { changes, probes } = kind.access;
      const plainHttp = "plainHttp" in probes ? probes.plainHttp : undefined;
      for (const c of [...(candidates.get(t.id) ?? []), ...outsiders]) {
        if (!isEvaluated(c, t)) continue;
        // A resource's own key is probed with every key change (resources/kms.ts) as well.
        for (const ta of t.actions.filter((x) => changes.includes(x.action) || (x.keyPolicy !== undefined && KEY_CHANGES.includes(x.action)))) for (const s of best(c)) add(probes.change.id, c, ta, s, describe(s));
        // KMS endpoints take only TLS: requests on a resource's own key are not probed over plain HTTP.
        if (plainHttp) for (const ta of t.actions.filter((x) => x.keyPolicy === undefined)) for (const s of best(c)) add(plainHttp.id, c, ta, { ...s, tls: "false" }, describe({ ...s, tls: "false" }));
      }
    }

    for (const i of targetIntents) {
      const c = callerById.get(i.caller);
      if (!c) continue;
      const declared = t.actions.filter((ta) => i.actions.some((p) => matches(p, ta.action)));
      for (const ta of declared) {
        for (const s of best(c)) {
          if (i.mfa) {
            for (const mfa of ["false", "absent"] as const) add("no-mfa", c, ta, { ...s, mfa }, describe({ ...s, mfa }));
          }
          if (i.externalId !== undefined) {
            for (const externalId of [null, WRONG_EXTERNAL_ID]) add("external-id", c, ta, { ...s, externalId }, describe({ ...s, externalId }));
          }
        }
      }
    }

    // Each allowed request of a GitHub, SSO or service caller, asked again as each of its variants (access/callers.ts): all must be denied.
    for (const a of access) {
      const c = callerById.get(a.caller);
      if (!c || (c.kind !== "github" && c.kind !== "sso" && c.kind !== "service")) continue;
      const ta = t.actions.find((x) => x.action === a.action);
      if (!ta) continue;
      for (const p of callerProbes(c, t, unassignedAccounts(inventory, c))) {
        for (const scenario of bestScenarios(p.variant)) runs.push({ kase: { probe: p.probe, caller: c.id, target: t.id, action: ta.action, context: p.context }, caller: p.variant, target: t, ta, scenario });
      }
    }
    return runs;
  };
}

const pairKey = (caller: string, target: string): string => `${caller}\u0000${target}`;

/** What the probes of one kind found on one target: how many were asked, of which callers (sorted), and which were allowed. */
export interface ProbeTally {
  readonly probe: ProbeKind;
  readonly target: string;
  readonly requests: number;
  readonly callers: readonly string[];
  readonly failures: readonly ProbeCase[];
}

/**
 * Asks each probe run (all of one target, from {@link probeRunner}) and tallies the
 * answers by probe, in the order the probes were first asked. A run that was
 * allowed, or that could not be evaluated, is a failure.
 */
export async function tallyProbes(evaluator: Evaluator, organizationId: string | undefined, runs: readonly ProbeRun[]): Promise<ProbeTally[]> {
  const tallies = new Map<ProbeKind, { target: string; requests: number; callers: Set<string>; failures: ProbeCase[] }>();
  for (const run of runs) {
    let t = tallies.get(run.kase.probe);
    if (!t) tallies.set(run.kase.probe, (t = { target: run.kase.target, requests: 0, callers: new Set(), failures: [] }));
    t.requests++;
    t.callers.add(run.kase.caller);
    const d = await decisionFor(evaluator, run.caller, run.target, run.ta, run.scenario, organizationId);
    if (d.result === "Allowed" || d.result === "Error") t.failures.push(run.kase);
  }
  return [...tallies].map(([probe, t]) => ({ probe, target: t.target, requests: t.requests, callers: [...t.callers].sort(byText), failures: t.failures }));
}

async function runProbes(input: GateInput): Promise<{ summaries: ProbeSummary[]; failures: Difference[] }> {
  // The probes of GitHub, SSO and service callers are listed only where such callers are allowed something (so other maps' reports stay as they were).
  const asked = new Set(input.probes.map((t) => t.probe));
  const order: ProbeKind[] = [...PROBE_ORDER, ...(Object.keys(CALLER_PROBE_TITLES) as ProbeKind[]).filter((k) => asked.has(k))];
  const titles: Record<string, string> = { ...PROBE_TITLES, ...CALLER_PROBE_TITLES };
  const results = new Map<ProbeKind, { requests: number; pairs: string[]; failed: ProbeCase[] }>(order.map((k) => [k, { requests: 0, pairs: [], failed: [] }]));
  for (const t of input.probes) {
    const r = results.get(t.probe)!;
    r.requests += t.requests;
    for (const c of t.callers) r.pairs.push(`${c} → ${t.target}`);
    r.failed.push(...t.failures);
  }
  // The baseline's cases (access/baseline.ts): probes that must be denied, and checks that it works, which must be allowed.
  const baseline = baselineCases(input.model, input.inventory.stacks);
  for (const probe of Object.keys(BASELINE_PROBE_TITLES) as ProbeKind[]) {
    if (!baseline.some((c) => c.kase.probe === probe)) continue;
    order.push(probe);
    results.set(probe, { requests: 0, pairs: [], failed: [] });
  }
  Object.assign(titles, BASELINE_PROBE_TITLES);
  const failedBaseline = new Set<ProbeCase>();
  for (const c of baseline) {
    const d = await input.evaluator.evaluate(c.request);
    const r = results.get(c.kase.probe)!;
    const answered = c.expect === "allowed" ? d.result === "Allowed" : d.result !== "Allowed" && d.result !== "Error";
    r.requests++;
    r.pairs.push(`${c.kase.caller} → ${c.kase.target}`);
    if (!answered) {
      r.failed.push(c.kase);
      failedBaseline.add(c.kase);
    }
  }
  const summaries = order.map((probe): ProbeSummary => {
    const r = results.get(probe)!;
    return {
      probe,
      title: titles[probe],
      requests: r.requests,
      denied: r.requests - r.failed.length,
      pairs: sortedUnique(r.pairs),
      failures: r.failed,
    };
  });
  const failures: Difference[] = [];
  for (const s of summaries) {
    const byPair = groupBy(s.failures, (f) => `${f.caller}\u0000${f.target}\u0000${f.context}`);
    for (const list of [...byPair.values()].sort((a, b) => byText(`${a[0].caller} ${a[0].target}`, `${b[0].caller} ${b[0].target}`))) {
      const { caller, target, context } = list[0];
      const actions = sortedUnique(list.map((f) => f.action));
      const check = list.every((f) => failedBaseline.has(f)) && baseline.some((c) => c.kase === list[0] && c.expect === "allowed");
      failures.push({ kind: "probe", caller, target, actions, message: check ? `baseline check "${s.probe}" not allowed: ${caller} → ${target}: ${actions.join(", ")} (${context})` : `probe "${s.probe}" not denied: ${caller} → ${target}: ${actions.join(", ")} (${context})` });
    }
  }
  return { summaries, failures };
}
