/**
 * `npm run access -- --unused [--days 90]`: the review of access nobody uses.
 * Reads IAM's last-used data from the accounts (each role's `RoleLastUsed`; for
 * the members of the map's groups, their password's and access keys' last use)
 * and lists each declared grant that nobody used in that many days, with the map
 * line to delete. A report, never a gate.
 *
 * The AWS SDK for JavaScript (@aws-sdk/client-iam, @aws-sdk/client-sts) is loaded
 * only here, and only when the review runs: nothing else of the program needs it.
 */
import type { Located } from "../config/errors";
import type { Model, Principal } from "../config/model";
import { byCodePoint } from "../config/order";
import { KINDS, section } from "../resources";
import type { SharedResource } from "../config/model";
import { callerId, resourceTargetId, roleTargetId } from "./ids";
import { groupMembersLastUsed, iamIn, roleLastUsed } from "./iam-sdk";

/** When each principal of the map was last used, as IAM reports it; undefined: never, or not found. */
export interface LastUsed {
  /** Role ARN → last use. A role that does not exist is absent. */
  readonly roles: ReadonlyMap<string, Date | undefined>;
  /** Group ARN → its members, each with the latest use of their password or any access key. */
  readonly groups: ReadonlyMap<string, readonly { readonly user: string; readonly lastUsed?: Date }[]>;
}

/** A declared grant nobody used. */
export interface UnusedGrant {
  readonly caller: string;
  readonly target: string;
  /** `<file>:<line>:<column> <path>`: the map line to delete. */
  readonly declaredAt: string;
  readonly why: string;
}

const DAY = 86_400_000;
const day = (d: Date): string => d.toISOString().slice(0, 10);

/** Why a principal counts as unused in the window, or undefined when it was used. */
function idle(p: Principal, last: LastUsed, since: Date): string | undefined {
  if (p.kind === "role") {
    if (!last.roles.has(p.arn)) return `${callerId(p)} does not exist in its account`;
    const used = last.roles.get(p.arn);
    if (used && used >= since) return undefined;
    return used ? `${callerId(p)} last used ${day(used)}` : `${callerId(p)} never used`;
  }
  if (p.kind === "group") {
    const members = last.groups.get(p.arn) ?? [];
    if (members.length === 0) return `${callerId(p)} has no members`;
    const latest = members.map((m) => m.lastUsed).filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
    if (latest && latest >= since) return undefined;
    return latest ? `no member of ${callerId(p)} signed in or used a key since ${day(latest)}` : `no member of ${callerId(p)} ever signed in or used a key`;
  }
  // External accounts, services, GitHub and SSO callers: IAM keeps no last use for them here.
  return undefined;
}

/**
 * Every declared grant nobody used in `days` days before `now`: a role caller when
 * the role it opens was not assumed (RoleLastUsed) or the caller itself was idle;
 * a resource grant when its grantee was idle. In the map's file order of declaration.
 */
export function unusedGrants(model: Model, last: LastUsed, now: Date, days: number): UnusedGrant[] {
  const since = new Date(now.getTime() - days * DAY);
  const at = (l: Located) => `${model.file}:${l.line}:${l.column} ${l.path}`;
  const out: UnusedGrant[] = [];
  for (const account of model.accounts) {
    for (const role of account.roles) {
      const target = idle(role, last, since) as string | undefined;
      for (const caller of role.callers) {
        const why = target ?? idle(caller.principal, last, since);
        if (why) out.push({ caller: callerId(caller.principal), target: roleTargetId(role), declaredAt: at(caller.at), why });
      }
    }
    for (const kind of KINDS) {
      for (const resource of section<SharedResource>(account, kind)) {
        for (const grant of resource.grants) {
          const g = grant.grantee;
          const why = g.kind === "sso" ? undefined : idle(g, last, since);
          if (why) out.push({ caller: callerId(g), target: resourceTargetId(resource), declaredAt: at(grant.at), why });
        }
      }
    }
  }
  return out.sort((a, b) => byCodePoint(`${a.declaredAt}`, `${b.declaredAt}`));
}

/** The review as text: one line per unused grant, then a summary. */
export function renderUnused(list: readonly UnusedGrant[], days: number): string {
  const lines = list.map((u) => `unused: ${u.declaredAt}: ${u.caller} → ${u.target} (${u.why}); delete this line if nobody needs it`);
  lines.push(`access: ${list.length} declared grant${list.length === 1 ? "" : "s"} unused in the last ${days} days`);
  return `${lines.join("\n")}\n`;
}

/** Where to read: AWS itself, or an emulator's endpoint (LOCAL_AWS_ENDPOINT, as the e2e run sets it). */
export interface ReadOptions {
  readonly endpoint?: string;
  readonly region: string;
}

/**
 * Reads the last-used data of the map's roles and group members, account by
 * account, through each account's deploy role (as the providers do).
 */
export async function readLastUsed(model: Model, opts: ReadOptions): Promise<LastUsed> {
  const roles = new Map<string, Date | undefined>();
  const groups = new Map<string, { user: string; lastUsed?: Date }[]>();
  for (const account of model.accounts) {
    const iam = await iamIn(account.deployRoleArn, opts);
    for (const role of account.roles) {
      const found = await roleLastUsed(iam, role.name);
      if (found !== "missing") roles.set(role.arn, found);
    }
    for (const group of account.groups) groups.set(group.arn, await groupMembersLastUsed(iam, group.name));
  }
  return { roles, groups };
}
