/**
 * Raw map → {@link Model}. Validates each section on its own so one bad block
 * doesn't hide problems elsewhere, resolves every reference once, and collects
 * every problem as a located issue.
 */
import { byCodePoint } from "./order";
import type { ConfigIssue, Located } from "./errors";
import type { Account, CustomerPolicy, ExternalAccount, Grantee, Group, IdentityCenter, Model, Principal, ResourceGrant, Role, SharedResource, StateBackend } from "../config/model";
import { resolveBaseline } from "./baseline";
import { parseGithubRef, resolveIdentityCenter, SSO_MFA, ssoCaller } from "./callers";
import { KINDS, type ResourceKind, section } from "../resources";
import { parseRef, REFERENCE_FORMS, SERVICE_PRINCIPAL } from "./references";
import * as schema from "./schema";
import type { PathSegment, Source } from "./source";
import { closest } from "./suggest";
import { validate } from "./validate";
import { wordList } from "./words";

/** Defaults that apply when the map's `defaults` block leaves a key out. */
export const BUILT_IN_DEFAULTS = {
  deployRole: "OrganizationAccountAccessRole",
  maxSessionDuration: "1h",
  requireMfa: true,
} as const;

/**
 * Names that cannot be accounts: two start other reference forms, and an account
 * name becomes a construct id, which the constructs library keeps in a plain object.
 */
const RESERVED_ACCOUNT_NAMES: Record<string, string> = {
  external: "it starts external/ references; choose another name",
  service: "it starts service/ references; choose another name",
  github: "it starts github/ references; choose another name",
  constructor: "it is reserved by the construct library; choose another name",
};

/** Accounts and externals are listed in the model in code-point order: the same on every machine. */
const byName = byCodePoint;

const MIN_SESSION = 3600;
const MAX_SESSION = 43200;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

interface Ctx {
  readonly source: Source;
  readonly issues: ConfigIssue[];
  report(path: readonly PathSegment[], message: string, hint: string, key?: boolean): void;
  /** The lazy location of `key`.`name` under `parent` (undefined: the top of the map). */
  at(parent: Located | undefined, key: string, name: PathSegment): Located;
}

