/**
 * Lint findings on the synthesized policies, each with its stack, Terraform
 * address and a fix: wildcards in identity policies, unknown actions, public
 * principals, trust without MFA, service trust without `aws:SourceAccount`,
 * documents near their size quota (each resource kind's own quota for its
 * policies), groups granted nothing, roles nobody can assume, and AWS managed
 * policies that are not evaluated.
 */
import { actionProblem } from "../config/actions";
import { wordList } from "../config/words";
import { sendsSourceAccount } from "../config/services";
import { LIMITS } from "../policies/limits";
import { arnAccount, asList, byText, conditionValues, hasCondition, hasWildcard, principalsOf, rootAccount, sortedUnique, statementsOf } from "./policy-json";
import { KINDS, section } from "../resources";
import { KEY_POLICY_CHARACTERS } from "../resources/kms";
import { groupId, roleId } from "./ids";
import { identityPolicies, stackResourcePolicies } from "./principals";
import type { Access, Finding, Inventory, PolicyText, ResourceEntity, StatementJson } from "./types";

/** Share of a quota at which a document is reported. */
export const SIZE_WARNING_RATIO = 0.9;

/** What the linter reads. */
export interface LintInput {
  readonly inventory: Inventory;
  readonly access: readonly Access[];
}

const stmtName = (s: StatementJson, i: number): string => (s.Sid ? `statement ${s.Sid}` : `statement #${i + 1}`);
const allows = (s: StatementJson): boolean => s.Effect === "Allow";

/** Every finding, sorted by stack, resource and rule. */
export async function lintStacks({ inventory, access }: LintInput): Promise<Finding[]> {
  const out: Finding[] = [];
  const reaching = new Set(access.map((a) => a.caller));
  const assumed = new Set(access.filter((a) => ["sts:assumerole", "sts:assumerolewithwebidentity"].includes(a.action.toLowerCase()) && !a.caller.startsWith("account/")).map((a) => a.target));
  for (const stack of inventory.stacks) {
    const identity = new Map<string, PolicyText>();
    for (const e of [...stack.groups, ...stack.roles]) for (const p of identityPolicies(e)) identity.set(p.address, p);
    for (const p of stack.policies) identity.set(p.address, p);
    for (const p of identity.values()) out.push(...wildcards(p));

    const resource = stackResourcePolicies(stack);
    for (const p of resource) out.push(...publicPrincipals(p));
    for (const r of stack.roles) if (r.trust) out.push(...trustWithoutMfa(r.trust), ...serviceTrustWithoutSourceAccount(r.trust));
    for (const p of [...identity.values(), ...resource]) out.push(...(await unknownActions(p)));

    for (const g of stack.groups) for (const p of g.inline) out.push(...size(p, LIMITS.groupInline, "group inline policy", "grant this group fewer roles and buckets, or split its people across groups"));
    for (const r of stack.roles) {
      for (const p of r.inline) out.push(...size(p, LIMITS.roleInline, "role inline policy", "grant this role fewer roles and buckets, or split it"));
      if (r.trust) out.push(...size(r.trust, LIMITS.trustPolicy, "trust policy", "split its callers across more roles"));
    }
    for (const p of stack.policies) out.push(...size(p, LIMITS.managedPolicy, "managed policy", "split it into several policies"));
    for (const kind of KINDS) {
      for (const e of section<ResourceEntity>(stack, kind)) {
        if (e.policy) out.push(...size(e.policy, kind.quota.characters, kind.policyName, kind.quotaHint));
        if (e.key?.policy) out.push(...size(e.key.policy, KEY_POLICY_CHARACTERS, "key policy", `grant fewer callers in other accounts on this ${kind.noun}`));
      }
    }

    for (const g of stack.groups) {
      const id = groupId(stack.name, g.name);
      if (g.attachments.length === 0 && !reaching.has(id)) {
        out.push({
          severity: "warning",
          rule: "unused-group",
          stack: stack.name,
          resource: g.address,
          message: `group ${g.name} is granted nothing: it can assume no role and reach no ${KINDS.map((k) => k.noun).join(" or ")}`,
          fix: `grant it a role (roles.<role>.assumableBy: [${id}]) or ${KINDS.map((k) => `a ${k.noun} (grants: {${id}: ${k.levels[0]}})`).join(" or ")}, or remove it from accounts.${stack.name}.groups`,
        });
      }
    }
    // Same-account resources an AWS managed policy may reach, kind by kind (`buckets: a, b`).
    const sameAccount = KINDS.flatMap((k) => {
      const names = section<ResourceEntity>(stack, k).map((e) => e.name);
      return names.length > 0 ? [`${k.section}: ${names.join(", ")}`] : [];
    });
    for (const r of stack.roles) {
      const id = roleId(stack.name, r.name);
      if (!assumed.has(id)) {
        out.push({
          severity: "warning",
          rule: "unassumable-role",
          stack: stack.name,
          resource: r.address,
          message: `nobody can assume role ${r.name}: no caller has both halves (trust policy and its own sts:AssumeRole)`,
          fix: `check the callers in roles.${r.name}.assumableBy and that each caller's account synthesized its half; or remove the role`,
        });
      }
      for (const a of r.attachments.filter((x) => !x.customer)) {
        out.push({
          severity: "info",
          rule: "managed-policy-not-evaluated",
          stack: stack.name,
          resource: a.address,
          message: `AWS managed policy ${a.policyName} is attached to role ${r.name}; its content is not evaluated, so the role may do more than this report shows${sameAccount.length > 0 ? ` (possibly on same-account ${sameAccount.join("; ")})` : ""}`,
          fix: `review what ${a.policyName} allows; a customer managed policy in the map would be evaluated`,
        });
      }
    }
  }
  return out.sort((a, b) => byText(`${a.stack}\u0000${a.resource}\u0000${a.rule}\u0000${a.message}`, `${b.stack}\u0000${b.resource}\u0000${b.rule}\u0000${b.message}`));
}

