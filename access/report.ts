/**
 * The access report in its three forms: Markdown for a pull request, JSON for
 * machines, and an `~/.aws/config` snippet for people at the keyboard. Pure
 * functions of an {@link Analysis}: the same stacks always give the same bytes.
 */
import { wordList } from "../config/words";
import { KINDS, levelActions, type ResourceKind, section } from "../resources";
import { groupId, resourceId, roleId } from "./ids";
import type { Analysis } from "./analyze";
import { byText, groupBy, sortedUnique } from "./policy-json";
import type { Access, CallerKind, CallerSpec, Finding, ResourceEntity, TargetSpec } from "./types";

/** One caller → target pair with everything it may do there. */
export interface Reach {
  readonly caller: string;
  readonly target: string;
  readonly actions: readonly string[];
  /** `read`, `read-write`, `assume`, or the actions when they are no level. */
  readonly summary: string;
  readonly mfa: boolean;
  readonly externalId?: string;
  /** Every bucket action of the pair is refused over plain HTTP. */
  readonly tlsOnly?: boolean;
  /** Every action of the pair needs the caller's `aws:PrincipalArn` (its ARN named in the policy). */
  readonly principalArn?: boolean;
  /** The organization every action of the pair requires (`aws:PrincipalOrgID`). */
  readonly organizationId?: string;
}

/**
 * Folds allowed requests into caller → target pairs, sorted. Each list is folded
 * once: the Markdown, the JSON, the profiles and the verdict line all read the
 * same analysis's pairs.
 */
export function reaches(access: readonly Access[]): readonly Reach[] {
  let rs = folded.get(access);
  if (rs === undefined) folded.set(access, (rs = fold(access)));
  return rs;
}

const folded = new WeakMap<readonly Access[], readonly Reach[]>();

function fold(access: readonly Access[]): Reach[] {
  return [...groupBy(access, (a) => `${a.caller}\u0000${a.target}`).values()]
    .map((list): Reach => {
      const { caller, target } = list[0];
      const actions = sortedUnique(list.map((a) => a.action));
      const externalIds = sortedUnique(list.flatMap((a) => (a.externalId ? [a.externalId] : [])));
      const tls = list.filter((a) => a.tls !== undefined);
      const orgs = sortedUnique(list.map((a) => a.organizationId ?? ""));
      return {
        caller,
        target,
        actions,
        summary: summarize(actions),
        mfa: list.every((a) => a.mfa),
        ...(externalIds.length === 1 ? { externalId: externalIds[0] } : {}),
        ...(tls.length > 0 ? { tlsOnly: tls.every((a) => a.tls) } : {}),
        ...(list.every((a) => a.principalArn !== undefined) ? { principalArn: true } : {}),
        ...(orgs.length === 1 && orgs[0] !== "" ? { organizationId: orgs[0] } : {}),
      };
    })
    .sort((a, b) => byText(a.caller, b.caller) || byText(a.target, b.target));
}

function summarize(actions: readonly string[]): string {
  const same = (want: readonly string[]) => want.length === actions.length && want.every((w) => actions.includes(w));
  if (actions.length === 1 && ["sts:assumerole", "sts:assumerolewithwebidentity"].includes(actions[0].toLowerCase())) return "assume";
  for (const kind of KINDS) {
    for (const level of kind.levels) {
      // A resource with a key of its own: the level is its actions plus those on the key.
      const key = (kind as ResourceKind).key?.actions[level] ?? [];
      if (same(levelActions(kind, level)) || (key.length > 0 && same([...new Set([...levelActions(kind, level), ...key])]))) return level;
    }
  }
  return actions.join(", ");
}