/** The `defaults` block with the built-in defaults applied. */
interface Defaults {
  /** The block as written, when it validated (only then is a missing region reported per account). */
  readonly input?: schema.DefaultsInput;
  readonly region?: string;
  readonly deployRole: string;
  readonly requireMfa: boolean;
  readonly sessionSeconds: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Where an account's roles and resources were declared, for resolving their references once every account is known. */
interface Pending {
  readonly roles: Map<Mutable<Role>, { input: schema.RoleInput; path: PathSegment[] }>;
  readonly resources: Map<Mutable<SharedResource>, { input: ResourceInput; path: PathSegment[] }>;
  /** Owners of names that are global to a kind (S3 buckets), by kind. */
  readonly globalOwners: Map<ResourceKind, Map<string, string>>;
}

/** What every kind's entry holds in common; a kind's own keys are its schema's. */
interface ResourceInput {
  readonly region?: string;
  readonly requireMfa?: boolean;
  readonly grants?: Readonly<Record<string, string>>;
}

/**
 * Resolves a parsed map, appending every problem to `issues`. Returns the model
 * built from the parts that validated (undefined only when the top level itself
 * is unusable), so later checks can still report on those parts; the model is
 * only valid when no issue was added. Section by section: defaults, organization,
 * state, externals, then each account (groups, policies, roles, each kind's
 * resources), then the references of roles and grants, which may point anywhere.
 */
export function resolve(raw: unknown, source: Source, issues: ConfigIssue[]): Model | undefined {
  const ctx: Ctx = {
    source,
    issues,
    report: (path, message, hint, key = false) => issues.push({ file: source.file, ...source.locate(path, { key }), message, hint }),
    at: (parent, key, name) => source.lazyLocation(parent, key, name),
  };

  if (raw === null || raw === undefined) {
    ctx.report([], "the map is empty", "start with version: 1 and an accounts: block, as in README.md, \"The account map\"");
    return undefined;
  }
  const top = validate(schema.TopLevel, raw, [], source, issues);
  if (!top) return undefined;

  const defaults = resolveDefaults(top.defaults, ctx);
  const organization = top.organization === undefined ? undefined : validate(schema.Organization, top.organization, ["organization"], source, issues);
  const state = resolveState(top.state, ctx);
  const externals = resolveExternals(top.external, ctx);

  const declared = new Set(Object.keys(top.accounts));
  if (declared.size === 0) ctx.report(["accounts"], "no accounts declared", "add at least one account under accounts:");
  const accounts = new Map<string, Mutable<Account>>();
  const ids = new Map<string, string>();
  const pending: Pending = { roles: new Map(), resources: new Map(), globalOwners: new Map() };
  // Accounts, in name order, each validated and built in one step: zod's copy of an
  // account is garbage before the next one is read. (Validating every account first
  // kept 10,000 copies alive until the end, and the collector copied them all.)
  for (const name of [...declared].sort(byName)) {
    const account = resolveAccount(name, top.accounts[name], defaults, pending, ctx);
    if (!account) continue;
    ids.set(name, account.id);
    accounts.set(name, account);
  }

  checkUniqueIds(declared, ids, externals, ctx);

  const identityCenter = resolveIdentityCenter(top.identityCenter, accounts, declared, source, issues, ctx.report);
  const baseline = resolveBaseline(top.baseline, accounts, declared, source, issues, ctx.report);

  // References: callers of roles and grantees of resources.
  const lookup = new Lookup(accounts, externals, declared, new Set(Object.keys(top.external ?? {})), ctx, identityCenter);
  for (const [role, { input, path }] of pending.roles) resolveCallers(role, input, path, lookup, defaults, ctx);
  for (const [resource, { input, path }] of pending.resources) {
    resolveGrants(resource, input, path, lookup, defaults, ctx);
    // Whether the resource has a key of its own may depend on who is granted it (a topic's publishers in other accounts).
    resource.ownKey = resource.kind.key?.has(input as Readonly<Record<string, unknown>>, resource) ?? false;
  }

  return freezeModel({
    file: source.file,
    accounts: [...accounts.values()],
    externals: [...externals.values()].sort((a, b) => byName(a.name, b.name)),
    organizationId: organization?.id,
    state: state ?? { backend: "local" },
    tags: defaults.tags ?? {},
    ...(identityCenter ? { identityCenter } : {}),
    ...(baseline ? { baseline } : {}),
  } satisfies Model);
}

function resolveDefaults(raw: unknown, ctx: Ctx): Defaults {
  const input = validate(schema.Defaults, raw ?? {}, ["defaults"], ctx.source, ctx.issues);
  const merged = { ...BUILT_IN_DEFAULTS, ...(input ?? {}) };
  return {
    ...(input ? { input } : {}),
    region: merged.region,
    deployRole: merged.deployRole,
    requireMfa: merged.requireMfa,
    sessionSeconds: sessionSeconds(merged.maxSessionDuration, ["defaults", "maxSessionDuration"], ctx),
    tags: merged.tags,
  };
}

function resolveExternals(block: Record<string, unknown> | undefined, ctx: Ctx): Map<string, ExternalAccount> {
  const externals = new Map<string, ExternalAccount>();
  for (const [name, value] of Object.entries(block ?? {})) {
    const path = ["external", name];
    const okName = validate(schema.AccountName, name, path, ctx.source, []) !== undefined;
    if (!okName) ctx.report(path, `invalid external name "${name}"`, "1 to 50 lowercase letters, digits and -, starting with a letter", true);
    const ext = validate(schema.External, value, path, ctx.source, ctx.issues);
    if (ext && okName) externals.set(name, { kind: "external", name, id: ext.id, externalId: ext.externalId, at: ctx.at(undefined, "external", name) });
  }
  return externals;
}

/** One account: its name and shape, region and deploy role, then its groups, policies, roles and resources. */
function resolveAccount(name: string, raw: unknown, defaults: Defaults, pending: Pending, ctx: Ctx): Mutable<Account> | undefined {
  const path = ["accounts", name];
  if (Object.hasOwn(RESERVED_ACCOUNT_NAMES, name)) {
    ctx.report(path, `"${name}" cannot name an account`, RESERVED_ACCOUNT_NAMES[name], true);
  } else if (validate(schema.AccountName, name, path, ctx.source, []) === undefined) {
    ctx.report(path, `invalid account name "${name}"`, "1 to 50 lowercase letters, digits and -, starting with a letter", true);
  }
  const input = validate(schema.Account, raw, path, ctx.source, ctx.issues);
  if (!input) return undefined;
  let region = input.region ?? defaults.region;
  if (region === undefined) {
    if (defaults.input) ctx.report(path, `account "${name}" has no region`, "set accounts." + name + ".region or defaults.region");
    region = "us-east-1";
  }
  checkPartition(region, input.region ? [...path, "region"] : ["defaults", "region"], ctx);
  const deployRole = input.deployRole ?? defaults.deployRole;
  const account = {
    name,
    id: input.id,
    region,
    deployRoleArn: `arn:aws:iam::${input.id}:role/${deployRole}`,
    groups: [],
    roles: [],
    policies: [],
    ...Object.fromEntries(KINDS.map((kind) => [kind.section, []])),
    at: ctx.at(undefined, "accounts", name),
  } as unknown as Mutable<Account>;
  resolveGroups(account, input.groups, path, ctx);
  resolvePolicies(account, input.policies, path, ctx);
  resolveRoles(account, input.roles, path, defaults, pending, ctx);
  for (const kind of KINDS) resolveResources(kind, account, (input as Record<string, unknown>)[kind.section] as Record<string, ResourceInput> | undefined, path, pending, ctx);
  return account;
}

function resolveGroups(account: Mutable<Account>, groups: readonly string[] | undefined, path: readonly PathSegment[], ctx: Ctx): void {
  const seenGroups = new Map<string, number>();
  (groups ?? []).forEach((g, i) => {
    const gPath = [...path, "groups", i];
    const prev = seenGroups.get(g.toLowerCase());
    if (prev !== undefined) {
      ctx.report(gPath, `group "${g}" is listed twice; first at groups[${prev}]`, "IAM group names are unique per account, ignoring case; remove one");
      return;
    }
    seenGroups.set(g.toLowerCase(), i);
    (account.groups as Group[]).push({ kind: "group", name: g, account, arn: `arn:aws:iam::${account.id}:group/${g}`, at: ctx.at(account.at, "groups", i) });
  });
}

function resolvePolicies(account: Mutable<Account>, policies: schema.AccountInput["policies"], path: readonly PathSegment[], ctx: Ctx): void {
  for (const [pName, pInput] of caseUnique(policies, [...path, "policies"], "policy", ctx)) {
    const long = !Array.isArray(pInput);
    const statements = long ? pInput.statements : pInput;
    const allowWildcards = long ? (pInput.allowWildcards ?? false) : false;
    const pPath = [...path, "policies", pName, ...(long ? ["statements"] : [])];
    statements.forEach((st, i) =>
      st.actions.forEach((action, j) => {
        if (!allowWildcards && /^(\*|[a-z0-9-]+:\*)$/.test(action)) {
          ctx.report(
            [...pPath, i, "actions", j],
            `action "${action}" grants every ${action === "*" ? "action of every service" : `${action.split(":")[0]} action`}`,
            "name the actions it needs, or write the policy as { allowWildcards: true, statements: [...] }",
          );
        }
      }),
    );
    (account.policies as CustomerPolicy[]).push({
      name: pName,
      account,
      arn: `arn:aws:iam::${account.id}:policy/${pName}`,
      statements,
      allowWildcards,
      at: ctx.at(account.at, "policies", pName),
      statementsPath: pPath.map(String),
    } satisfies CustomerPolicy);
  }
}

function resolveRoles(account: Mutable<Account>, roles: schema.AccountInput["roles"], path: readonly PathSegment[], defaults: Defaults, pending: Pending, ctx: Ctx): void {
  for (const [rName, rInput] of caseUnique(roles, [...path, "roles"], "role", ctx)) {
    const rPath = [...path, "roles", rName];
    const seconds = rInput.maxSessionDuration === undefined ? defaults.sessionSeconds : sessionSeconds(rInput.maxSessionDuration, [...rPath, "maxSessionDuration"], ctx);
    const role: Mutable<Role> = {
      kind: "role",
      name: rName,
      account,
      arn: `arn:aws:iam::${account.id}:role/${rName}`,
      maxSessionSeconds: seconds,
      managedPolicyArns: unique(rInput.managedPolicies, [...rPath, "managedPolicies"], "managed policy", ctx).map((m) => `arn:aws:iam::aws:policy/${m}`),
      customerPolicies: [],
      callers: [],
      at: ctx.at(account.at, "roles", rName),
    };
    const attached = new Set(unique(rInput.policies, [...rPath, "policies"], "policy", ctx));
    (rInput.policies ?? []).forEach((p, i) => {
      if (!attached.delete(p)) return;
      const policy = account.policies.find((cp) => cp.name === p);
      if (policy) role.customerPolicies.push(policy);
      else unknownName(ctx, [...rPath, "policies", i], "policy", p, `accounts.${account.name}.policies`, account.policies.map((cp) => cp.name));
    });
    (account.roles as Role[]).push(role);
    pending.roles.set(role, { input: rInput, path: rPath });
  }
}

/** One kind's section of an account: each resource with its region and ARN; its grants wait for every account. */
function resolveResources(
  kind: ResourceKind,
  account: Mutable<Account>,
  block: Record<string, ResourceInput> | undefined,
  path: readonly PathSegment[],
  pending: Pending,
  ctx: Ctx,
): void {
  const list = section<SharedResource>(account, kind) as SharedResource[];
  let owners = pending.globalOwners.get(kind);
  if (!owners && kind.globalNames !== undefined) pending.globalOwners.set(kind, (owners = new Map()));
  for (const [name, input] of Object.entries(block ?? {})) {
    const rPath = [...path, kind.section, name];
    const owner = owners?.get(name);
    if (owner !== undefined) {
      ctx.report(rPath, `${kind.noun} "${name}" is also declared in accounts.${owner}`, kind.globalNames!);
      continue;
    }
    owners?.set(name, account.name);
    const region = input.region ?? account.region;
    if (input.region) checkPartition(region, [...rPath, "region"], ctx);
    const resource: Mutable<SharedResource> = { kind, name, account, region, arn: kind.arn(name, account.id, region), ownKey: false, grants: [], at: ctx.at(account.at, kind.section, name) };
    list.push(resource);
    pending.resources.set(resource, { input, path: rPath });
  }
}

/** A role's `assumableBy`, once every account is known. */
function resolveCallers(role: Mutable<Role>, input: schema.RoleInput, path: readonly PathSegment[], lookup: Lookup, defaults: Defaults, ctx: Ctx): void {
  const seen = new Map<string, number>();
  input.assumableBy.forEach((ref, i) => {
    const at = [...path, "assumableBy", i];
    const prev = seen.get(ref);
    if (prev !== undefined) {
      ctx.report(at, `caller "${ref}" is listed twice; first at assumableBy[${prev}]`, "remove one");
      return;
    }
    seen.set(ref, i);
    const principal = lookup.principal(ref, at, {});
    if (!principal) return;
    if (principal === role) {
      ctx.report(at, `role "${role.name}" is listed as its own caller`, "a role cannot assume itself; remove this entry");
      return;
    }
    if (principal.kind === "sso" && input.requireMfa === true) ctx.report(at, SSO_MFA.message(ref), SSO_MFA.hint);
    const requireMfa = principal.kind === "group" && (input.requireMfa ?? defaults.requireMfa);
    role.callers.push({ principal, requireMfa, ref, at: ctx.at(role.at, "assumableBy", i) });
  });
}

/** A resource's `grants`, once every account is known. */
function resolveGrants(resource: Mutable<SharedResource>, input: ResourceInput, path: readonly PathSegment[], lookup: Lookup, defaults: Defaults, ctx: Ctx): void {
  const seen = new Map<Grantee | Account, string>();
  for (const [ref, level] of Object.entries(input.grants ?? {})) {
    const at = [...path, "grants", ref];
    const grantee = lookup.principal(ref, at, { grant: resource.kind, key: true });
    // The model's grants name holders (a kind's `grantees` lists groups and roles) or permission sets in an account.
    if (!grantee || (grantee.kind !== "group" && grantee.kind !== "role" && grantee.kind !== "sso")) continue;
    if (grantee.kind === "sso" && input.requireMfa === true) ctx.report(at, SSO_MFA.message(ref), SSO_MFA.hint, true);
    const prev = seen.get(grantee);
    if (prev !== undefined) {
      ctx.report(at, `"${ref}" is granted this ${resource.kind.noun} twice (also as "${prev}")`, "keep one grant with the level it needs", true);
      continue;
    }
    seen.set(grantee, ref);
    const requireMfa = grantee.kind === "group" && (input.requireMfa ?? defaults.requireMfa);
    resource.grants.push({ grantee, level, requireMfa, ref, at: ctx.at(resource.at, "grants", ref) } satisfies ResourceGrant);
  }
}

/** How the map writes a reference to a caller of each kind, for hints. */
const REFERENCE_FORM: Readonly<Record<Principal["kind"], string>> = {
  group: "<account>/<group>",
  role: "<account>/role/<role>",
  external: "external/<name>",
  service: "service/<principal>",
  github: "github/<owner>/<repo>@<branch>",
  sso: "<account>/sso/<PermissionSet>",
};

/** True when a grant of the kind may not name a caller of this kind (undefined kind: `assumableBy`, which takes every caller). */
const refuses = (grant: ResourceKind | undefined, caller: Principal["kind"]): grant is ResourceKind =>
  grant !== undefined && caller !== "sso" && !(grant.grantees as readonly string[]).includes(caller);

/** The reference forms a grant of the kind may name. */
const grantForms = (kind: ResourceKind): string => wordList([...kind.grantees.map((k) => REFERENCE_FORM[k]), REFERENCE_FORM.sso], "or");

interface LookupOptions {
  readonly grant?: ResourceKind;
  /** The reference is a mapping key (grants): report it at the key. */
  readonly key?: boolean;
}

/** Finds the entity a reference names, or reports why it can't. */
class Lookup {
  constructor(
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly externals: ReadonlyMap<string, ExternalAccount>,
    /** Names declared in the map, including blocks that failed validation (their own errors are reported already). */
    private readonly declaredAccounts: ReadonlySet<string>,
    private readonly declaredExternals: ReadonlySet<string>,
    private readonly ctx: Ctx,
    private readonly identityCenter?: IdentityCenter,
  ) {}

