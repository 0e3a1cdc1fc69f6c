/**
 * The access report's side of the callers organizations have today: permission
 * sets read back from the Identity Center stack, GitHub Actions callers found in
 * trust policies, their request context, and their denial probes (another
 * repository, branch, pull request, audience; another permission set, an account
 * the set is not assigned to; a service acting for another account).
 */
import { GITHUB_AUDIENCE, GITHUB_OIDC_HOST } from "../config/callers";
import { ASSUME_ROLE_WITH_WEB_IDENTITY } from "../policies/callers";
import { githubCallerId, ssoCallerId } from "./ids";
import { asList, conditionValues, sortedUnique, statementsOf } from "./policy-json";
import type { CallerSpec, Inventory, PermissionSetEntity, PolicyText, TargetSpec } from "./types";

const SUB = `${GITHUB_OIDC_HOST}:sub`;
const AUD = `${GITHUB_OIDC_HOST}:aud`;
/** The suffix Identity Center gives a reserved role (16 characters), and the region segment of its path. */
const SSO_SUFFIX = "0123456789abcdef";
const SSO_PATH = "aws-reserved/sso.amazonaws.com/eu-west-1/";
const PROBE = "access-probe";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
type Doc = (address: string, label: string, text: unknown) => PolicyText | undefined;

