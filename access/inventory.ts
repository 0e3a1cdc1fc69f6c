/**
 * Reads synthesized stacks back: every group, role, shareable resource and policy document of
 * each `stacks/<name>/cdk.tf.json`, with the Terraform address that holds it. The
 * report is about what Terraform will apply, so it reads the output, never the
 * map. Anything that cannot be read as expected is a {@link Problem}, not a crash.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { byText, sizeOf, unescapeTerraform } from "./policy-json";
import { type KindId, KINDS, type ResourceKind, section } from "../resources";
import { readPermissionSets } from "./callers";
import type { Attachment, GroupEntity, Inventory, PolicyJson, PolicyText, Problem, ResourceEntity, RoleEntity, StackInventory } from "./types";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** The stacks of an output folder (`cdktf.out`), in name order. Throws only when there is no such folder. */
export function readInventory(outdir: string): Inventory {
  const root = join(outdir, "stacks");
  if (!existsSync(root)) throw new Error(`${root} does not exist: synthesize first (npm run synth)`);
  const problems: Problem[] = [];
  const stacks: StackInventory[] = [];
  for (const name of readdirSync(root).sort(byText)) {
    const file = join(root, name, "cdk.tf.json");
    if (!existsSync(file)) continue;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      problems.push({ stack: name, address: file, message: `not JSON: ${(e as Error).message}` });
      continue;
    }
    stacks.push(readStack(name, json as Record<string, unknown>, problems));
  }
  return { stacks, problems };
}