  /** References already resolved: the same few (`identity/admins`) recur in every account of a large map. */
  private readonly found = new Map<string, Principal>();

  /** `grant`: the kind of the resource a grant names the caller on (it limits the callers); undefined in `assumableBy`. */
  principal(ref: string, path: readonly PathSegment[], opts: LookupOptions): Principal | undefined {
    const known = this.found.get(ref);
    // A grant may not name a caller its kind refuses: find() says so.
    if (known && !refuses(opts.grant, known.kind)) return known;
    const principal = this.find(ref, path, opts);
    if (principal) this.found.set(ref, principal);
    return principal;
  }

  private find(ref: string, path: readonly PathSegment[], opts: LookupOptions): Principal | undefined {
    const report = (message: string, hint: string) => this.ctx.report(path, message, hint, opts.key);
    const grant = opts.grant;
    if (ref.startsWith("github/") && !refuses(grant, "github")) {
      const github = parseGithubRef(ref);
      if ("caller" in github) return github.caller;
      report(github.message, github.hint);
      return undefined;
    }
    const parsed = parseRef(ref);
    if (!parsed) {
      const outsideAccount = /^arn:|^\d{12}$/.test(ref) ? "; an account outside the map goes under external: with an externalId, then external/<name>" : "";
      report(`invalid reference "${ref}"`, `write ${grant ? grantForms(grant) : REFERENCE_FORMS}${outsideAccount}`);
      return undefined;
    }
    if (refuses(grant, parsed.kind)) {
      report(`"${ref}" cannot be granted a ${grant.noun}`, `${grant.noun} grants name ${grantForms(grant)}; ${grant.refusal}`);
      return undefined;
    }
    if (parsed.kind === "external") {
      const ext = this.externals.get(parsed.name);
      if (!ext && !this.declaredExternals.has(parsed.name)) {
        const names = [...this.declaredExternals];
        report(`unknown external account "${parsed.name}" in "${ref}"`, names.length ? `${suggestion(parsed.name, names)}external accounts: ${names.sort().join(", ")}` : "declare it under external: with its id and externalId");
      }
      return ext;
    }
    if (parsed.kind === "service") {
      if (SERVICE_PRINCIPAL.test(parsed.service)) return { kind: "service", service: parsed.service };
      report(`invalid service principal "${parsed.service}" in "${ref}"`, "an AWS service principal such as service/ec2.amazonaws.com");
      return undefined;
    }
    if (parsed.kind === "github") return undefined; // refused above: only assumableBy takes it
    const account = this.accounts.get(parsed.account);
    if (!account) {
      if (!this.declaredAccounts.has(parsed.account)) {
        const names = [...this.declaredAccounts].sort();
        const outside = grant ? "" : "; an account outside the map goes under external: with an externalId";
        report(`unknown account "${parsed.account}" in "${ref}"`, `${suggestion(parsed.account, names)}accounts: ${names.join(", ")}${outside}`);
      }
      return undefined;
    }
    if (parsed.kind === "sso") {
      const sso = ssoCaller(ref, parsed.account, parsed.permissionSet, account, this.identityCenter);
      if ("kind" in sso) return sso;
      report(sso.message, sso.hint);
      return undefined;
    }
    if (parsed.kind === "group") {
      const group = account.groups.find((g) => g.name === parsed.group);
      if (!group) {
        const names = account.groups.map((g) => g.name);
        report(
          `unknown group "${parsed.group}" in "${ref}"`,
          `${suggestion(parsed.group, names)}${names.length ? `groups in ${account.name}: ${names.join(", ")}` : `${account.name} declares no groups`}; a group must be listed under accounts.${account.name}.groups`,
        );
      }
      return group;
    }
    const role = account.roles.find((r) => r.name === parsed.role);
    if (!role) {
      const names = account.roles.map((r) => r.name);
      report(
        `unknown role "${parsed.role}" in "${ref}"`,
        `${suggestion(parsed.role, names)}${names.length ? `roles in ${account.name}: ${names.join(", ")}` : `${account.name} declares no roles`}`,
      );
    }
    return role;
  }
}

function suggestion(word: string, names: readonly string[]): string {
  const guess = closest(word, names);
  return guess ? `did you mean "${guess}"? ` : "";
}

function unknownName(ctx: Ctx, path: readonly PathSegment[], what: string, name: string, where: string, names: readonly string[]): void {
  ctx.report(path, `unknown ${what} "${name}"`, `${suggestion(name, names)}${names.length ? `declared in ${where}: ${names.join(", ")}` : `declare it under ${where}`}`);
}

/** The list without repeats, reporting each repeat where it stands. */
function unique(list: readonly string[] | undefined, path: readonly PathSegment[], what: string, ctx: Ctx): string[] {
  const first = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const prev = first.get(item);
    if (prev === undefined) first.set(item, i);
    else ctx.report([...path, i], `${what} "${item}" is listed twice; first at ${String(path[path.length - 1])}[${prev}]`, "remove one");
  });
  return [...first.keys()];
}

