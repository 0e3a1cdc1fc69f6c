/**
 * What the first apply will change on each adopted resource, read from the plan
 * of its stack with the import blocks in place (`terraform show -json`). Pure
 * functions; tools/adopt.ts runs Terraform.
 *
 * Findings come in two sorts, and the ones that matter for access come first:
 * - `widens`: the existing resource grants what the map does not (a trust or
 *   resource policy statement, an inline policy, an attachment, an ACL grant), or
 *   a Deny of it goes. Adopting must never hide these.
 * - the rest: what the apply sets (the map's policies, settings that differ).
 *
 * A resource whose import would be replaced (an attribute Terraform cannot
 * change in place differs, such as a role's path) cannot be adopted: a refusal.
 */
import { byCodePoint } from "../config/order";

type Json = Record<string, unknown>;

/** The part of Terraform's JSON plan read here. */
export interface AdoptPlanJson {
  readonly resource_changes?: readonly ResourceChange[];
  readonly configuration?: { readonly root_module?: { readonly resources?: readonly ConfigResource[] } };
}

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: Json | null;
    readonly after?: Json | null;
    readonly after_unknown?: Json;
    readonly importing?: { readonly id: string };
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
}

interface ConfigResource {
  readonly address: string;
  readonly type: string;
  readonly expressions?: Record<string, { readonly references?: readonly string[]; readonly constant_value?: unknown }>;
}

/** A resource adopt imports: its address, and in words (`role StageRole`). */
export interface Adoption {
  readonly address: string;
  readonly noun: string;
  readonly name: string;
  /** Addresses of the probes that read a role's or group's inline policy names and attachments (tools/adopt.ts). */
  readonly probes?: { readonly inline: string; readonly attachments: string };
}

export interface AdoptFinding {
  /** `role StageRole` */
  readonly resource: string;
  readonly widens: boolean;
  readonly text: string;
}

export interface AdoptRefusal {
  readonly adoption: Adoption;
  readonly reason: string;
}

/**
 * How a role's or a group's own inline policies and attachments are written (IAM,
 * not a resource kind), and the exclusive resources that read their lists: adopt
 * imports those as probes (never applied) to learn what the existing one holds.
 */
export const HOLDERS: Readonly<Record<string, { link: string; inline: string; attachment: string; exclusiveInline: string; exclusiveAttachments: string; probeLink: string }>> = {
  aws_iam_role: {
    link: "role",
    inline: "aws_iam_role_policy",
    attachment: "aws_iam_role_policy_attachment",
    exclusiveInline: "aws_iam_role_policies_exclusive",
    exclusiveAttachments: "aws_iam_role_policy_attachments_exclusive",
    probeLink: "role_name",
  },
  aws_iam_group: {
    link: "group",
    inline: "aws_iam_group_policy",
    attachment: "aws_iam_group_policy_attachment",
    exclusiveInline: "aws_iam_group_policies_exclusive",
    exclusiveAttachments: "aws_iam_group_policy_attachments_exclusive",
    probeLink: "group_name",
  },
};

/** Attributes that say nothing about access or settings (Terraform-side, computed or tag copies). */
const QUIET = new Set(["id", "tags_all", "force_destroy", "timeouts", "region", "name_prefix", "bucket_prefix", "create_date", "unique_id", "arn", "recovery_window_in_days", "deletion_window_in_days", "force_overwrite_replica_secret"]);

/** Attribute names in words. */
const WORDS: Readonly<Record<string, string>> = {
  assume_role_policy: "trust policy",
  policy: "policy",
  max_session_duration: "maximum session",
  enable_key_rotation: "key rotation",
};

interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
}

function statements(text: unknown): Statement[] | undefined {
  if (typeof text !== "string" || text.trim() === "") return undefined;
  try {
    const doc = JSON.parse(text) as { Statement?: unknown };
    if (!doc || typeof doc !== "object" || doc.Statement === undefined) return undefined;
    return (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Statement[];
  } catch {
    return undefined;
  }
}

const listOf = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String).sort(byCodePoint));

/** A JSON value with object keys sorted and lists of strings sorted: equal statements print the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") ? [...v].sort(byCodePoint) : v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort(byCodePoint).map((k) => [k, canonical((v as Json)[k])]));
  return v;
}

function principals(p: unknown): string[] {
  if (p === "*") return ["*"];
  if (!p || typeof p !== "object") return [];
  return Object.entries(p as Json).flatMap(([k, v]) => listOf(v).map((x) => (k === "AWS" ? x : `${k} ${x}`)));
}

/** A statement's meaning, without its Sid: two statements that differ only in Sid are the same grant. */
const statementKey = ({ Effect, Action, NotAction, Principal, NotPrincipal, Resource, NotResource, Condition }: Statement) =>
  JSON.stringify(canonical({ Effect, Action: listOf(Action), NotAction: listOf(NotAction), Principal: principals(Principal), NotPrincipal: principals(NotPrincipal), Resource: listOf(Resource), NotResource: listOf(NotResource), Condition: Condition ?? null }));

