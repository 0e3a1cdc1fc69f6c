/**
 * The access report's probes of the account baseline, as requests against the
 * synthesized stacks: a group member without MFA can set MFA up and nothing
 * else (not deactivate it, not touch another user's device); the audit bucket
 * takes each trail's logs only under its own account's prefix; an alert topic
 * takes only its own rules (or the delivery role of their account). Each case
 * says what the evaluator must answer; a probe must be denied, a check allowed.
 */
import type { Model } from "../config/model";
import { ALERT_DELIVERY_ROLE, alertRegions, alertRuleName, alertTopicName, auditBucketName, trailArn } from "../policies/baseline";
import type { SimRequest } from "./evaluator";
import type { PolicyText, ProbeCase, StackInventory } from "./types";

/** A baseline request and the answer the gate expects. */
export interface BaselineCase {
  readonly kase: ProbeCase;
  readonly request: SimRequest;
  /** `denied`: a probe; `allowed`: the baseline works (a member can set MFA up, a trail can write its own prefix). */
  readonly expect: "denied" | "allowed";
}

export const BASELINE_PROBE_TITLES = {
  "mfa-self-service": "A group member without MFA: only setting MFA up (no other user's device, no deactivating MFA, no role)",
  "trail-bucket": "The audit bucket: a trail writing under another account's prefix, or another trail, or another account deleting logs",
  "alert-topic": "An alert topic: a rule or role other than the alert rules' own",
} as const;

const TLS = { "aws:SecureTransport": "true" };