/** One stack's inventory from its parsed `cdk.tf.json`. */
export function readStack(name: string, json: Record<string, unknown>, problems: Problem[]): StackInventory {
  const resources = (json.resource ?? {}) as Resources;
  const of = (type: string): [string, Record<string, unknown>][] => Object.entries(resources[type] ?? {}).sort(([a], [b]) => byText(a, b));
  const accountId = stackAccount(json);
  if (!accountId) problems.push({ stack: name, address: "provider.aws", message: "no provider names allowed_account_ids: the stack's account is unknown" });
  const account = accountId ?? "000000000000";
  const switchUrls = roleUrls(json);

  // Names of resources by address, to resolve `${aws_iam_role.x.name}` and a kind's `${<type>.x.id}`.
  const nameOf = (type: string, attr: string, ref: unknown): string | undefined => {
    if (typeof ref !== "string") return undefined;
    const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(ref);
    if (!m) return ref;
    const target = resources[m[1]]?.[m[2]];
    if (m[1] !== type || !target) return undefined;
    const v = target[attr];
    return typeof v === "string" ? v : undefined;
  };
  const doc = (address: string, label: string, text: unknown): PolicyText | undefined => {
    if (typeof text !== "string") {
      problems.push({ stack: name, address, message: `${label} is not a literal JSON string` });
      return undefined;
    }
    const raw = unescapeTerraform(text);
    let document: PolicyJson;
    try {
      document = JSON.parse(raw) as PolicyJson;
    } catch (e) {
      problems.push({ stack: name, address, message: `${label} is not valid JSON: ${(e as Error).message}` });
      return undefined;
    }
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
      problems.push({ stack: name, address, message: `${label} is not a JSON object` });
      return undefined;
    }
    return { stack: name, address, label, document, size: sizeOf(raw) };
  };

  const policies: PolicyText[] = [];
  const policyByAddress = new Map<string, PolicyText>();
  const policyNames = new Map<string, string>();
  for (const [key, r] of of("aws_iam_policy")) {
    const policyName = String(r.name ?? key);
    const p = doc(`aws_iam_policy.${key}`, `customer managed policy ${policyName}`, r.policy);
    policyNames.set(key, policyName);
    if (p) {
      policies.push(p);
      policyByAddress.set(key, p);
    }
  }
  const attachment = (address: string, policyArn: unknown): Attachment | undefined => {
    if (typeof policyArn !== "string") return undefined;
    const ref = /^\$\{aws_iam_policy\.([^.}]+)\.arn\}$/.exec(policyArn);
    if (ref) {
      const policyName = policyNames.get(ref[1]);
      if (!policyName) {
        problems.push({ stack: name, address, message: `attaches ${policyArn}, which is not in the stack` });
        return undefined;
      }
      const customer = policyByAddress.get(ref[1]);
      return { address, policyArn: `arn:aws:iam::${account}:policy/${policyName}`, policyName, ...(customer ? { customer } : {}) };
    }
    return { address, policyArn, policyName: policyArn.replace(/^.*:policy\//, "") };
  };

  /** Inline policies and attachments of the group or role `owner`, found by the reference each holds to it (`group` or `role`). */
  const policiesOf = (kind: "group" | "role", owner: string): { inline: PolicyText[]; attachments: Attachment[] } => {
    const ownerType = `aws_iam_${kind}`;
    const owned = (type: string) => of(type).filter(([, r]) => nameOf(ownerType, "name", r[kind]) === owner);
    return {
      inline: owned(`${ownerType}_policy`).flatMap(([k, p]) => opt(doc(`${ownerType}_policy.${k}`, `inline policy of ${kind} ${owner}`, p.policy))),
      attachments: owned(`${ownerType}_policy_attachment`).flatMap(([k, a]) => opt(attachment(`${ownerType}_policy_attachment.${k}`, a.policy_arn))),
    };
  };

  const groups: GroupEntity[] = of("aws_iam_group").map(([key, r]) => {
    const groupName = String(r.name ?? key);
    const { inline, attachments } = policiesOf("group", groupName);
    return { kind: "group", stack: name, accountId: account, name: groupName, arn: `arn:aws:iam::${account}:group/${groupName}`, address: `aws_iam_group.${key}`, inline, attachments };
  });

  const roles: RoleEntity[] = of("aws_iam_role").map(([key, r]) => {
    const roleName = String(r.name ?? key);
    const address = `aws_iam_role.${key}`;
    const trust = doc(address, `trust policy of role ${roleName}`, r.assume_role_policy);
    const { inline, attachments } = policiesOf("role", roleName);
    const url = switchUrls.get(roleName);
    return {
      kind: "role",
      stack: name,
      accountId: account,
      name: roleName,
      arn: `arn:aws:iam::${account}:role/${roleName}`,
      address,
      ...(trust ? { trust } : {}),
      inline,
      attachments,
      ...(typeof r.max_session_duration === "number" ? { maxSessionSeconds: r.max_session_duration } : {}),
      ...(url ? { switchRoleUrl: url } : {}),
    };
  });

  // The key a resource names (`${aws_kms_key.x.arn}`): at `path` of the resource itself, or of a resource of `type` linked to it.
  const keyOf = (ref: NonNullable<ResourceKind["key"]>["ref"], resourceType: string, tfKey: string, r: Record<string, unknown>, resourceName: string): ResourceEntity["key"] => {
    const holder = ref.type === undefined ? r : of(ref.type).find(([, x]) => refersTo(x[ref.link ?? ""], resourceType, tfKey))?.[1];
    let v: unknown = holder;
    for (const step of ref.path) v = Array.isArray(v) && typeof step === "number" ? v[step] : v && typeof v === "object" ? (v as Record<string, unknown>)[String(step)] : undefined;
    const m = typeof v === "string" ? /^\$\{aws_kms_key\.([^.}]+)\.(arn|key_id|id)\}$/.exec(v) : null;
    const keyResource = m ? resources.aws_kms_key?.[m[1]] : undefined;
    if (!m || !keyResource) return undefined;
    const keyAddress = `aws_kms_key.${m[1]}`;
    const policy = doc(keyAddress, `key policy of ${resourceName}`, keyResource.policy);
    return { address: keyAddress, ...(policy ? { policy } : {}) };
  };
  // Each kind's resources, found by its resource type, and the policy that refers to each (or that each holds).
  const regions = providerRegions(json);
  const resourcesOf = (kind: ResourceKind): ResourceEntity[] => {
    const { resourceType, nameAttribute, policy: where } = kind.access;
    const nameFrom = kind.access.nameFrom;
    // A name on another resource that refers to this one (a key's alias), else the resource's own attribute.
    const givenName = (key: string, r: Record<string, unknown>): string => {
      const named = nameFrom && of(nameFrom.type).find(([, n]) => refersTo(n[nameFrom.link], resourceType, key));
      const v = named ? named[1][nameFrom!.attribute] : undefined;
      return typeof v === "string" ? (v.startsWith(nameFrom!.strip) ? v.slice(nameFrom!.strip.length) : v) : String(r[nameAttribute] ?? key);
    };
    return of(resourceType).map(([key, r]) => {
      const resourceName = givenName(key, r);
      const address = `${resourceType}.${key}`;
      const label = `${kind.policyName} of ${resourceName}`;
      let policy: PolicyText | undefined;
      if (where.type === undefined) {
        policy = r[where.attribute] === undefined ? undefined : doc(address, label, r[where.attribute]);
      } else {
        const policies = of(where.type).filter(([, p]) => nameOf(resourceType, nameAttribute, p[where.link ?? nameAttribute]) === resourceName);
        if (policies.length > 1) problems.push({ stack: name, address, message: `${policies.length} ${kind.policyName.replace(/y$/, "ies")} for one ${kind.noun}: only one takes effect` });
        policy = policies[0] ? doc(`${where.type}.${policies[0][0]}`, label, policies[0][1][where.attribute]) : undefined;
      }
      const region = regions.get(String(r.provider ?? "")) ?? "";
      const ownKey = kind.key ? keyOf(kind.key.ref, resourceType, key, r, resourceName) : undefined;
      return {
        kind: kind.id as KindId,
        stack: name,
        accountId: account,
        name: resourceName,
        arn: kind.arn(resourceName, account, region),
        address,
        ...(policy ? { policy } : {}),
        region,
        ...(ownKey ? { key: ownKey } : {}),
      };
    });
  };

  return { name, accountId: account, groups, roles, policies, ...readPermissionSets(name, resources, doc), ...Object.fromEntries(KINDS.map((kind) => [kind.section, resourcesOf(kind)])) };
}