/** One statement in a line: `Allow sts:AssumeRole to arn:aws:iam::222222222222:root, no condition`. */
export function describeStatement(s: Statement): string {
  const actions = s.NotAction !== undefined ? `everything but ${listOf(s.NotAction).join(", ")}` : listOf(s.Action).join(", ");
  const who = principals(s.Principal);
  const to = who.length > 0 ? ` to ${who.join(", ")}` : "";
  const on = s.Resource !== undefined ? ` on ${listOf(s.Resource).join(", ")}` : s.NotResource !== undefined ? ` on everything but ${listOf(s.NotResource).join(", ")}` : "";
  const when = s.Condition ? `, when ${JSON.stringify(canonical(s.Condition))}` : ", no condition";
  return `${s.Effect ?? "Allow"} ${actions}${to}${on}${when}`;
}

/** Statements of `before` that `after` does not have (widening when they go: an Allow narrows nothing, but it was granted; a Deny that goes widens), and those `after` adds. */
export function policyDifference(before: unknown, after: unknown): { removed: Statement[]; added: Statement[] } {
  const b = statements(before) ?? [];
  const a = statements(after) ?? [];
  const keysA = new Set(a.map(statementKey));
  const keysB = new Set(b.map(statementKey));
  return { removed: b.filter((s) => !keysA.has(statementKey(s))), added: a.filter((s) => !keysB.has(statementKey(s))) };
}

const show = (v: unknown): string => (v === undefined || v === null || v === "" ? "(none)" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(canonical(v)));

function policyFindings(resource: string, what: string, before: unknown, after: unknown): AdoptFinding[] {
  const out: AdoptFinding[] = [];
  const { removed, added } = policyDifference(before, after);
  for (const s of removed) {
    const text =
      (s.Effect ?? "Allow") === "Deny"
        ? `its ${what} has a Deny the map does not, which the first apply removes: ${describeStatement(s)}`
        : `its ${what} allows what the map does not (the first apply removes it): ${describeStatement(s)}`;
    out.push({ resource, widens: true, text });
  }
  const had = statements(before);
  if (removed.length > 0 || added.length > 0) {
    const n = statements(after)?.length ?? 0;
    out.push({ resource, widens: false, text: `${what} ${had ? "replaced by" : "set to"} the map's (${n} statement${n === 1 ? "" : "s"}${added.length > 0 ? `, ${added.length} not there before` : ""})` });
  }
  return out;
}