/** Entries of a name-keyed block, reporting names that differ only in case (IAM names ignore case). */
function caseUnique<T>(block: Record<string, T> | undefined, path: readonly PathSegment[], what: string, ctx: Ctx): [string, T][] {
  const seen = new Map<string, string>();
  const out: [string, T][] = [];
  for (const [name, value] of Object.entries(block ?? {})) {
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined) {
      ctx.report([...path, name], `${what} "${name}" clashes with "${prev}"`, `IAM ${what} names are unique per account, ignoring case; rename one`, true);
      continue;
    }
    seen.set(name.toLowerCase(), name);
    out.push([name, value]);
  }
  return out;
}

/** Account ids are unique in the map; the later of two (in file order) is reported. */
function checkUniqueIds(
  declared: ReadonlySet<string>,
  accountIds: ReadonlyMap<string, string>,
  externals: ReadonlyMap<string, ExternalAccount>,
  ctx: Ctx,
): void {
  const owners = new Map<string, string>();
  const entries: [string, PathSegment[]][] = [
    ...[...declared].filter((name) => accountIds.has(name)).map((name) => [accountIds.get(name)!, ["accounts", name]] as [string, PathSegment[]]),
    ...[...externals].map(([name, e]) => [e.id, ["external", name]] as [string, PathSegment[]]),
  ];
  for (const [id, path] of entries) {
    const owner = owners.get(id);
    const where = path.join(".");
    if (owner !== undefined) {
      ctx.report([...path, "id"], `account id "${id}" is already used by ${owner}`, "each account id may appear once in the map");
    } else {
      owners.set(id, where);
    }
  }
}

