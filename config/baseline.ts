/**
 * The `baseline` block: password policy, self-service MFA, the audit trail's
 * account and the roles alerted on. Validated and resolved here once every
 * account is known; config/resolve.ts calls in.
 */
import type { ConfigIssue } from "./errors";
import type { Account, AlertOn, Audit, Baseline } from "./model";
import { byCodePoint } from "./order";
import { parseRef } from "./references";
import * as schema from "./schema";
import type { PathSegment, Source } from "./source";
import { closest } from "./suggest";
import { validate } from "./validate";

/** The customer managed policy every group gets with `selfServiceMfa`. */
export const SELF_SERVICE_MFA_POLICY = "SelfServiceMfa";
/** The role EventBridge assumes in an account whose rules deliver to the audit account's topics. */
export const ALERT_DELIVERY_ROLE = "AuditAlertDelivery";
/** The audit account's trail bucket: S3 names are global, so the account id is in it. */
export const auditBucketName = (audit: Pick<Audit, "account">): string => `audit-trail-${audit.account.id}`;

/** How problems are reported: at a path, with what is wrong and what would be right. */
type Report = (path: readonly PathSegment[], message: string, hint: string, key?: boolean) => void;

const didYouMean = (word: string, names: readonly string[]): string => {
  const guess = closest(word, names);
  return guess ? `did you mean "${guess}"? ` : "";
};

/** The `baseline` block with its defaults, or undefined when the map has none (or it did not validate). */
export function resolveBaseline(
  raw: unknown,
  accounts: ReadonlyMap<string, Account>,
  declared: ReadonlySet<string>,
  source: Source,
  issues: ConfigIssue[],
  report: Report,
): Baseline | undefined {
  if (raw === undefined) return undefined;
  const base = ["baseline"];
  const input = validate(schema.Baseline, raw ?? {}, base, source, issues);
  if (!input) return undefined;
  const names = [...declared].sort(byCodePoint);
  let audit: Audit | undefined;
  if (input.audit) {
    const path = [...base, "audit"];
    const account = accounts.get(input.audit.account);
    if (!account && !declared.has(input.audit.account)) {
      report([...path, "account"], `unknown audit account "${input.audit.account}"`, `${didYouMean(input.audit.account, names)}the audit trail's bucket and the alert topics live in an account of this map; accounts: ${names.join(", ")}`);
    }
    const alertOn = resolveAlertOn(input.audit.alertOn ?? [], [...path, "alertOn"], accounts, declared, names, source, report);
    if (account) audit = { account, alertOn, at: source.locate(path, { key: true }) };
  }
  const selfServiceMfa = input.selfServiceMfa ?? true;
  reserveNames(accounts, { selfServiceMfa, alerts: (input.audit?.alertOn ?? []).length > 0, ...(audit ? { bucket: auditBucketName(audit) } : {}) }, report);
  return {
    passwordPolicy: input.passwordPolicy ?? "strict",
    selfServiceMfa,
    ...(audit ? { audit } : {}),
    at: source.locate(base, { key: true }),
  };
}

/** Each `alertOn` entry names a role of the map, once. */
function resolveAlertOn(
  refs: readonly string[],
  path: readonly PathSegment[],
  accounts: ReadonlyMap<string, Account>,
  declared: ReadonlySet<string>,
  names: readonly string[],
  source: Source,
  report: Report,
): AlertOn[] {
  const out: AlertOn[] = [];
  const seen = new Map<string, number>();
  refs.forEach((ref, i) => {
    const at = [...path, i];
    const prev = seen.get(ref);
    if (prev !== undefined) {
      report(at, `role "${ref}" is listed twice; first at alertOn[${prev}]`, "remove one");
      return;
    }
    seen.set(ref, i);
    const parsed = parseRef(ref);
    if (!parsed || parsed.kind !== "role") {
      report(at, `invalid alert reference "${ref}"`, "write <account>/role/<role>: alerts are raised when a role of the map is assumed");
      return;
    }
    const account = accounts.get(parsed.account);
    if (!account) {
      if (!declared.has(parsed.account)) report(at, `unknown account "${parsed.account}" in "${ref}"`, `${didYouMean(parsed.account, names)}accounts: ${names.join(", ")}`);
      return;
    }
    const role = account.roles.find((r) => r.name === parsed.role);
    if (!role) {
      const roles = account.roles.map((r) => r.name);
      report(at, `unknown role "${parsed.role}" in "${ref}"`, `${didYouMean(parsed.role, roles)}${roles.length ? `roles in ${account.name}: ${roles.join(", ")}` : `${account.name} declares no roles`}`);
      return;
    }
    out.push({ role, ref, at: source.locate(at) });
  });
  return out.sort((a, b) => byCodePoint(a.ref, b.ref));
}

/** The names the baseline writes are its own: a map declaring one of them is told where, before two resources fight over it. */
function reserveNames(accounts: ReadonlyMap<string, Account>, uses: { selfServiceMfa: boolean; alerts: boolean; bucket?: string }, report: Report): void {
  for (const account of [...accounts.values()].sort((a, b) => byCodePoint(a.name, b.name))) {
    const at = (section: string, name: string) => ["accounts", account.name, section, name];
    if (uses.selfServiceMfa && account.groups.length > 0 && account.policies.some((p) => p.name === SELF_SERVICE_MFA_POLICY)) {
      report(at("policies", SELF_SERVICE_MFA_POLICY), `policy "${SELF_SERVICE_MFA_POLICY}" is the baseline's self-service MFA policy`, "rename this policy, or set baseline.selfServiceMfa: false", true);
    }
    if (uses.alerts && account.roles.some((r) => r.name === ALERT_DELIVERY_ROLE)) {
      report(at("roles", ALERT_DELIVERY_ROLE), `role "${ALERT_DELIVERY_ROLE}" is the baseline's alert delivery role`, "rename this role: the baseline writes it in every account whose alerts go to the audit account", true);
    }
    if (uses.bucket && account.buckets.some((b) => b.name === uses.bucket)) {
      report(at("buckets", uses.bucket), `bucket "${uses.bucket}" is the baseline's audit trail bucket`, "rename this bucket: the baseline writes it in the audit account", true);
    }
  }
}