/** True when a Terraform reference (`${aws_kms_key.x.key_id}`) points at the resource `type.key`. */
function refersTo(ref: unknown, type: string, key: string): boolean {
  return typeof ref === "string" && ref.startsWith(`\${${type}.${key}.`);
}

/** Every resource of a stack, kind by kind in the registry's order. */
export function entities(stack: StackInventory): ResourceEntity[] {
  return KINDS.flatMap((kind) => section<ResourceEntity>(stack, kind));
}

/** The region of each provider, by the reference resources use (`aws.prod_eu-west-1`). */
function providerRegions(json: Record<string, unknown>): Map<string, string> {
  const providers = ((json.provider ?? {}) as Record<string, unknown>).aws;
  const list = (Array.isArray(providers) ? providers : providers ? [providers] : []) as Record<string, unknown>[];
  return new Map(list.filter((p) => typeof p.alias === "string" && typeof p.region === "string").map((p) => [`aws.${String(p.alias)}`, String(p.region)]));
}

const opt = <T>(v: T | undefined): T[] => (v === undefined ? [] : [v]);

/** The account every provider of the stack is pinned to (`allowed_account_ids`). */
function stackAccount(json: Record<string, unknown>): string | undefined {
  const providers = ((json.provider ?? {}) as Record<string, unknown>).aws;
  const list = Array.isArray(providers) ? providers : providers ? [providers] : [];
  for (const p of list as Record<string, unknown>[]) {
    const ids = p.allowed_account_ids;
    if (Array.isArray(ids) && typeof ids[0] === "string") return ids[0];
  }
  return undefined;
}

/** Switch-role links from the stack's `roles` output. */
function roleUrls(json: Record<string, unknown>): Map<string, string> {
  const value = (((json.output ?? {}) as Record<string, { value?: unknown }>).roles?.value ?? {}) as Record<string, { switch_role_url?: unknown }>;
  const out = new Map<string, string>();
  for (const [role, v] of Object.entries(value)) if (typeof v?.switch_role_url === "string") out.set(role, v.switch_role_url);
  return out;
}