/** What each adopted resource's first apply changes; refusals for those that cannot be adopted. */
export function adoptChanges(plan: AdoptPlanJson, adoptions: readonly Adoption[]): { findings: AdoptFinding[]; refusals: AdoptRefusal[] } {
  const changes = new Map((plan.resource_changes ?? []).map((rc) => [rc.address, rc]));
  const config = plan.configuration?.root_module?.resources ?? [];
  const findings: AdoptFinding[] = [];
  const refusals: AdoptRefusal[] = [];
  const probeAddresses = new Set(adoptions.flatMap((a) => (a.probes ? [a.probes.inline, a.probes.attachments] : [])));

  for (const adoption of adoptions) {
    const rc = changes.get(adoption.address);
    if (!rc || !rc.change.importing) continue;
    const resource = `${adoption.noun} ${adoption.name}`;
    const before = rc.change.before ?? {};
    const after = rc.change.after ?? {};
    const unknown = rc.change.after_unknown ?? {};
    if (rc.change.actions.includes("delete")) {
      const paths = (rc.change.replace_paths ?? []).map((p) => String(p[0]));
      const what = paths.length > 0 ? paths.map((p) => `${p} is ${show(before[p])} there, ${show(after[p])} in the map`).join("; ") : "Terraform would replace it";
      refusals.push({ adoption, reason: `exists but cannot be adopted: ${what} (Terraform would destroy and re-create it)` });
      continue;
    }
    // The resource's own attributes that the map sets (the others are the existing values, kept).
    const configured = config.find((c) => c.address === adoption.address)?.expressions;
    for (const key of Object.keys(after).sort(byCodePoint)) {
      if (QUIET.has(key) || unknown[key] === true || (configured && !(key in configured))) continue;
      const b = before[key];
      const a = after[key];
      if (JSON.stringify(canonical(b ?? null)) === JSON.stringify(canonical(a ?? null))) continue;
      if (key === "tags" && (b === null || b === undefined || Object.keys(b as Json).length === 0) && a && Object.keys(a as Json).length === 0) continue;
      // A key's own `policy` is its key policy (the other kinds' policies are resources of their own).
      const what = key === "policy" && rc.type === "aws_kms_key" ? "key policy" : WORDS[key] ?? key;
      if (statements(a) || statements(b)) findings.push(...policyFindings(resource, what, b, a));
      else findings.push({ resource, widens: false, text: `${what}: ${show(b)} → ${show(a)}` });
    }
    // S3's ACL: grants to anyone but the owner (one FULL_CONTROL grant) end with BucketOwnerEnforced.
    const grants = Array.isArray(before.grant) ? (before.grant as Json[]) : [];
    const others = grants.filter((g) => !(g.type === "CanonicalUser" && listOf(g.permissions).join() === "FULL_CONTROL"));
    for (const g of others) findings.push({ resource, widens: true, text: `its ACL grants ${listOf(g.permissions).join(", ")} to ${String(g.uri || g.id)}, which object ownership BucketOwnerEnforced disables` });

    // Resources of the stack that refer to it: the ones that hold its policy replace the policy it has.
    const related = config.filter((c) => Object.values(c.expressions ?? {}).some((e) => (e.references ?? []).includes(adoption.address)));
    for (const c of related) {
      if (probeAddresses.has(c.address)) continue;
      const r = changes.get(c.address);
      if (!r || r.change.importing) continue;
      const policy = r.change.after?.policy;
      if (typeof policy === "string" && "policy" in before && !HOLDERS[rc.type]) {
        findings.push(...policyFindings(resource, words(c.type), before.policy, policy));
      } else if (r.change.actions.includes("create") && !HOLDERS[rc.type]) {
        findings.push({ resource, widens: false, text: `${words(c.type)} written as the map says` });
      }
    }

    // A role's or group's own inline policies and attachments, read by the probes.
    const holder = HOLDERS[rc.type];
    if (holder && adoption.probes) {
      const name = String(after.name ?? adoption.name);
      const linked = (type: string) => (plan.resource_changes ?? []).filter((r) => r.type === type && r.change.after?.[holder.link] === name && !probeAddresses.has(r.address));
      const exclusive = (type: string) => config.some((c) => c.type === type && !probeAddresses.has(c.address) && (c.expressions?.[holder.probeLink]?.constant_value === name || (c.expressions?.[holder.probeLink]?.references ?? []).includes(adoption.address)));
      const own = new Set(linked(holder.inline).map((r) => String(r.change.after?.name)));
      const inline = listOf(changes.get(adoption.probes.inline)?.change.before?.policy_names);
      for (const r of linked(holder.inline)) {
        const p = String(r.change.after?.name);
        if (!inline.includes(p)) findings.push({ resource, widens: false, text: `inline policy ${p} written as the map says` });
      }
      for (const p of inline) {
        if (own.has(p)) findings.push({ resource, widens: false, text: `inline policy ${p} replaced by the map's` });
        else if (exclusive(holder.exclusiveInline)) findings.push({ resource, widens: true, text: `inline policy ${p} is not in the map: the first apply removes it` });
        else findings.push({ resource, widens: true, text: `inline policy ${p} is not in the map and stays: the stack does not own the ${adoption.noun}'s inline policies exclusively; delete it by hand` });
      }
      const accountId = /^arn:aws:iam::(\d{12}):/.exec(String(before.arn ?? ""))?.[1];
      const attached = new Set(
        linked(holder.attachment).map((r) => {
          if (typeof r.change.after?.policy_arn === "string") return r.change.after.policy_arn;
          const ref = config.find((c) => c.address === r.address)?.expressions?.policy_arn?.references?.find((x) => !x.endsWith(".arn"));
          const policyName = ref ? changes.get(ref)?.change.after?.name : undefined;
          return `arn:aws:iam::${accountId}:policy/${String(policyName)}`;
        }),
      );
      const existing = listOf(changes.get(adoption.probes.attachments)?.change.before?.policy_arns);
      for (const arn of [...attached].sort(byCodePoint)) if (!existing.includes(arn)) findings.push({ resource, widens: false, text: `${arn} attached as the map says` });
      for (const arn of existing) {
        if (attached.has(arn)) continue;
        if (exclusive(holder.exclusiveAttachments)) findings.push({ resource, widens: true, text: `attached policy ${arn} is not in the map: the first apply detaches it` });
        else findings.push({ resource, widens: true, text: `attached policy ${arn} is not in the map and stays: the stack does not own the ${adoption.noun}'s attachments exclusively; detach it by hand` });
      }
    }
    if (!findings.some((f) => f.resource === resource)) findings.push({ resource, widens: false, text: "already as the map says: the first apply only records it in the state" });
  }
  return { findings, refusals };
}

/** A Terraform type in words: `aws_s3_bucket_policy` → `s3 bucket policy`. */
const words = (type: string): string => type.replace(/^aws_/, "").replace(/_/g, " ");

/** The listing: what grants more than the map first, every stack together, then the other changes. */
export function renderAdoptChanges(byStack: readonly { readonly stack: string; readonly findings: readonly AdoptFinding[] }[]): string {
  const rows = (widens: boolean) =>
    [...byStack]
      .sort((a, b) => byCodePoint(a.stack, b.stack))
      .flatMap(({ stack, findings }) => findings.filter((f) => f.widens === widens).map((f) => `  ${stack}: ${f.resource}: ${f.text}`));
  const wide = rows(true);
  const rest = rows(false);
  return [
    ...(wide.length > 0 ? ["Grants more than the map (review these first):", ...wide] : ["Grants more than the map: nothing found."]),
    ...(rest.length > 0 ? ["What the first apply changes:", ...rest] : []),
  ].join("\n");
}
