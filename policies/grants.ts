/**
 * One function per kind of grant, each writing both halves from one declaration:
 * the resource half (trust policy or resource policy statement, in the resource's
 * account) and the identity half (statement on the caller's group or role, in the
 * caller's account). No other code writes trust or resource-policy statements
 * (a kind adds only the fixed statements its policies start with).
 */
import type { Caller, IdentityHolder, ResourceGrant, Role, SharedResource } from "../config/model";
import { githubTrust, identityHolder, serviceSourceAccount, ssoPrincipalArn, ssoTrust, ssoWho } from "./callers";
import { ASSUME_ROLE } from "./actions";
import { type ConditionBlock, sid, type Statement } from "./document";
import { keyArnPattern, viaService } from "../resources/kms";

/** Both halves of one grant. */
export interface GrantHalves {
  /** For the caller's inline policy; absent when the caller is outside the map (external account, service). */
  readonly identity?: { readonly holder: IdentityHolder; readonly statements: readonly Statement[] };
  /** For the resource's policy; empty for a resource whose grantee is in the resource's own account. */
  readonly resource: readonly Statement[];
  /** For the key policy of the resource's own key (a kind's `key`), same rule; absent without a key. */
  readonly keyPolicy?: readonly Statement[];
}

/** `arn:aws:iam::<id>:root`: the account as a principal, leaving the choice of who to its own IAM policies. */
export const accountRoot = (accountId: string): string => `arn:aws:iam::${accountId}:root`;

/** https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html */
export const MFA_PRESENT: ConditionBlock = { Bool: { "aws:MultiFactorAuthPresent": "true" } };

/**
 * A role caller is trusted through its account's root narrowed by `aws:PrincipalArn`,
 * not by naming the role as principal: AWS rejects a policy naming a role that does
 * not exist yet, and this keeps stacks free of deploy order.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
const principalArnIs = (arn: string): ConditionBlock => ({ ArnEquals: { "aws:PrincipalArn": arn } });

/** https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html */
const externalIdIs = (externalId: string): ConditionBlock => ({ StringEquals: { "sts:ExternalId": externalId } });

const orgIs = (organizationId: string): ConditionBlock => ({ StringEquals: { "aws:PrincipalOrgID": organizationId } });

