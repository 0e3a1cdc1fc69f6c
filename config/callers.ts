/**
 * The callers organizations have today, beside IAM groups and roles: GitHub
 * Actions workflows (`github/<owner>/<repo>@<branch>`, `@env:<environment>`) and
 * people signed in through IAM Identity Center (`<account>/sso/<PermissionSet>`),
 * with the `identityCenter` block that declares the permission sets. Parsed and
 * checked here; config/resolve.ts calls in.
 */
import type { ConfigIssue, Located } from "./errors";
import type { Account, GithubCaller, IdentityCenter, PermissionSet, SsoCaller } from "./model";
import * as schema from "./schema";
import type { PathSegment, Source } from "./source";
import { validate } from "./validate";

/** How problems are reported: at a path, with what is wrong and what would be right. */
type Report = (path: readonly PathSegment[], message: string, hint: string, key?: boolean) => void;

/** The audience GitHub's token carries for AWS, and the provider's host. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_AUDIENCE = "sts.amazonaws.com";

const GITHUB_FORMS = "github/<owner>/<repo>@<branch> or github/<owner>/<repo>@env:<environment>";
/** GitHub's rules: owners are letters, digits and single hyphens (39 at most); repositories letters, digits, . _ - (100 at most). */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** What git allows in a branch name, roughly (git check-ref-format): no spaces, ~ ^ : ? * [ \, no empty segment. */
const BRANCH = /^(?!\/)(?!.*\/\/)(?!.*\/$)(?!.*\.\.)[^\s~^:?*[\\]+$/;
const ENVIRONMENT = /^[^\s*?:]{1,255}$/;

/** A `github/...` reference parsed, or what is wrong with it. */
export type GithubParse = { readonly caller: GithubCaller } | { readonly message: string; readonly hint: string };

/** Parses `github/<owner>/<repo>@<branch>` or `@env:<environment>`. The branch may hold `/`. */
export function parseGithubRef(ref: string): GithubParse {
  const rest = ref.slice("github/".length);
  const at = rest.indexOf("@");
  const repoPart = at < 0 ? rest : rest.slice(0, at);
  const parts = repoPart.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return { message: `invalid GitHub reference "${ref}"`, hint: `write ${GITHUB_FORMS}` };
  const [owner, repo] = parts;
  const wild = /[*?]/.test(owner) ? "owner" : /[*?]/.test(repo) ? "repository" : undefined;
  if (wild) {
    return {
      message: `"${ref}" has a wildcard in its ${wild}`,
      hint: "name one owner and one repository: a wildcard lets workflows of repositories you do not control assume this role",
    };
  }
  if (!OWNER.test(owner)) return { message: `invalid GitHub owner "${owner}" in "${ref}"`, hint: "1 to 39 letters, digits and -, starting with a letter or digit" };
  if (!REPO.test(repo)) return { message: `invalid GitHub repository "${repo}" in "${ref}"`, hint: "1 to 100 letters, digits and . _ -" };
  if (at < 0) {
    return {
      message: `"${ref}" names no branch or environment`,
      hint: `write ${ref}@<branch> or ${ref}@env:<environment>: a trust without one lets every workflow of the repository assume this role, pull requests from forks included`,
    };
  }
  const which = rest.slice(at + 1);
  if (which.startsWith("env:")) {
    const environment = which.slice("env:".length);
    if (!ENVIRONMENT.test(environment)) return { message: `invalid GitHub environment "${environment}" in "${ref}"`, hint: "an environment name of the repository, without * ? : or spaces" };
    return { caller: { kind: "github", owner, repo, environment, subject: `repo:${owner}/${repo}:environment:${environment}` } };
  }
  if (/[*?]/.test(which)) {
    return { message: `"${ref}" has a wildcard in its branch`, hint: "name one branch: the trust compares the token's subject exactly, and a branch pattern would let other branches assume this role" };
  }
  if (!BRANCH.test(which)) return { message: `invalid branch "${which}" in "${ref}"`, hint: "a git branch name such as main or release/v2" };
  return { caller: { kind: "github", owner, repo, branch: which, subject: `repo:${owner}/${repo}:ref:refs/heads/${which}` } };
}

/** The reference of a GitHub caller, as the map writes it. */
export const githubRef = (c: GithubCaller): string => `github/${c.owner}/${c.repo}@${c.environment !== undefined ? `env:${c.environment}` : c.branch}`;

/**
 * The `aws:PrincipalArn` pattern of a permission set's reserved role in an account:
 * the role lives under `aws-reserved/sso.amazonaws.com/` (with a region segment when
 * Identity Center's home region is not us-east-1), named `AWSReservedSSO_<set>_<16 hex>`.
 * Sixteen `?` match the suffix exactly, so `Engineer` never matches `Engineer_Admin`.
 * https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
 */
export const reservedRolePattern = (accountId: string, permissionSet: string): string =>
  `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${permissionSet}_${"?".repeat(16)}`;

/** The reference of an SSO caller. */
export const ssoRef = (c: SsoCaller): string => `${c.account.name}/sso/${c.permissionSet.name}`;

/** The SSO caller for a permission set in an account, or what is wrong. */
export function ssoCaller(ref: string, accountName: string, setName: string, account: Account, center: IdentityCenter | undefined): SsoCaller | { message: string; hint: string } {
  if (!center) return { message: `"${ref}" names a permission set, but the map has no identityCenter block`, hint: "declare the permission set under identityCenter.permissionSets (README, \"IAM Identity Center\")" };
  const set = center.permissionSets.find((s) => s.name === setName);
  if (!set) {
    const names = center.permissionSets.map((s) => s.name);
    return { message: `unknown permission set "${setName}" in "${ref}"`, hint: names.length ? `permission sets: ${names.join(", ")}` : "declare it under identityCenter.permissionSets" };
  }
  if (!set.assignments.some((a) => a.accounts.includes(account))) {
    const where = assignedAccounts(set);
    return {
      message: `permission set "${setName}" is not assigned to account "${accountName}"`,
      hint: `${where.length ? `it is assigned to ${where.join(", ")}` : "it is assigned to no account"}; add ${accountName} to one of its assignments under identityCenter.permissionSets.${setName}.assignments`,
    };
  }
  return { kind: "sso", permissionSet: set, account, principalArnPattern: reservedRolePattern(account.id, set.name) };
}

/** The accounts a set is assigned to, by name, each once, in code-point order. */
export function assignedAccounts(set: PermissionSet): string[] {
  return [...new Set(set.assignments.flatMap((a) => a.accounts.map((acc) => acc.name)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The message for `requireMfa: true` where an SSO caller is named. */
export const SSO_MFA = {
  message: (ref: string) => `requireMfa cannot be enforced on "${ref}"`,
  hint: "IAM Identity Center enforces MFA when people sign in, and its sessions carry no aws:MultiFactorAuthPresent that a trust could test; configure MFA in Identity Center, and remove requireMfa here or move the SSO caller to another role",
};

/** Seconds of a duration in range (1h to 12h), or a report. */
function seconds(duration: string | undefined, path: readonly PathSegment[], report: Report): number {
  if (duration === undefined) return 3600;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  const s = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 : NaN;
  if (!(s >= 3600 && s <= 43200)) {
    report(path, `session duration ${duration} (${s.toLocaleString("en-US")} seconds) is out of range`, "1h to 12h: 3,600 to 43,200 seconds");
    return 3600;
  }
  return s;
}

/** The `identityCenter` block, once every account is known. */
export function resolveIdentityCenter(
  raw: unknown,
  accounts: ReadonlyMap<string, Account>,
  declared: ReadonlySet<string>,
  source: Source,
  issues: ConfigIssue[],
  report: Report,
): IdentityCenter | undefined {
  if (raw === undefined) return undefined;
  const base = ["identityCenter"];
  const input = validate(schema.IdentityCenter, raw, base, source, issues);
  if (!input) return undefined;
  const names = [...declared].sort();
  const accountNamed = (name: string, path: readonly PathSegment[], where: string): Account | undefined => {
    const account = accounts.get(name);
    if (!account && !declared.has(name)) report(path, `unknown account "${name}"${where}`, `accounts: ${names.join(", ")}`);
    return account;
  };
  const home = accountNamed(input.account, [...base, "account"], "");
  const sets: PermissionSet[] = [];
  for (const [name, s] of Object.entries(input.permissionSets).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = [...base, "permissionSets", name];
    const managed: string[] = [];
    (s.managedPolicies ?? []).forEach((m, i) => {
      if (managed.includes(m)) report([...path, "managedPolicies", i], `managed policy "${m}" is listed twice`, "remove one");
      else managed.push(m);
    });
    const assignments = Object.entries(s.assignments ?? {}).map(([group, list]) => {
      const seen: Account[] = [];
      list.forEach((acc, i) => {
        const a = accountNamed(acc, [...path, "assignments", group, i], ` in the assignments of permission set "${name}"`);
        if (a && seen.includes(a)) report([...path, "assignments", group, i], `account "${acc}" is listed twice for group "${group}"`, "remove one");
        else if (a) seen.push(a);
      });
      return { group, accounts: seen, at: source.locate([...path, "assignments", group], { key: true }) as Located };
    });
    sets.push({
      kind: "permission-set",
      name,
      account: home!,
      sessionSeconds: seconds(s.sessionDuration, [...path, "sessionDuration"], report),
      managedPolicyArns: managed.map((m) => `arn:aws:iam::aws:policy/${m}`),
      assignments,
      at: source.locate(path, { key: true }),
    });
  }
  if (!home) return undefined;
  return { account: home, instanceArn: input.instanceArn, identityStoreId: input.identityStoreId, permissionSets: sets, at: source.locate(base, { key: true }) };
}