const finding = (p: PolicyText, severity: Finding["severity"], rule: string, message: string, fix: string): Finding => ({
  severity,
  rule,
  stack: p.stack,
  resource: p.address,
  message,
  fix,
});

/** A wildcard outside an ARN's resource part (`*`, `arn:aws:iam::*:role/x`), or one a kind says names all its resources (in a bucket name). */
function wildResource(r: string): boolean {
  return r === "*" || /^arn:([^:]*:){0,3}[^:]*[*?]/.test(r) || KINDS.some((k) => k.access.wildcardResource?.test(r) === true);
}

/** The kinds' levels, for the wildcard fix: `bucket levels read and read-write`. */
const KIND_LEVELS = KINDS.map((k) => `${k.noun} levels ${wordList(k.levels, "and")}`).join(", ");
/** The kinds' ARN forms, for the wildcard fix. */
const KIND_ARNS = KINDS.map((k) => k.access.arnExample).join(", ");

/** The resources of AWS's self-service MFA policy (policies/baseline.ts): every user's own, or listing what the console shows. */
const SELF_SERVICE_RESOURCES: ReadonlySet<string> = new Set(["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/*", "*"]);

/** True for a policy holding the self-service MFA policy's Deny of everything but setting MFA up without MFA. */
export function isSelfServiceMfa(statements: readonly StatementJson[]): boolean {
  return statements.some((s) => s.Effect === "Deny" && s.Sid === "DenyAllExceptListedIfNoMFA" && s.NotAction !== undefined && JSON.stringify(s.Condition ?? {}).includes('"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}'));
}

function wildcards(p: PolicyText): Finding[] {
  const out: Finding[] = [];
  const statements = statementsOf(p.document);
  // The compact form (policies/compact.ts) writes account-wildcard role ARNs on purpose, guarded by this Deny.
  const guarded = statements.some((s) => s.Effect === "Deny" && s.Sid === "DenyUngrantedRoles");
  const selfService = isSelfServiceMfa(statements);
  statements.forEach((s, i) => {
    if (!allows(s)) return;
    const actions = asList(s.Action).filter(hasWildcard);
    if (actions.length > 0 || s.NotAction !== undefined) {
      out.push(
        finding(
          p,
          "warning",
          "wildcard-action",
          `${p.label} ${stmtName(s, i)} allows ${s.NotAction !== undefined ? `every action but ${asList(s.NotAction).join(", ")}` : actions.join(", ")}`,
          `list the actions the grant needs (${KIND_LEVELS} already do); set allowWildcards: true on a customer policy only when a service-wide grant is meant`,
        ),
      );
    }
    const resources = asList(s.Resource).filter(wildResource);
    if (resources.length > 0 || s.NotResource !== undefined) {
      const compact = guarded && resources.every((r) => /^arn:aws[a-z-]*:iam::\*:role\/[^*?]+$/.test(r));
      if (selfService && s.NotResource === undefined && resources.every((r) => SELF_SERVICE_RESOURCES.has(r))) {
        out.push(finding(p, "info", "wildcard-resource", `${p.label} ${stmtName(s, i)} allows ${resources.join(", ")} (AWS's self-service MFA policy: each user their own)`, "nothing to fix; the account baseline writes it"));
        return;
      }
      out.push(
        finding(
          p,
          compact ? "info" : "warning",
          "wildcard-resource",
          `${p.label} ${stmtName(s, i)} allows ${s.NotResource !== undefined ? `every resource but ${asList(s.NotResource).join(", ")}` : resources.join(", ")}${compact ? " (the compact form, past IAM's quota; DenyUngrantedRoles keeps it exact)" : ""}`,
          compact ? "nothing to fix; grant fewer roles per caller to return to explicit ARNs" : `name the resources (role ARNs, ${KIND_ARNS})`,
        ),
      );
    }
  });
  return out;
}