/** A role's session as the request's principal, with the keys IAM sets for it. */
const roleSession = (accountId: string, role: string) => ({
  principal: `arn:aws:sts::${accountId}:assumed-role/${role}/baseline-probe`,
  context: { "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/${role}`, "aws:PrincipalAccount": accountId },
});

/** Every baseline case of the stacks; none for a map without a baseline block. */
export function baselineCases(model: Model, stacks: readonly StackInventory[]): BaselineCase[] {
  const baseline = model.baseline;
  if (!baseline) return [];
  const out: BaselineCase[] = [];
  const stackOf = new Map(stacks.map((s) => [s.name, s]));

  if (baseline.selfServiceMfa) {
    for (const account of model.accounts) {
      const stack = stackOf.get(account.name);
      for (const group of stack?.groups ?? []) {
        const identity: PolicyText[] = [...group.inline, ...group.attachments.flatMap((a) => (a.customer ? [a.customer] : []))];
        const user = `arn:aws:iam::${account.id}:user/member-of-${group.name}`;
        const other = `arn:aws:iam::${account.id}:user/another-user`;
        const req = (action: string, resource: string, mfa: boolean): SimRequest => ({
          principal: user,
          action,
          resource,
          resourceAccount: account.id,
          identity,
          context: { "aws:username": user.slice(user.lastIndexOf("/") + 1), "aws:MultiFactorAuthPresent": String(mfa), "aws:PrincipalArn": user, "aws:PrincipalAccount": account.id, ...TLS },
        });
        const kase = (action: string, target: string, context: string): ProbeCase => ({ probe: "mfa-self-service", caller: `${account.name}/${group.name}`, target, action, context });
        const mfaDevice = `arn:aws:iam::${account.id}:mfa/member-of-${group.name}`;
        out.push(
          { kase: kase("iam:CreateVirtualMFADevice", mfaDevice, "no MFA, own device"), request: req("iam:CreateVirtualMFADevice", mfaDevice, false), expect: "allowed" },
          { kase: kase("iam:EnableMFADevice", "own user", "no MFA"), request: req("iam:EnableMFADevice", user, false), expect: "allowed" },
          { kase: kase("iam:DeactivateMFADevice", "own user", "no MFA"), request: req("iam:DeactivateMFADevice", user, false), expect: "denied" },
          { kase: kase("iam:EnableMFADevice", "another user", "MFA"), request: req("iam:EnableMFADevice", other, true), expect: "denied" },
          { kase: kase("iam:DeactivateMFADevice", "another user", "MFA"), request: req("iam:DeactivateMFADevice", other, true), expect: "denied" },
          { kase: kase("iam:CreateAccessKey", "another user", "MFA"), request: req("iam:CreateAccessKey", other, true), expect: "denied" },
          { kase: kase("iam:DeactivateMFADevice", "own user", "MFA"), request: req("iam:DeactivateMFADevice", user, true), expect: "allowed" },
        );
        // Every role the group may assume, without MFA: refused by the group's own policy (and by MFA-conditioned trusts).
        for (const role of model.accounts.flatMap((a) => a.roles).filter((r) => r.callers.some((c) => c.principal === account.groups.find((g) => g.name === group.name)))) {
          out.push({ kase: kase("sts:AssumeRole", `${role.account.name}/role/${role.name}`, "no MFA"), request: { ...req("sts:AssumeRole", role.arn, false), resourceAccount: role.account.id }, expect: "denied" });
        }
      }
    }
  }

  const audit = baseline.audit;
  if (!audit) return out;
  const auditStack = stackOf.get(audit.account.name);
  const bucketName = auditBucketName(audit);
  const bucket = auditStack?.buckets?.find((b) => b.name === bucketName);
  if (bucket?.policy) {
    const accounts = model.accounts;
    for (const [i, account] of accounts.entries()) {
      const neighbour = accounts[(i + 1) % accounts.length];
      const put = (prefixOf: string, trail: string, sourceAccount: string): SimRequest => ({
        principal: "cloudtrail.amazonaws.com",
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${bucketName}/AWSLogs/${prefixOf}/CloudTrail/log.json.gz`,
        resourceAccount: audit.account.id,
        identity: "outside",
        resourcePolicy: bucket.policy!,
        context: { "aws:SourceArn": trail, "aws:SourceAccount": sourceAccount, "aws:PrincipalServiceName": "cloudtrail.amazonaws.com", "s3:x-amz-acl": "bucket-owner-full-control", ...TLS },
      });
      const kase = (action: string, context: string, caller = `${account.name}/trail/audit-trail`): ProbeCase => ({ probe: "trail-bucket", caller, target: `${audit.account.name}/bucket/${bucketName}`, action, context });
      out.push({ kase: kase("s3:PutObject", "own prefix"), request: put(account.id, trailArn(account), account.id), expect: "allowed" });
      if (neighbour !== account) {
        out.push({ kase: kase("s3:PutObject", `${neighbour.name}'s prefix`), request: put(neighbour.id, trailArn(account), account.id), expect: "denied" });
      }
      const otherTrail = `arn:aws:cloudtrail:${account.region}:${account.id}:trail/another-trail`;
      out.push({ kase: kase("s3:PutObject", "own prefix, another trail of the account"), request: put(account.id, otherTrail, account.id), expect: "denied" });
      if (account !== audit.account) {
        out.push({
          kase: kase("s3:DeleteObject", "the account's own logs", `${account.name}/role/*`),
          request: {
            principal: roleSession(account.id, "any-role").principal,
            action: "s3:DeleteObject",
            resource: `arn:aws:s3:::${bucketName}/AWSLogs/${account.id}/CloudTrail/log.json.gz`,
            resourceAccount: audit.account.id,
            identity: "outside",
            resourcePolicy: bucket.policy,
            context: { ...roleSession(account.id, "any-role").context, ...TLS },
          },
          expect: "denied",
        });
      }
    }
  }

  for (const alert of audit.alertOn) {
    const account = alert.role.account;
    for (const region of alertRegions(alert)) {
      const topic = auditStack?.topics?.find((t) => t.name === alertTopicName(region));
      if (!topic?.policy) continue;
      /** EventBridge itself (service principal), or a role session of the rule's account (identity: its stack's policies, or `outside`). */
      const publish = (who: { role: string; identity: readonly PolicyText[] | "outside" } | "events", sourceArn: string): SimRequest => ({
        ...(who === "events"
          ? { principal: "events.amazonaws.com", identity: "outside" as const, context: { "aws:SourceArn": sourceArn, "aws:SourceAccount": account.id, "aws:PrincipalServiceName": "events.amazonaws.com", ...TLS } }
          : { principal: roleSession(account.id, who.role).principal, identity: who.identity, context: { ...roleSession(account.id, who.role).context, ...TLS } }),
        action: "sns:Publish",
        resource: topic.arn,
        resourceAccount: audit.account.id,
        resourcePolicy: topic.policy!,
      });
      const kase = (caller: string, context: string): ProbeCase => ({ probe: "alert-topic", caller, target: `${audit.account.name}/topic/${topic.name}`, action: "sns:Publish", context });
      const rule = `arn:aws:events:${region}:${account.id}:rule/${alertRuleName(alert.role.name)}`;
      const otherRule = `arn:aws:events:${region}:${account.id}:rule/another-rule`;
      if (account === audit.account) {
        out.push(
          { kase: kase(`service/events.amazonaws.com`, `rule ${alertRuleName(alert.role.name)}`), request: publish("events", rule), expect: "allowed" },
          { kase: kase(`service/events.amazonaws.com`, "another rule"), request: publish("events", otherRule), expect: "denied" },
        );
      } else {
        const deliveryRole = stackOf.get(account.name)?.roles.find((r) => r.name === ALERT_DELIVERY_ROLE);
        out.push(
          { kase: kase(`${account.name}/role/${ALERT_DELIVERY_ROLE}`, "the delivery role"), request: publish({ role: ALERT_DELIVERY_ROLE, identity: deliveryRole?.inline ?? [] }, rule), expect: "allowed" },
          { kase: kase(`${account.name}/role/another-role`, "another role of the account, its own policies allowing everything"), request: publish({ role: "another-role", identity: "outside" }, rule), expect: "denied" },
          { kase: kase(`service/events.amazonaws.com`, "a rule of the account, without the delivery role"), request: publish("events", rule), expect: "denied" },
        );
      }
    }
  }
  return out;
}