/** A stack's permission sets, with the inline policy and assignments that refer to each (`${aws_ssoadmin_permission_set.x.arn}`). */
export function readPermissionSets(stack: string, resources: Resources, doc: Doc): { permissionSets?: PermissionSetEntity[] } {
  const sets = Object.entries(resources.aws_ssoadmin_permission_set ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (sets.length === 0) return {};
  const refersTo = (key: string) => (r: Record<string, unknown>) => r.permission_set_arn === `\${aws_ssoadmin_permission_set.${key}.arn}`;
  const of = (type: string, key: string) => Object.entries(resources[type] ?? {}).filter(([, r]) => refersTo(key)(r));
  return {
    permissionSets: sets.map(([key, r]): PermissionSetEntity => {
      const name = String(r.name ?? key);
      const inline = of("aws_ssoadmin_permission_set_inline_policy", key)[0];
      const policy = inline ? doc(`aws_ssoadmin_permission_set_inline_policy.${inline[0]}`, `inline policy of permission set ${name}`, inline[1].inline_policy) : undefined;
      return {
        stack,
        name,
        address: `aws_ssoadmin_permission_set.${key}`,
        ...(policy ? { inline: policy } : {}),
        managed: sortedUnique(of("aws_ssoadmin_managed_policy_attachment", key).map(([, a]) => String(a.managed_policy_arn))),
        accounts: sortedUnique(of("aws_ssoadmin_account_assignment", key).map(([, a]) => String(a.target_id))),
      };
    }),
  };
}

/** A session of a permission set's reserved role in an account, as the evaluator sees it. */
function ssoSession(set: PermissionSetEntity, accountId: string, stack: string | undefined, setName = set.name): CallerSpec {
  const role = `AWSReservedSSO_${setName}_${SSO_SUFFIX}`;
  return {
    id: ssoCallerId(stack ?? accountId, setName),
    kind: "sso",
    ...(stack ? { stack } : {}),
    accountId,
    arn: `arn:aws:iam::${accountId}:role/${SSO_PATH}${role}`,
    principal: `arn:aws:sts::${accountId}:assumed-role/${role}/${PROBE}`,
    principalArn: `arn:aws:iam::${accountId}:role/${SSO_PATH}${role}`,
    identity: set.inline ? [set.inline] : [],
    managed: set.managed,
    identityOutside: false,
    externalIds: [],
    inOrganization: true,
  };
}

/** A GitHub Actions job presenting a token with `sub` to an account's provider. */
function githubJob(provider: string, subject: string, audience = GITHUB_AUDIENCE): CallerSpec {
  return {
    id: githubCallerId(subject),
    kind: "github",
    principal: provider,
    identity: [],
    managed: [],
    identityOutside: false,
    externalIds: [],
    inOrganization: false,
    webIdentity: { [AUD]: audience, [SUB]: subject },
  };
}

/** The GitHub provider ARNs and subjects the trust policies name. */
function githubSubjects(inv: Inventory): { provider: string; subject: string }[] {
  const out = new Map<string, { provider: string; subject: string }>();
  for (const role of inv.stacks.flatMap((s) => s.roles)) {
    for (const s of statementsOf(role.trust?.document)) {
      const fed = asList((s.Principal as Record<string, unknown> | undefined)?.Federated);
      for (const provider of fed.filter((f) => f.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`))) {
        for (const subject of conditionValues(s, SUB)) out.set(`${provider} ${subject}`, { provider, subject });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.provider < b.provider ? -1 : 1));
}

/**
 * The callers of this module: every permission set in every account it is assigned
 * to, and every GitHub subject the trusts name (one caller per subject; a job of it
 * presents its token to whichever account's provider the role trusts).
 */
export function moreCallers(inv: Inventory): CallerSpec[] {
  const stackOf = new Map(inv.stacks.map((s) => [s.accountId, s.name]));
  const sso = inv.stacks.flatMap((s) => s.permissionSets ?? []).flatMap((set) => set.accounts.map((id) => ssoSession(set, id, stackOf.get(id))));
  const jobs = new Map<string, CallerSpec>();
  for (const { provider, subject } of githubSubjects(inv)) if (!jobs.has(subject)) jobs.set(subject, githubJob(provider, subject));
  return [...sso, ...jobs.values()];
}

/**
 * The caller as it calls this target: a GitHub job presents its token to the
 * provider of the role's own account; a service acts for the target's account
 * (`aws:SourceAccount`), unless a probe set another.
 */
export function callerFor(c: CallerSpec, t: TargetSpec): CallerSpec {
  if (!t.accountId) return c;
  if (c.kind === "github") return { ...c, principal: `arn:aws:iam::${t.accountId}:oidc-provider/${GITHUB_OIDC_HOST}` };
  if (c.kind === "service" && c.sourceAccount === undefined) return { ...c, sourceAccount: t.accountId };
  return c;
}

/** Context keys of this module's callers for an action. */
export function moreContext(c: CallerSpec, action: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (c.webIdentity && action.toLowerCase() === ASSUME_ROLE_WITH_WEB_IDENTITY.toLowerCase()) Object.assign(out, c.webIdentity);
  if (c.sourceAccount) out["aws:SourceAccount"] = c.sourceAccount;
  return out;
}

/** Targets that trust a web identity are also asked `sts:AssumeRoleWithWebIdentity`. */
export function webIdentityActions(t: TargetSpec): TargetSpec {
  if (t.kind !== "role" || !statementsOf(t.policy?.document).some((s) => asList((s.Principal as Record<string, unknown> | undefined)?.Federated).length > 0)) return t;
  return { ...t, actions: [...t.actions, { action: ASSUME_ROLE_WITH_WEB_IDENTITY, resource: t.arn }] };
}

/** One probe of this module: a variant of an allowed caller that must be denied. */
export interface CallerProbe {
  readonly probe: "github-other-repository" | "github-other-branch" | "github-pull-request" | "github-wrong-audience" | "sso-other-permission-set" | "sso-unassigned-account" | "service-other-account";
  readonly base: CallerSpec;
  readonly variant: CallerSpec;
  readonly context: string;
}

export const CALLER_PROBE_TITLES: Readonly<Record<CallerProbe["probe"], string>> = {
  "github-other-repository": "A GitHub Actions job of another repository of the same owner",
  "github-other-branch": "A GitHub Actions job of the right repository on another branch (or in no environment)",
  "github-pull-request": "A GitHub Actions job of the right repository running for a pull request (repo:<owner>/<repo>:pull_request)",
  "github-wrong-audience": "A GitHub Actions token with the right subject and another audience",
  "sso-other-permission-set": "A session of another permission set in the same account (<set>_Admin: the 16-character suffix is matched exactly)",
  "sso-unassigned-account": "A session of the right permission set in an account of the map it is not assigned to",
  "service-other-account": "A service acting for another account (aws:SourceAccount of another account)",
};

/** The variants of a caller that must be denied what it is allowed. */
export function callerProbes(c: CallerSpec, t: TargetSpec, unassigned: readonly string[]): CallerProbe[] {
  const out: CallerProbe[] = [];
  if (c.kind === "github" && c.webIdentity) {
    const sub = c.webIdentity[SUB];
    const m = /^repo:([^/]+)\/([^:]+):(.*)$/.exec(sub);
    if (m) {
      const [, owner, repo, rest] = m;
      const job = (subject: string, audience?: string) => ({ ...githubJob(c.principal, subject, audience), id: c.id });
      out.push({ probe: "github-other-repository", base: c, variant: job(`repo:${owner}/${repo}-${PROBE}:${rest}`), context: `sub repo:${owner}/${repo}-${PROBE}:${rest}` });
      const other = rest.startsWith("environment:") ? `ref:refs/heads/${PROBE}` : `ref:refs/heads/${PROBE}`;
      out.push({ probe: "github-other-branch", base: c, variant: job(`repo:${owner}/${repo}:${other}`), context: `sub repo:${owner}/${repo}:${other}` });
      out.push({ probe: "github-pull-request", base: c, variant: job(`repo:${owner}/${repo}:pull_request`), context: `sub repo:${owner}/${repo}:pull_request` });
      out.push({ probe: "github-wrong-audience", base: c, variant: job(sub, `${PROBE}.example.com`), context: `aud ${PROBE}.example.com` });
    }
  }
  if (c.kind === "sso" && c.accountId) {
    const set = /AWSReservedSSO_(.+)_[0-9a-f]{16}$/.exec(c.arn ?? "")?.[1] ?? "";
    const entity: PermissionSetEntity = { stack: c.stack ?? "", name: set, address: "", managed: c.managed, accounts: [], ...(c.identity[0] ? { inline: c.identity[0] } : {}) };
    out.push({ probe: "sso-other-permission-set", base: c, variant: { ...ssoSession(entity, c.accountId, c.stack, `${set}_Admin`), id: c.id }, context: `aws:PrincipalArn of AWSReservedSSO_${set}_Admin_…` });
    const elsewhere = unassigned.find((id) => id !== c.accountId);
    if (elsewhere) out.push({ probe: "sso-unassigned-account", base: c, variant: { ...ssoSession(entity, elsewhere, undefined), id: c.id }, context: `from account ${elsewhere}` });
  }
  if (c.kind === "service" && t.accountId && JSON.stringify(t.policy?.document ?? {}).includes("aws:SourceAccount")) {
    const other = t.accountId === "999999999999" ? "999999999998" : "999999999999";
    out.push({ probe: "service-other-account", base: c, variant: { ...c, sourceAccount: other }, context: `aws:SourceAccount ${other}` });
  }
  return out;
}

/** The accounts of the stacks a permission set is not assigned to, by the caller's set. */
export function unassignedAccounts(inv: Inventory, c: CallerSpec): string[] {
  if (c.kind !== "sso") return [];
  const set = /AWSReservedSSO_(.+)_[0-9a-f]{16}$/.exec(c.arn ?? "")?.[1];
  const assigned = new Set(inv.stacks.flatMap((s) => s.permissionSets ?? []).find((p) => p.name === set)?.accounts ?? []);
  return inv.stacks.map((s) => s.accountId).filter((id) => !assigned.has(id));
}