function checkPartition(region: string, path: readonly PathSegment[], ctx: Ctx): void {
  if (/^(cn|us-gov|us-iso[a-z]*|eu-isoe)-/.test(region)) {
    ctx.report(path, `region "${region}" is outside the commercial aws partition`, "this program writes arn:aws: ARNs; use a commercial region");
  }
}

function sessionSeconds(duration: string, path: readonly PathSegment[], ctx: Ctx): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 : NaN;
  if (!(seconds >= MIN_SESSION && seconds <= MAX_SESSION)) {
    ctx.report(path, `session duration ${duration} (${seconds.toLocaleString("en-US")} seconds) is out of range`, "1h to 12h: 3,600 to 43,200 seconds");
    return MIN_SESSION;
  }
  return seconds;
}

/** The keys each state backend takes beside `backend`. */
const STATE_KEYS = { local: [], s3: ["bucket", "region", "roleArn"], cloud: ["organization", "workspacePrefix", "hostname"] } as const;

function resolveState(raw: unknown, ctx: Ctx): StateBackend | undefined {
  if (raw === undefined) return undefined;
  const input = validate(schema.State, raw, ["state"], ctx.source, ctx.issues);
  if (!input) return undefined;
  const own: readonly string[] = STATE_KEYS[input.backend];
  for (const key of Object.values(STATE_KEYS).flat()) {
    if (input[key] !== undefined && !own.includes(key)) {
      const other = (Object.keys(STATE_KEYS) as (keyof typeof STATE_KEYS)[]).find((b) => (STATE_KEYS[b] as readonly string[]).includes(key))!;
      ctx.report(["state", key], `"${key}" has no meaning with backend: ${input.backend}`, `remove it, or set backend: ${other}`);
    }
  }
  if (input.backend === "local") return { backend: "local" };
  if (input.backend === "cloud") {
    if (input.organization === undefined) {
      ctx.report(["state"], 'missing required key "organization" for backend: cloud', "add organization: <HCP Terraform organization>");
      return undefined;
    }
    return {
      backend: "cloud",
      organization: input.organization,
      workspacePrefix: input.workspacePrefix ?? "",
      ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
    };
  }
  if (input.bucket === undefined) ctx.report(["state"], 'missing required key "bucket" for backend: s3', "add bucket: <state bucket name>");
  if (input.region === undefined) ctx.report(["state"], 'missing required key "region" for backend: s3', "add region: <state bucket region>");
  if (input.bucket === undefined || input.region === undefined) return undefined;
  return { backend: "s3", bucket: input.bucket, region: input.region, ...(input.roleArn ? { roleArn: input.roleArn } : {}) };
}