/** Conditions of a pair in words. */
export function conditionText(r: Reach): string {
  const parts = [
    r.mfa ? "MFA" : undefined,
    r.externalId ? `external id \`${r.externalId}\`` : undefined,
    r.principalArn ? "principal ARN" : undefined,
    r.organizationId ? `org \`${r.organizationId}\`` : undefined,
    r.tlsOnly === true ? "TLS" : r.tlsOnly === false ? "**plain HTTP allowed**" : undefined,
  ];
  return parts.filter(Boolean).join(", ") || "none";
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

/** Above this many pairs one graph is unreadable: the trust is drawn as one small graph per target account. */
export const GRAPH_PAIR_LIMIT = 50;
/** At most this many per-account graphs, the accounts the most callers reach first; report.json has every pair. */
export const GRAPH_ACCOUNT_LIMIT = 20;
/** At most this many edges in one per-account graph. */
export const GRAPH_EDGE_LIMIT = 30;
/** Above this many pairs the summary table is cut, and the JSON holds the rest. */
export const TABLE_ROW_LIMIT = 1000;

/** The Markdown report. */
export function renderMarkdown(a: Analysis, opts: { mapFile: string; outdir: string }): string {
  const rs = reaches(a.access);
  const lines: string[] = [];
  const v = a.verdict;
  const failedProbes = v.probes.reduce((n, p) => n + p.failures.length, 0);
  const requests = v.probes.reduce((n, p) => n + p.requests, 0);
  const errors = a.findings.filter((f) => f.severity === "error").length;
  lines.push("# Access report", "");
  lines.push(
    `Who can do what, where, after these stacks are applied: ${a.inventory.stacks.length} stacks in ${code(opts.outdir)}, synthesized from ${code(opts.mapFile)}. ` +
      `Every allowed request below was found by evaluating both halves of the grant (the caller's identity policies and ${wordList(["the role's trust policy", ...KINDS.map((k) => k.policyPhrase)], "or")}) with an IAM policy evaluator; nothing is taken from the map on trust.`,
    "",
  );
  lines.push(`**Verdict: ${verdictWord(a)}.**`, "");
  lines.push(
    `- Declared grants: ${a.intents.length}; allowed caller → target pairs: ${rs.length} (${a.access.length} requests).`,
    `- Differences from the map: ${v.differences.length - failedProbes}.`,
    `- Denial probes: ${requests} requests, ${requests - failedProbes} denied.`,
    `- Lint findings: ${a.findings.length} (${countBy(a.findings)}).`,
    "",
  );
  if (v.differences.length > 0 || errors > 0) {
    lines.push("## What fails the gate", "");
    for (const d of v.differences) lines.push(`- ${d.message}`);
    for (const f of a.findings.filter((x) => x.severity === "error")) lines.push(`- lint ${f.rule}: ${f.stack} ${code(f.resource)}: ${f.message}. Fix: ${f.fix}`);
    lines.push("");
  }

  lines.push("## Who can do what", "");
  lines.push(`Each row is one caller and one target; ${KINDS.map((k) => k.access.levelsNote).join("; ")}.`, "");
  lines.push("| caller | target | may | conditions |", "| --- | --- | --- | --- |");
  for (const r of rs.slice(0, TABLE_ROW_LIMIT)) lines.push(`| ${code(r.caller)} | ${code(r.target)} | ${cell(r.summary)} | ${conditionText(r)} |`);
  if (rs.length > TABLE_ROW_LIMIT) lines.push("", `(${rs.length - TABLE_ROW_LIMIT} more pairs in the JSON report.)`);
  lines.push("");

  lines.push("## Trust across accounts", "");
  lines.push(...mermaid(a, rs), "");

  lines.push("## Per account", "");
  lines.push(...perAccount(a, rs));

  lines.push("## For people at the keyboard", "");
  lines.push(
    "The AWS CLI profiles for every role a caller can assume are in `aws-config` next to this report: paste the ones you need into `~/.aws/config` and set `source_profile` to the profile that holds your own credentials. Console links:",
    "",
  );
  const roleUrls = new Map<string, string | undefined>(a.inventory.stacks.flatMap((s) => s.roles.map((r) => [roleId(s.name, r.name), r.switchRoleUrl] as const)));
  const assumes = rs.filter((r) => r.summary === "assume");
  if (assumes.length === 0) lines.push("(No caller can assume a role.)");
  for (const [caller, list] of groupPairs(assumes.slice(0, TABLE_ROW_LIMIT))) {
    lines.push(`- ${code(caller)}: ${list.map((r) => (roleUrls.get(r.target) ? `[${r.target}](${roleUrls.get(r.target)})` : code(r.target))).join(", ")}`);
  }
  lines.push("");

  lines.push("## Denial probes", "");
  lines.push("Requests that must be denied. Each runs in the caller's best context (MFA, TLS, every external id it knows) except for the one thing the probe takes away.", "");
  lines.push("| probe | requests | denied | pairs |", "| --- | --- | --- | --- |");
  for (const p of v.probes) lines.push(`| ${cell(p.title)} | ${p.requests} | ${p.denied} | ${p.pairs.length} |`);
  lines.push("");

  lines.push("## Lint findings", "");
  if (a.findings.length === 0) lines.push("None.");
  else {
    lines.push("| severity | rule | stack | resource | finding | fix |", "| --- | --- | --- | --- | --- | --- |");
    for (const f of a.findings.slice(0, TABLE_ROW_LIMIT)) lines.push(`| ${f.severity} | ${f.rule} | ${f.stack} | ${code(f.resource)} | ${cell(f.message)} | ${cell(f.fix)} |`);
    if (a.findings.length > TABLE_ROW_LIMIT) lines.push("", `(${a.findings.length - TABLE_ROW_LIMIT} more in the JSON report.)`);
  }
  lines.push("");
  return lines.join("\n");
}

/** `clean`, or what failed. */
export function verdictWord(a: Analysis): string {
  const errors = a.findings.filter((f) => f.severity === "error").length;
  if (a.verdict.ok && errors === 0) return "clean: every declared grant is allowed under its conditions, nothing undeclared is allowed, every probe is denied";
  const parts = [a.verdict.differences.length > 0 ? `${a.verdict.differences.length} differences` : undefined, errors > 0 ? `${errors} lint errors` : undefined];
  return `FAILED: ${wordList(parts.filter((p) => p !== undefined), "and")}`;
}

/** True when the gate passes: no differences and no lint errors. */
export const passes = (a: Analysis): boolean => a.verdict.ok && !a.findings.some((f) => f.severity === "error");

function countBy(findings: readonly Finding[]): string {
  const n = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  return `errors ${n("error")}, warnings ${n("warning")}, notes ${n("info")}`;
}

const groupPairs = (rs: readonly Reach[]): [string, Reach[]][] => [...groupBy(rs, (r) => r.caller)];

/** The account a caller or target id belongs to, for the graph. */
function accountOf(id: string, callers: ReadonlyMap<string, CallerSpec>, targets: ReadonlyMap<string, TargetSpec>): string {
  const c = callers.get(id);
  if (c) return c.stack ?? (c.kind === "service" ? "services" : c.kind === "github" ? "GitHub" : c.id.startsWith("external/") ? c.id : `account ${c.accountId ?? "?"}`);
  return targets.get(id)?.stack ?? "outside";
}

/**
 * Text for a double-quoted Mermaid label, shown as written whatever the name.
 * Inside quotes Mermaid still reads `#name;` and `#35;` as entity codes, `%%{…}%%`
 * as a directive, a leading backtick as a Markdown string, HTML as HTML and
 * `fa:fa-x` as an icon; each such character becomes its entity code
 * (https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters),
 * and a zero-width space keeps an icon name text.
 */
export function mermaidLabel(s: string): string {
  return s
    .replace(/\s+/g, " ")
    .replace(/["#&<>|`%]/g, (c) => (c === '"' ? "#quot;" : `#${c.codePointAt(0)};`))
    .replace(/\b(fa[bklrs]?):(?=fa-)/g, "$1#8203;:");
}

/** One pair of the trust graph: a caller, a target and the accounts they belong to. */
export interface GraphPair {
  readonly reach: Reach;
  readonly callerAccount: string;
  readonly targetAccount: string;
  /** The caller's kind, when known: GitHub jobs and SSO permission sets get labels of their own. */
  readonly callerKind?: CallerKind;
}

/**
 * A node's label inside its account's subgraph: the id without its account
 * (`role/Deploy`); a GitHub job as its repository and ref (`acme/infra (branch
 * main)`, `acme/app (environment production)`), a permission set as
 * `Developer (SSO)`.
 */
function nodeLabel(id: string, kind: CallerKind | undefined): string {
  if (kind === "github") {
    const m = /^github\/([^@]+)@(.+)$/.exec(id);
    if (m) return m[2].startsWith("env:") ? `${m[1]} (environment ${m[2].slice(4)})` : `${m[1]} (branch ${m[2]})`;
  }
  if (kind === "sso") {
    const m = /^[^/]+\/sso\/(.+)$/.exec(id);
    if (m) return `${m[1]} (SSO)`;
  }
  return id.replace(/^[^/]+\/(?=.)/, "");
}

/** The label of an edge: the level or `some actions`, and the conditions Mermaid can show briefly. */
function edgeText(r: Reach): string {
  const what = r.summary.includes(",") ? "some actions" : r.summary;
  const cond = [r.mfa ? "MFA" : "", r.externalId ? "external id" : ""].filter(Boolean).join(", ");
  return cond ? `${what} (${cond})` : what;
}

/**
 * One ```mermaid flowchart of `pairs`: a subgraph per account, a node per caller
 * and target, a solid edge per role a caller can assume and a dotted one per
 * other access. Node ids are generated (n0, n1, …): names never reach Mermaid's
 * syntax, only its quoted labels.
 */
function flowchart(pairs: readonly GraphPair[], comment?: string): string[] {
  const ids = new Map<string, string>();
  const node = (key: string) => {
    let n = ids.get(key);
    if (n === undefined) {
      n = `n${ids.size}`;
      ids.set(key, n);
    }
    return n;
  };
  const byAccount = new Map<string, Set<string>>();
  const put = (acct: string, id: string) => byAccount.set(acct, (byAccount.get(acct) ?? new Set()).add(id));
  const kinds = new Map<string, CallerKind>();
  for (const p of pairs) {
    if (p.callerKind) kinds.set(p.reach.caller, p.callerKind);
    put(p.callerAccount, p.reach.caller);
    put(p.targetAccount, p.reach.target);
  }
  const out = ["```mermaid", "graph LR"];
  if (comment) out.push(`%% ${comment.replace(/\s+/g, " ")}`);
  for (const [acct, members] of [...byAccount].sort(([x], [y]) => byText(x, y))) {
    out.push(`  subgraph ${node(`\u0000${acct}`)}["${mermaidLabel(acct)}"]`);
    for (const id of [...members].sort(byText)) out.push(`    ${node(id)}["${mermaidLabel(nodeLabel(id, kinds.get(id)))}"]`);
    out.push("  end");
  }
  for (const { reach: r } of pairs) out.push(`  ${node(r.caller)} ${r.summary === "assume" ? "-->" : "-.->"}|"${mermaidLabel(edgeText(r))}"| ${node(r.target)}`);
  return [...out, "```"];
}

/**
 * The trust graphs of the report. Up to {@link GRAPH_PAIR_LIMIT} pairs, one graph
 * of every pair. Above it one graph per target account (who can reach its roles
 * and resources), the accounts with the most callers first, at most
 * {@link GRAPH_ACCOUNT_LIMIT} graphs of at most {@link GRAPH_EDGE_LIMIT} edges;
 * the report says what it left out, and report.json's `pairs` hold every pair.
 */
export function trustGraphs(pairs: readonly GraphPair[]): string[] {
  if (pairs.length === 0) return ["(No caller reaches anything in these stacks.)"];
  if (pairs.length <= GRAPH_PAIR_LIMIT) return flowchart(pairs);
  const byTarget = [...groupBy(pairs, (p) => p.targetAccount)].map(([acct, list]) => ({ acct, list, callers: new Set(list.map((p) => p.reach.caller)).size }));
  byTarget.sort((x, y) => y.callers - x.callers || byText(x.acct, y.acct));
  const shown = byTarget.slice(0, GRAPH_ACCOUNT_LIMIT);
  const sections = ["roles", ...KINDS.map((k) => k.section)];
  const reachable = wordList(sections, "and");
  const out = [
    `${pairs.length} caller → target pairs are too many for one graph: one graph per target account shows who can reach its ${reachable}, ` +
      `${shown.length === byTarget.length ? `all ${byTarget.length} accounts` : `the ${shown.length} accounts with the most callers of ${byTarget.length}`}, ` +
      `at most ${GRAPH_EDGE_LIMIT} pairs each. Every pair is in the table above and in report.json (\`pairs\`).`,
    "",
  ];
  for (const { acct, list, callers } of shown) {
    const drawn = list.slice(0, GRAPH_EDGE_LIMIT);
    out.push(`### Into ${code(acct)}: ${callers} caller${callers === 1 ? "" : "s"}, ${list.length} pair${list.length === 1 ? "" : "s"}`, "");
    out.push(...flowchart(drawn), "");
    if (drawn.length < list.length) out.push(`(${list.length - drawn.length} more pairs into ${code(acct)} in report.json.)`, "");
  }
  const rest = byTarget.slice(shown.length);
  if (rest.length > 0) out.push(`(${rest.length} more accounts, ${rest.reduce((n, t) => n + t.list.length, 0)} pairs, are drawn in no graph: they are in report.json.)`);
  while (out[out.length - 1] === "") out.pop();
  return out;
}

function mermaid(a: Analysis, rs: readonly Reach[]): string[] {
  const callers = new Map(a.callers.map((c) => [c.id, c]));
  const targets = new Map(a.targets.map((t) => [t.id, t]));
  return trustGraphs(rs.map((reach) => ({ reach, callerAccount: accountOf(reach.caller, callers, targets), targetAccount: accountOf(reach.target, callers, targets), callerKind: callers.get(reach.caller)?.kind })));
}

function perAccount(a: Analysis, rs: readonly Reach[]): string[] {
  const out: string[] = [];
  const byTarget = groupBy(rs, (r) => r.target);
  const byCaller = groupBy(rs, (r) => r.caller);
  const who = (list: readonly Reach[] | undefined) => (list && list.length > 0 ? list.map((r) => `${code(r.caller)} (${r.summary === "assume" ? "" : `${r.summary}; `}${conditionText(r)})`.replace("(; ", "(").replace("()", "")).join(", ") : "nobody");
  const what = (list: readonly Reach[] | undefined) => (list && list.length > 0 ? list.map((r) => `${r.summary} ${code(r.target)}${r.mfa ? " with MFA" : ""}`).join(", ") : "nothing in these stacks");
  const stacks = a.inventory.stacks;
  if (stacks.length > 100) {
    out.push(`(${stacks.length} accounts: per-account details are in the JSON report.)`, "");
    return out;
  }
  for (const s of stacks) {
    out.push(`### ${s.name} (${s.accountId})`, "");
    for (const r of s.roles) {
      const id = roleId(s.name, r.name);
      const attached = r.attachments.map((x) => x.policyName);
      out.push(`- role ${code(r.name)}: assumable by ${who(byTarget.get(id))}${attached.length > 0 ? `; policies ${attached.map(code).join(", ")}` : ""}; it can: ${what(byCaller.get(id))}`);
    }
    for (const g of s.groups) out.push(`- group ${code(g.name)}: can: ${what(byCaller.get(groupId(s.name, g.name)))}`);
    for (const kind of KINDS) {
      for (const e of section<ResourceEntity>(s, kind)) out.push(`- ${kind.noun} ${code(e.name)}: reachable by ${who(byTarget.get(resourceId(kind, s.name, e.name)))}`);
    }
    out.push("");
  }
  return out;
}

/** The JSON report: the same data, for machines. */
export function renderJson(a: Analysis, opts: { mapFile: string; outdir: string }): string {
  return `${JSON.stringify(
    {
      version: 1,
      map: opts.mapFile,
      stacks: a.inventory.stacks.map((s) => ({ name: s.name, accountId: s.accountId })),
      verdict: { ok: passes(a), differences: a.verdict.differences, probes: a.verdict.probes.map(({ probe, title, requests, denied, failures }) => ({ probe, title, requests, denied, failures })) },
      pairs: reaches(a.access),
      access: a.access,
      intents: a.intents,
      findings: a.findings,
    },
    null,
    2,
  )}\n`;
}

/**
 * The `~/.aws/config` snippet: one profile per role a caller can assume, with
 * `mfa_serial` where the trust requires MFA and `external_id` where it needs one.
 * `source_profile` names a profile for the caller's own credentials, which the
 * user defines.
 */
export function renderAwsConfig(a: Analysis): string {
  const rs = reaches(a.access).filter((r) => r.summary === "assume");
  const roles = new Map(a.targets.filter((t) => t.kind === "role").map((t) => [t.id, t]));
  const callers = new Map(a.callers.map((c) => [c.id, c]));
  const lines = [
    "# AWS CLI profiles for every role a caller can assume, generated by `npm run access`.",
    "# Paste the ones you need into ~/.aws/config. Each source_profile names the profile",
    "# that holds the caller's own credentials (define it yourself); replace <your-user>",
    "# in mfa_serial with your IAM user name.",
  ];
  lines.push(...ssoSessionProfiles(a));
  const assumers = new Map<string, number>();
  for (const r of rs) assumers.set(r.target, (assumers.get(r.target) ?? 0) + 1);
  for (const [caller, list] of groupPairs(rs)) {
    const c = callers.get(caller);
    if (!c || c.kind === "service" || c.kind === "outsider") continue;
    if (c.kind === "github") {
      lines.push("", `# ${caller}: GitHub Actions, no profile; in the workflow (permissions: id-token: write), aws-actions/configure-aws-credentials with`);
      for (const r of list) if (roles.get(r.target)) lines.push(`#   role-to-assume: ${roles.get(r.target)!.arn}`);
      continue;
    }
    const source = c.kind === "sso" ? ssoProfile(caller) : c.kind === "role" ? `${c.stack}-${c.arn?.split("/").pop()}` : c.kind === "group" ? c.stack! : caller.replace(/^external\//, "");
    lines.push("", `# ${caller}${c.kind === "group" ? ` (members of group ${c.arn?.split("/").pop()} in ${c.stack})` : ""}`);
    for (const r of list) {
      const t = roles.get(r.target);
      if (!t) continue;
      const name = `${t.stack}-${t.name}`;
      // One profile name per role, unless several callers can assume it.
      const profile = (assumers.get(r.target) ?? 0) > 1 ? `${name}-as-${caller.replace(/\//g, "-")}` : name;
      lines.push(`[profile ${profile}]`, `role_arn = ${t.arn}`, `source_profile = ${source}`);
      if (r.mfa && c.kind === "group") lines.push(`mfa_serial = arn:aws:iam::${c.accountId}:mfa/<your-user>`);
      if (r.externalId) lines.push(`external_id = ${r.externalId}`);
      lines.push(`role_session_name = ${c.kind === "group" ? "<your-user>" : source}`, "");
    }
  }
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}

/** The profile of an SSO caller (`dev/sso/Developer` → `dev-sso-Developer`). */
const ssoProfile = (caller: string): string => caller.replace(/\//g, "-");

/**
 * An `sso-session` and one profile per permission set and account it is assigned
 * to, for people who sign in through IAM Identity Center; the AWS CLI, aws-vault
 * and Granted read them (https://docs.aws.amazon.com/cli/latest/userguide/sso-configure-profile-token.html).
 * Nothing for a map without an `identityCenter` block.
 */
function ssoSessionProfiles(a: Analysis): string[] {
  const center = a.model.identityCenter;
  if (!center) return [];
  const lines = [
    "",
    "# IAM Identity Center: replace <your-start-url> with your AWS access portal URL, then: aws sso login --sso-session identity-center",
    "[sso-session identity-center]",
    "sso_start_url = https://<your-start-url>.awsapps.com/start",
    `sso_region = ${center.account.region}`,
    "sso_registration_scopes = sso:account:access",
  ];
  for (const set of center.permissionSets) {
    const accounts = [...new Set(set.assignments.flatMap((x) => x.accounts))].sort((x, y) => byText(x.name, y.name));
    for (const account of accounts) {
      lines.push("", `[profile ${ssoProfile(`${account.name}/sso/${set.name}`)}]`, "sso_session = identity-center", `sso_account_id = ${account.id}`, `sso_role_name = ${set.name}`, `region = ${account.region}`);
    }
  }
  return lines;
}