/** Merges condition blocks operator by operator. */
export function conditions(...blocks: (ConditionBlock | undefined)[]): ConditionBlock | undefined {
  const out: Record<string, Record<string, string | readonly string[]>> = {};
  for (const block of blocks) {
    for (const [op, kv] of Object.entries(block ?? {})) out[op] = { ...out[op], ...kv };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const withCondition = (s: Statement, c: ConditionBlock | undefined): Statement => (c ? { ...s, Condition: c } : s);
const mfaSuffix = (required: boolean): string => (required ? "WithMfa" : "");

/** `roles.<role>.assumableBy: [<caller>]` → the role's trust statement and the caller's `sts:AssumeRole`. */
export function assumeRoleGrant(role: Role, caller: Caller): GrantHalves {
  const p = caller.principal;
  const mfa = caller.requireMfa ? MFA_PRESENT : undefined;
  const identity = (holder: IdentityHolder): GrantHalves["identity"] => ({
    holder,
    statements: [withCondition({ Sid: `AssumeRoles${mfaSuffix(caller.requireMfa)}`, Effect: "Allow", Action: ASSUME_ROLE, Resource: role.arn }, mfa)],
  });
  switch (p.kind) {
    case "group":
      return {
        identity: identity(p),
        resource: [
          withCondition(
            { Sid: `TrustPeople${mfaSuffix(caller.requireMfa)}`, Effect: "Allow", Principal: { AWS: accountRoot(p.account.id) }, Action: ASSUME_ROLE },
            mfa,
          ),
        ],
      };
    case "role":
      return {
        identity: identity(p),
        resource: [
          withCondition(
            { Sid: sid("TrustRole", p.account.name, p.name), Effect: "Allow", Principal: { AWS: accountRoot(p.account.id) }, Action: ASSUME_ROLE },
            principalArnIs(p.arn),
          ),
        ],
      };
    case "external":
      return {
        resource: [
          withCondition(
            { Sid: sid("TrustExternal", p.name), Effect: "Allow", Principal: { AWS: accountRoot(p.id) }, Action: ASSUME_ROLE },
            externalIdIs(p.externalId),
          ),
        ],
      };
    case "service":
      return {
        resource: [withCondition({ Sid: sid("TrustService", p.service), Effect: "Allow", Principal: { Service: p.service }, Action: ASSUME_ROLE }, serviceSourceAccount(p.service, role.account))],
      };
    case "github":
      return { resource: [githubTrust(role, p)] };
    case "sso":
      return { identity: identity(p.permissionSet), resource: [ssoTrust(p, ASSUME_ROLE)] };
  }
}

/**
 * `<section>.<resource>.grants: {<grantee>: <level>}`, for every kind → the
 * grantee's statements (one per ARN form of the kind) and, when the grantee is in
 * another account, the matching resource-policy statements. A same-account
 * grantee needs only the identity half
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-policy-language-overview.html). The
 * rules for principals, MFA, `aws:PrincipalArn` and the organization live here
 * once; a kind brings only its forms (actions per level, ARNs, Sids).
 */
export function resourceGrant(resource: SharedResource, grant: ResourceGrant, organizationId?: string): GrantHalves {
  const g = grant.grantee;
  const kind = resource.kind;
  const mfa = grant.requireMfa ? MFA_PRESENT : undefined;
  const named = kind.identityCondition?.(resource);
  const forms = kind.forms.flatMap((f) => {
    const actions = f.actions[grant.level] ?? [];
    return actions.length === 0 ? [] : [{ identitySid: f.identitySid(grant.level), resourceSid: f.resourceSid(grant.level), actions, arn: f.arn(resource.arn), policyResource: f.policyResource, named }];
  });
  // The resource's own key: used for the grantee only through the kind's service, on `key/*` narrowed to this key.
  const key = resource.ownKey ? kind.key : undefined;
  const keyActions = key?.actions[grant.level] ?? [];
  const via = key ? viaService(key.service, resource.region) : undefined;
  const keyUse =
    key && keyActions.length > 0
      ? { identitySid: key.identitySid(grant.level), resourceSid: key.resourceSid(grant.level), actions: keyActions, arn: keyArnPattern(resource.account.id, resource.region), policyResource: "*", named: conditions(via, key.names(resource)) }
      : undefined;
  const identity: GrantHalves["identity"] = {
    holder: identityHolder(g),
    statements: [...forms, ...(keyUse ? [keyUse] : [])].map((f) =>
      withCondition({ Sid: `${f.identitySid}${mfaSuffix(grant.requireMfa)}`, Effect: "Allow", Action: [...f.actions], Resource: f.arn }, conditions(mfa, f.named)),
    ),
  };
  if (g.account === resource.account) return { identity, resource: [], ...(key ? { keyPolicy: [] } : {}) };

  const who = g.kind === "group" ? `People${mfaSuffix(grant.requireMfa)}` : g.kind === "sso" ? ssoWho(g) : sid("Role", g.account.name, g.name);
  const condition = conditions(
    g.kind === "group" ? mfa : g.kind === "sso" ? ssoPrincipalArn(g) : principalArnIs(g.arn),
    organizationId === undefined ? undefined : orgIs(organizationId),
  );
  const principal = { AWS: accountRoot(g.account.id) };
  const statement = (f: { resourceSid: string; actions: readonly string[]; arn: string; policyResource?: string }, extra?: ConditionBlock): Statement =>
    withCondition({ Sid: `${f.resourceSid}${who}`, Effect: "Allow", Principal: principal, Action: [...f.actions], Resource: f.policyResource ?? f.arn }, conditions(condition, extra));
  return {
    identity,
    resource: forms.map((f) => statement(f)),
    ...(key ? { keyPolicy: keyUse ? [statement(keyUse, via)] : [] } : {}),
  };
}