/**
 * Freezes every object of the model, the nested arrays and statements included.
 * Written out rather than walked generically: at 10,000 accounts a walk over every
 * key of 600,000 objects cost as much again as the freezing. The model test walks
 * the models of the example maps to check that nothing reachable is left unfrozen.
 */
function freezeModel(model: Model): Model {
  const freeze = Object.freeze;
  for (const account of model.accounts) {
    account.groups.forEach(freeze);
    for (const policy of account.policies) {
      for (const statement of policy.statements) {
        freeze(statement.actions);
        freeze(statement.resources);
        freeze(statement);
      }
      freeze(policy.statements);
      freeze(policy.statementsPath);
      freeze(policy);
    }
    for (const role of account.roles) {
      for (const caller of role.callers) {
        // Groups, roles and externals are frozen where they are declared.
        if (caller.principal.kind === "service" || caller.principal.kind === "github" || caller.principal.kind === "sso") freeze(caller.principal);
        freeze(caller);
      }
      freeze(role.callers);
      freeze(role.managedPolicyArns);
      freeze(role.customerPolicies);
      freeze(role);
    }
    for (const kind of KINDS) {
      const resources = section<SharedResource>(account, kind);
      for (const resource of resources) {
        for (const g of resource.grants) {
          if (g.grantee.kind === "sso") freeze(g.grantee);
          freeze(g);
        }
        freeze(resource.grants);
        freeze(resource);
      }
      freeze(resources);
    }
    freeze(account.groups);
    freeze(account.policies);
    freeze(account.roles);
    freeze(account);
  }
  if (model.identityCenter) {
    for (const set of model.identityCenter.permissionSets) {
      for (const a of set.assignments) freeze(freeze(a).accounts);
      freeze(set.assignments);
      freeze(set.managedPolicyArns);
      freeze(set);
    }
    freeze(model.identityCenter.permissionSets);
    freeze(model.identityCenter);
  }
  if (model.baseline) {
    if (model.baseline.audit) {
      for (const alert of model.baseline.audit.alertOn) freeze(freeze(alert).at);
      freeze(model.baseline.audit.alertOn);
      freeze(freeze(model.baseline.audit).at);
    }
    freeze(freeze(model.baseline).at);
  }
  model.externals.forEach(freeze);
  freeze(model.externals);
  freeze(model.accounts);
  freeze(model.state);
  freeze(model.tags);
  return freeze(model);
}
