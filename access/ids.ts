/**
 * Every id the access report gives a caller or a target, built here and nowhere
 * else: the map's own reference syntax (`dev/developers`, `dev/role/ci-runner`,
 * `external/acme`, `service/ec2.amazonaws.com`), a resource by its kind's id
 * segment (`prod/bucket/x`), and the ids of things only the stacks know
 * (`account/<id>`, `principal/<arn>`, `resource/<arn>`).
 */
import type { Principal, Role, SharedResource } from "../config/model";
import type { ResourceKind } from "../resources";

export const groupId = (account: string, group: string): string => `${account}/${group}`;
export const roleId = (account: string, role: string): string => `${account}/role/${role}`;
export const resourceId = (kind: Pick<ResourceKind, "id">, account: string, name: string): string => `${account}/${kind.id}/${name}`;
export const externalCallerId = (name: string): string => `external/${name}`;
export const serviceCallerId = (service: string): string => `service/${service}`;
/** `github/<owner>/<repo>@<branch>` or `@env:<environment>`, from the token subject the trust compares. */
export function githubCallerId(subject: string): string {
  const m = /^repo:([^/]+)\/([^:]+):(?:ref:refs\/heads\/(.+)|environment:(.+))$/.exec(subject);
  if (!m) return `github/${subject}`;
  return `github/${m[1]}/${m[2]}@${m[3] !== undefined ? m[3] : `env:${m[4]}`}`;
}
export const ssoCallerId = (account: string, permissionSet: string): string => `${account}/sso/${permissionSet}`;
export const accountCallerId = (accountId: string): string => `account/${accountId}`;
export const principalCallerId = (arn: string): string => `principal/${arn}`;
export const outsideResourceId = (arn: string): string => `resource/${arn}`;

/** The caller id of a map principal, in the map's own reference syntax. */
export function callerId(p: Principal): string {
  switch (p.kind) {
    case "group":
      return groupId(p.account.name, p.name);
    case "role":
      return roleId(p.account.name, p.name);
    case "external":
      return externalCallerId(p.name);
    case "service":
      return serviceCallerId(p.service);
    case "github":
      return githubCallerId(p.subject);
    case "sso":
      return ssoCallerId(p.account.name, p.permissionSet.name);
  }
}

export const roleTargetId = (r: Role): string => roleId(r.account.name, r.name);
export const resourceTargetId = (r: SharedResource): string => resourceId(r.kind, r.account.name, r.name);
