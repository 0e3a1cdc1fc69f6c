/**
 * Declared access: what the account map says each caller may do, in the same terms
 * as effective access (caller and target ids, action names), each with where it
 * was declared.
 */
import type { Located } from "../config/errors";
import type { Model, SharedResource } from "../config/model";
import { ASSUME_ROLE } from "../policies/actions";
import { ASSUME_ROLE_WITH_WEB_IDENTITY } from "../policies/callers";
import { grantArns, KINDS, levelActions, section } from "../resources";
import { callerId, outsideResourceId, resourceId, resourceTargetId, roleId, roleTargetId } from "./ids";
import { ALERT_DELIVERY_ROLE, alertRegions, alertTopicName } from "../policies/baseline";
import { topicKind } from "../resources/topic";
import { byText, sortedUnique } from "./policy-json";
import type { Intent } from "./types";

/** How an intent from a resource's `grants` reads: `grants read`. */
export const grantWhat = (level: string): string => `grants ${level}`;

/**
 * One declared grant, and where it stands in the map, as messages and the report
 * print it (`declaredAt`). That is read on first use and then kept (the gate, the
 * report and report.json each read it): its line is looked up in the map's
 * positional parse (config/source.ts), which the threads that only evaluate never
 * need (at 1,000 accounts of the benchmark's map that parse took 1.7 s and
 * 59 MB of each thread, docs/benchmarks.md). It holds the map's file name and one
 * location, never the model: a thread that only evaluates keeps the intents of its
 * own targets (access/shards.ts, ownPart) and lets the model go.
 *
 * A class, not an object literal with a getter: such a literal costs 728 bytes
 * against 216, one closure and an accessor each, and there are 182,792 grants at
 * 10,000 accounts of the benchmark's map (docs/benchmarks.md, "Access check at 10,000
 * accounts, 2026-12-03"). Its own properties are the intent's fields in the
 * interface's order but `declaredAt`; as JSON it has them all, in that order.
 */
class DeclaredIntent implements Intent {
  // Declared, not defined: each is set in the constructor, in this order, and externalId only when there is one.
  declare readonly caller: string;
  declare readonly target: string;
  declare readonly actions: readonly string[];
  declare readonly mfa: boolean;
  declare readonly externalId?: string;
  declare readonly what: string;
  readonly #file: string;
  readonly #at: Located;
  #declaredAt?: string;

  constructor(fields: Omit<Intent, "declaredAt">, file: string, at: Located) {
    this.caller = fields.caller;
    this.target = fields.target;
    this.actions = fields.actions;
    this.mfa = fields.mfa;
    if (fields.externalId !== undefined) this.externalId = fields.externalId;
    this.what = fields.what;
    this.#file = file;
    this.#at = at;
  }

  get declaredAt(): string {
    return (this.#declaredAt ??= `${this.#file}:${this.#at.line} ${this.#at.path}`);
  }

  toJSON(): Intent {
    const { caller, target, actions, mfa, externalId, declaredAt, what } = this;
    return { caller, target, actions, mfa, ...(externalId !== undefined ? { externalId } : {}), declaredAt, what };
  }
}

/** Every grant the map declares. Customer managed policies count as grants to the roles they are attached to. */
export function intendedAccess(model: Model): Intent[] {
  const out: Intent[] = [];
  const file = model.file;
  const roleByArn = new Map(model.accounts.flatMap((a) => a.roles.map((r) => [r.arn, r] as const)));
  const resources = model.accounts.flatMap((a) => KINDS.flatMap((kind) => section<SharedResource>(a, kind)));
  const resourceByArn = new Map(resources.flatMap((r) => grantArns(r.kind, r.arn).map((arn) => [arn, r] as const)));
  for (const account of model.accounts) {
    for (const role of account.roles) {
      for (const caller of role.callers) {
        const p = caller.principal;
        const fields = {
          caller: callerId(p),
          target: roleTargetId(role),
          actions: [p.kind === "github" ? ASSUME_ROLE_WITH_WEB_IDENTITY : ASSUME_ROLE],
          mfa: caller.requireMfa,
          ...(p.kind === "external" ? { externalId: p.externalId } : {}),
          what: "assumableBy",
        };
        out.push(new DeclaredIntent(fields, file, caller.at));
      }
      for (const policy of role.customerPolicies) {
        for (const statement of policy.statements) {
          for (const resource of statement.resources) {
            const r = roleByArn.get(resource);
            const shared = resourceByArn.get(resource);
            const fields = {
              caller: roleTargetId(role),
              target: r ? roleTargetId(r) : shared ? resourceTargetId(shared) : outsideResourceId(resource),
              actions: [...statement.actions],
              mfa: false,
              what: `policy ${policy.name}`,
            };
            out.push(new DeclaredIntent(fields, file, policy.at));
          }
        }
      }
    }
  }
  for (const resource of resources) {
    for (const grant of resource.grants) {
      const fields = {
        caller: callerId(grant.grantee),
        target: resourceTargetId(resource),
        // With a key of its own, the level's actions on that key too (the third document decides them).
        actions: sortedUnique([...levelActions(resource.kind, grant.level), ...(resource.ownKey ? (resource.kind.key?.actions[grant.level] ?? []) : [])]),
        mfa: grant.requireMfa,
        what: grantWhat(grant.level),
      };
      out.push(new DeclaredIntent(fields, file, grant.at));
    }
  }
  out.push(...baselineIntents(model));
  return out.sort((a, b) => byText(`${a.caller}\u0000${a.target}\u0000${a.what}`, `${b.caller}\u0000${b.target}\u0000${b.what}`));
}

/**
 * The baseline's one grant between principals the stacks hold: an account's alert
 * delivery role publishes to the audit account's topic of each region its rules
 * stand in, with its key (declared by `baseline.audit.alertOn`).
 */
function baselineIntents(model: Model): Intent[] {
  const audit = model.baseline?.audit;
  if (!audit) return [];
  const out = new Map<string, Intent>();
  const file = model.file;
  for (const alert of audit.alertOn) {
    const account = alert.role.account;
    if (account === audit.account) continue;
    for (const region of alertRegions(alert)) {
      const target = resourceId(topicKind, audit.account.name, alertTopicName(region));
      const caller = roleId(account.name, ALERT_DELIVERY_ROLE);
      if (!out.has(`${caller} ${target}`)) out.set(`${caller} ${target}`, new DeclaredIntent({ caller, target, actions: ["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"], mfa: false, what: "baseline.audit.alertOn" }, file, alert.at));
    }
  }
  return [...out.values()];
}

/** What the map attaches to each role: role target id → managed policy ARNs (AWS and customer). */
export function intendedAttachments(model: Model): Map<string, string[]> {
  return new Map(
    model.accounts.flatMap((a) => a.roles.map((r) => [roleTargetId(r), sortedUnique([...r.managedPolicyArns, ...r.customerPolicies.map((p) => p.arn)])] as const)),
  );
}