function publicPrincipals(p: PolicyText): Finding[] {
  return statementsOf(p.document).flatMap((s, i) => {
    if (!allows(s)) return [];
    if (s.NotPrincipal !== undefined) {
      return [finding(p, "error", "not-principal", `${p.label} ${stmtName(s, i)} allows everyone but the principals it names (NotPrincipal with Allow)`, "name the principals in Principal instead")];
    }
    if (principalsOf(s).wildcard && s.Condition === undefined) {
      return [finding(p, "error", "principal-star", `${p.label} ${stmtName(s, i)} allows Principal "*" without a condition: anyone, in any account`, "name the account roots or roles that need access, or add a condition such as aws:PrincipalOrgID")];
    }
    return [];
  });
}

function trustWithoutMfa(p: PolicyText): Finding[] {
  return statementsOf(p.document).flatMap((s, i) => {
    if (!allows(s)) return [];
    const pr = principalsOf(s);
    const people = [...pr.aws.filter((a) => rootAccount(a) !== undefined || /:user\//.test(a)), ...(pr.wildcard ? ["*"] : [])];
    if (people.length === 0) return [];
    const narrowed = ["aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:PrincipalArn", "sts:ExternalId"].some((k) => hasCondition(s, k));
    const mfaTrue = conditionValues(s, "aws:MultiFactorAuthPresent").some((v) => v.toLowerCase() === "true") || hasCondition(s, "aws:MultiFactorAuthAge");
    if (narrowed && (mfaTrue || !hasCondition(s, "aws:MultiFactorAuthPresent"))) return [];
    const accounts = sortedUnique(people.map((a) => rootAccount(a) ?? arnAccount(a) ?? a));
    return [
      finding(
        p,
        "warning",
        "trust-without-mfa",
        `${p.label} ${stmtName(s, i)} lets people of ${accounts.join(", ")} assume the role without MFA`,
        "require MFA for people: remove requireMfa: false from the grant (groups), or give machines a role caller (<account>/role/<role>)",
      ),
    ];
  });
}

/** AWS's page on the confused deputy problem, cross-account and cross-service. */
export const CONFUSED_DEPUTY_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html";

/**
 * A service trusted without `aws:SourceAccount` (or `aws:SourceArn`) because AWS
 * does not document that it sends the key (config/services.ts): a condition it
 * never sends would lock it out, so the trust stays open to the service and
 * confused-deputy protection is the service's own. Noted, not a fault.
 */
export function serviceTrustWithoutSourceAccount(p: PolicyText): Finding[] {
  return statementsOf(p.document).flatMap((s, i) => {
    if (!allows(s) || hasCondition(s, "aws:SourceAccount") || hasCondition(s, "aws:SourceArn")) return [];
    return principalsOf(s)
      .service.filter((service) => !sendsSourceAccount(service))
      .map((service) =>
        finding(
          p,
          "info",
          "service-trust-without-source-account",
          `${p.label} ${stmtName(s, i)} trusts ${service} without aws:SourceAccount: AWS does not document that this service sends it, so confused-deputy protection is the service's own (${CONFUSED_DEPUTY_PAGE})`,
          "nothing to change in the map; if AWS documents that the service sends aws:SourceAccount, add it with that page to config/services.ts",
        ),
      );
  });
}

async function unknownActions(p: PolicyText): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const [i, s] of statementsOf(p.document).entries()) {
    for (const action of [...asList(s.Action), ...asList(s.NotAction)]) {
      const problem = await actionProblem(action);
      if (problem) out.push(finding(p, "error", "unknown-action", `${p.label} ${stmtName(s, i)}: ${problem.message}`, problem.hint));
    }
  }
  return out;
}

function size(p: PolicyText, limit: number, what: string, fix: string): Finding[] {
  if (p.size < Math.ceil(limit * SIZE_WARNING_RATIO)) return [];
  const pct = Math.round((p.size / limit) * 100);
  const over = p.size > limit;
  return [
    finding(
      p,
      over ? "error" : "warning",
      "policy-size",
      `${what} is ${p.size.toLocaleString("en-US")} characters, ${pct}% of AWS's limit of ${limit.toLocaleString("en-US")}${over ? ": AWS will refuse it" : ""}`,
      fix,
    ),
  ];
}
