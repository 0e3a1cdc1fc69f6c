/**
 * The trust statements of the callers organizations have today (GitHub Actions,
 * IAM Identity Center, AWS services that name their source account), for
 * policies/grants.ts: the rules live here once.
 */
import { GITHUB_AUDIENCE, GITHUB_OIDC_HOST } from "../config/callers";
import type { Account, GithubCaller, Grantee, IdentityCenter, IdentityHolder, Model, PermissionSet, Role, SsoCaller } from "../config/model";
import { sendsSourceAccount } from "../config/services";
import { byCodePoint } from "../config/order";
import { type ConditionBlock, type PolicyDocument, sid, type Statement } from "./document";

export const ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";

/** The ARN of an account's GitHub Actions OIDC provider. */
export const githubProviderArn = (accountId: string): string => `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;

const SUB = `${GITHUB_OIDC_HOST}:sub`;
const AUD = `${GITHUB_OIDC_HOST}:aud`;

/**
 * `github/<owner>/<repo>@<branch>` → the role's account's OIDC provider as
 * `Federated` principal, `sts:AssumeRoleWithWebIdentity`, `aud` and `sub` compared
 * exactly (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services).
 */
export function githubTrust(role: Role, caller: GithubCaller): Statement {
  return {
    Sid: "TrustGithubActions",
    Effect: "Allow",
    Principal: { Federated: githubProviderArn(role.account.id) },
    Action: ASSUME_ROLE_WITH_WEB_IDENTITY,
    Condition: { StringEquals: { [AUD]: GITHUB_AUDIENCE, [SUB]: caller.subject } },
  };
}

/** GitHub trust statements of one role merged into one, the subjects listed in code-point order; other statements untouched, in place. */
export function mergeGithubTrust(statements: readonly Statement[]): Statement[] {
  const github = statements.filter((s) => s.Sid === "TrustGithubActions");
  if (github.length < 2) return [...statements];
  const subjects = [...new Set(github.flatMap((s) => [s.Condition!.StringEquals[SUB]].flat()))].sort(byCodePoint);
  const merged: Statement = { ...github[0], Condition: { StringEquals: { [AUD]: GITHUB_AUDIENCE, [SUB]: subjects } } };
  const first = statements.indexOf(github[0]);
  return statements.flatMap((s, i) => (i === first ? [merged] : s.Sid === "TrustGithubActions" ? [] : [s]));
}

/** The reserved role of a permission set in its account, matched by `aws:PrincipalArn` (the role's name ends in a random suffix). */
export const ssoPrincipalArn = (caller: SsoCaller): ConditionBlock => ({ ArnLike: { "aws:PrincipalArn": caller.principalArnPattern } });

/** The Sid part naming an SSO caller: `SsoDevDeveloper`. */
export const ssoWho = (caller: SsoCaller): string => sid("Sso", caller.account.name, caller.permissionSet.name);

/** `<account>/sso/<PermissionSet>` in `assumableBy` → its account's root narrowed to the set's reserved role; no MFA condition (Identity Center enforces MFA at sign-in). */
export function ssoTrust(caller: SsoCaller, action: string): Statement {
  return { Sid: sid("Trust", ssoWho(caller)), Effect: "Allow", Principal: { AWS: `arn:aws:iam::${caller.account.id}:root` }, Action: action, Condition: ssoPrincipalArn(caller) };
}

/** Where a grantee's identity half goes: a group's or role's inline policy, or its permission set's. */
export const identityHolder = (g: Grantee): IdentityHolder => (g.kind === "sso" ? g.permissionSet : g);

/** `aws:SourceAccount` for a service that sends it (config/services.ts), else nothing. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount */
export function serviceSourceAccount(service: string, account: Account): ConditionBlock | undefined {
  return sendsSourceAccount(service) ? { StringEquals: { "aws:SourceAccount": account.id } } : undefined;
}

/** A permission set and its inline policy (the identity halves of every grant to it). */
export interface PermissionSetPlan {
  readonly set: PermissionSet;
  readonly inlinePolicy?: PolicyDocument;
}

/** What the `identityCenter.account` stack writes for Identity Center. */
export interface IdentityCenterPlan {
  readonly center: IdentityCenter;
  readonly permissionSets: readonly PermissionSetPlan[];
}

/** The parts of an account's plan that the callers of this module add; absent for a map that uses none of them. */
export interface CallerPlans {
  /** The account has roles trusting GitHub Actions: it gets the OIDC provider. */
  readonly githubOidcProvider?: true;
  readonly identityCenter?: IdentityCenterPlan;
}

/** An account's caller plans, spread into its {@link AccountPlan}: nothing for a map without these callers. */
export function callerPlans(account: Account, model: Model, inline: (holder: PermissionSet) => PolicyDocument | undefined): CallerPlans {
  const github = account.roles.some((r) => r.callers.some((c) => c.principal.kind === "github"));
  const center = model.identityCenter?.account === account ? model.identityCenter : undefined;
  return {
    ...(github ? { githubOidcProvider: true as const } : {}),
    ...(center ? { identityCenter: { center, permissionSets: center.permissionSets.map((set) => ({ set, ...optional(inline(set)) })) } } : {}),
  };
}

const optional = (doc: PolicyDocument | undefined): { inlinePolicy?: PolicyDocument } => (doc ? { inlinePolicy: doc } : {});
