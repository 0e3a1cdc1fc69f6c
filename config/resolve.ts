/**
 * Raw map → {@link Model}. Validates each section on its own so one bad block
 * doesn't hide problems elsewhere, resolves every reference once, and collects
 * every problem as a located issue.
 */
import { byCodePoint } from "./order";
import type { ConfigIssue, Located } from "./errors";
import type {
  Account,
  Bucket,
  BucketGrant,
  Caller,
  CustomerPolicy,
  ExternalAccount,
  Holder,
  Model,
  Principal,
  Role,
  StateBackend,
} from "./model";
import { parseRef, REFERENCE_FORMS, SERVICE_PRINCIPAL } from "./references";
import * as schema from "./schema";
import type { PathSegment, Source } from "./source";
import { closest } from "./suggest";
import { validate } from "./validate";

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

/**
 * Resolves a parsed map, appending every problem to `issues`. Returns the model
 * built from the parts that validated (undefined only when the top level itself
 * is unusable), so later checks can still report on those parts; the model is
 * only valid when no issue was added.
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

  const defaultsInput = validate(schema.Defaults, top.defaults ?? {}, ["defaults"], source, issues);
  const defaults = { ...BUILT_IN_DEFAULTS, ...(defaultsInput ?? {}) };
  const defaultSession = sessionSeconds(defaults.maxSessionDuration, ["defaults", "maxSessionDuration"], ctx);
  const organization = top.organization === undefined ? undefined : validate(schema.Organization, top.organization, ["organization"], source, issues);
  const state = resolveState(top.state, ctx);

  // Externals.
  const externals = new Map<string, ExternalAccount>();
  for (const [name, value] of Object.entries(top.external ?? {})) {
    const path = ["external", name];
    const okName = validate(schema.AccountName, name, path, source, []) !== undefined;
    if (!okName) ctx.report(path, `invalid external name "${name}"`, "1 to 50 lowercase letters, digits and -, starting with a letter", true);
    const ext = validate(schema.External, value, path, source, issues);
    if (ext && okName) externals.set(name, { kind: "external", name, id: ext.id, externalId: ext.externalId, at: ctx.at(undefined, "external", name) });
  }

  // Accounts, in name order, each validated and built in one step: zod's copy of an
  // account is garbage before the next one is read. (Validating every account first
  // kept 10,000 copies alive until the end, and the collector copied them all.)
  const declared = new Set(Object.keys(top.accounts));
  if (declared.size === 0) ctx.report(["accounts"], "no accounts declared", "add at least one account under accounts:");
  const accounts = new Map<string, Mutable<Account>>();
  const ids = new Map<string, string>();
  const roleInputs = new Map<Role, { input: schema.RoleInput; path: PathSegment[] }>();
  const bucketInputs = new Map<Mutable<Bucket>, { input: schema.BucketInput; path: PathSegment[] }>();
  const bucketOwners = new Map<string, string>();

  for (const name of [...declared].sort(byName)) {
    const path = ["accounts", name];
    if (Object.hasOwn(RESERVED_ACCOUNT_NAMES, name)) {
      ctx.report(path, `"${name}" cannot name an account`, RESERVED_ACCOUNT_NAMES[name], true);
    } else if (validate(schema.AccountName, name, path, source, []) === undefined) {
      ctx.report(path, `invalid account name "${name}"`, "1 to 50 lowercase letters, digits and -, starting with a letter", true);
    }
    const input = validate(schema.Account, top.accounts[name], path, source, issues);
    if (!input) continue;
    ids.set(name, input.id);
    let region = input.region ?? defaults.region;
    if (region === undefined) {
      if (defaultsInput) ctx.report(path, `account "${name}" has no region`, "set accounts." + name + ".region or defaults.region");
      region = "us-east-1";
    }
    checkPartition(region, input.region ? [...path, "region"] : ["defaults", "region"], ctx);
    const deployRole = input.deployRole ?? defaults.deployRole;
    const account: Mutable<Account> = {
      name,
      id: input.id,
      region,
      deployRoleArn: `arn:aws:iam::${input.id}:role/${deployRole}`,
      groups: [],
      roles: [],
      buckets: [],
      policies: [],
      at: ctx.at(undefined, "accounts", name),
    };
    accounts.set(name, account);

    const seenGroups = new Map<string, number>();
    (input.groups ?? []).forEach((g, i) => {
      const gPath = [...path, "groups", i];
      const prev = seenGroups.get(g.toLowerCase());
      if (prev !== undefined) {
        ctx.report(gPath, `group "${g}" is listed twice; first at groups[${prev}]`, "IAM group names are unique per account, ignoring case; remove one");
        return;
      }
      seenGroups.set(g.toLowerCase(), i);
      account.groups.push({ kind: "group", name: g, account, arn: `arn:aws:iam::${input.id}:group/${g}`, at: ctx.at(account.at, "groups", i) });
    });

    for (const [pName, pInput] of caseUnique(input.policies, [...path, "policies"], "policy", ctx)) {
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
      account.policies.push({
        name: pName,
        account,
        arn: `arn:aws:iam::${input.id}:policy/${pName}`,
        statements,
        allowWildcards,
        at: ctx.at(account.at, "policies", pName),
        statementsPath: pPath.map(String),
      } satisfies CustomerPolicy);
    }

    for (const [rName, rInput] of caseUnique(input.roles, [...path, "roles"], "role", ctx)) {
      const rPath = [...path, "roles", rName];
      const seconds = rInput.maxSessionDuration === undefined ? defaultSession : sessionSeconds(rInput.maxSessionDuration, [...rPath, "maxSessionDuration"], ctx);
      const role: Mutable<Role> = {
        kind: "role",
        name: rName,
        account,
        arn: `arn:aws:iam::${input.id}:role/${rName}`,
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
        else unknownName(ctx, [...rPath, "policies", i], "policy", p, `accounts.${name}.policies`, account.policies.map((cp) => cp.name));
      });
      account.roles.push(role);
      roleInputs.set(role, { input: rInput, path: rPath });
    }

    for (const [bName, bInput] of Object.entries(input.buckets ?? {})) {
      const bPath = [...path, "buckets", bName];
      const owner = bucketOwners.get(bName);
      if (owner !== undefined) {
        ctx.report(bPath, `bucket "${bName}" is also declared in accounts.${owner}`, "S3 bucket names are global; declare each bucket once");
        continue;
      }
      bucketOwners.set(bName, name);
      const bRegion = bInput.region ?? region;
      if (bInput.region) checkPartition(bRegion, [...bPath, "region"], ctx);
      const bucket: Mutable<Bucket> = { name: bName, account, region: bRegion, arn: `arn:aws:s3:::${bName}`, grants: [], at: ctx.at(account.at, "buckets", bName) };
      account.buckets.push(bucket);
      bucketInputs.set(bucket, { input: bInput, path: bPath });
    }
  }

  checkUniqueIds(declared, ids, externals, ctx);

  // References: callers of roles and grantees of buckets.
  const lookup = new Lookup(accounts, externals, declared, new Set(Object.keys(top.external ?? {})), ctx);
  for (const [role, { input, path }] of roleInputs) {
    const seen = new Map<string, number>();
    input.assumableBy.forEach((ref, i) => {
      const at = [...path, "assumableBy", i];
      const prev = seen.get(ref);
      if (prev !== undefined) {
        ctx.report(at, `caller "${ref}" is listed twice; first at assumableBy[${prev}]`, "remove one");
        return;
      }
      seen.set(ref, i);
      const principal = lookup.principal(ref, at, { outside: true });
      if (!principal) return;
      if (principal === role) {
        ctx.report(at, `role "${role.name}" is listed as its own caller`, "a role cannot assume itself; remove this entry");
        return;
      }
      const requireMfa = principal.kind === "group" && (input.requireMfa ?? defaults.requireMfa);
      (role.callers as Caller[]).push({ principal, requireMfa, ref, at: ctx.at(role.at, "assumableBy", i) });
    });
  }
  for (const [bucket, { input, path }] of bucketInputs) {
    const seen = new Map<Holder, string>();
    for (const [ref, level] of Object.entries(input.grants ?? {})) {
      const at = [...path, "grants", ref];
      const grantee = lookup.principal(ref, at, { outside: false, key: true });
      if (!grantee) continue;
      if (grantee.kind !== "group" && grantee.kind !== "role") continue;
      const prev = seen.get(grantee);
      if (prev !== undefined) {
        ctx.report(at, `"${ref}" is granted this bucket twice (also as "${prev}")`, "keep one grant with the level it needs", true);
        continue;
      }
      seen.set(grantee, ref);
      const requireMfa = grantee.kind === "group" && (input.requireMfa ?? defaults.requireMfa);
      bucket.grants.push({ grantee, level: level, requireMfa, ref, at: ctx.at(bucket.at, "grants", ref) } satisfies BucketGrant);
    }
  }

  return freezeModel({
    file: source.file,
    accounts: [...accounts.values()],
    externals: [...externals.values()].sort((a, b) => byName(a.name, b.name)),
    organizationId: organization?.id,
    state: state ?? { backend: "local" },
    tags: defaults.tags ?? {},
  } satisfies Model);
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
  ) {}

  /** References already resolved: the same few (`identity/admins`) recur in every account of a large map. */
  private readonly found = new Map<string, Principal>();

  principal(ref: string, path: readonly PathSegment[], opts: { outside: boolean; key?: boolean }): Principal | undefined {
    const known = this.found.get(ref);
    // A bucket grant may not name an external or service caller: find() says so.
    if (known && (opts.outside || known.kind === "group" || known.kind === "role")) return known;
    const principal = this.find(ref, path, opts);
    if (principal) this.found.set(ref, principal);
    return principal;
  }

  private find(ref: string, path: readonly PathSegment[], opts: { outside: boolean; key?: boolean }): Principal | undefined {
    const report = (message: string, hint: string) => this.ctx.report(path, message, hint, opts.key);
    const parsed = parseRef(ref);
    if (!parsed) {
      const outsideAccount = /^arn:|^\d{12}$/.test(ref) ? "; an account outside the map goes under external: with an externalId, then external/<name>" : "";
      report(`invalid reference "${ref}"`, `write ${opts.outside ? REFERENCE_FORMS : "<account>/<group> or <account>/role/<role>"}${outsideAccount}`);
      return undefined;
    }
    if ((parsed.kind === "external" || parsed.kind === "service") && !opts.outside) {
      report(`"${ref}" cannot be granted a bucket`, "bucket grants name <account>/<group> or <account>/role/<role>; give outside callers a role instead");
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
    const account = this.accounts.get(parsed.account);
    if (!account) {
      if (!this.declaredAccounts.has(parsed.account)) {
        const names = [...this.declaredAccounts].sort();
        const outside = opts.outside ? "; an account outside the map goes under external: with an externalId" : "";
        report(`unknown account "${parsed.account}" in "${ref}"`, `${suggestion(parsed.account, names)}accounts: ${names.join(", ")}${outside}`);
      }
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

function resolveState(raw: unknown, ctx: Ctx): StateBackend | undefined {
  if (raw === undefined) return undefined;
  const input = validate(schema.State, raw, ["state"], ctx.source, ctx.issues);
  if (!input) return undefined;
  if (input.backend === "local") {
    for (const key of ["bucket", "region", "roleArn"] as const) {
      if (input[key] !== undefined) ctx.report(["state", key], `"${key}" has no meaning with backend: local`, "remove it, or set backend: s3");
    }
    return { backend: "local" };
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
        if (caller.principal.kind === "service") freeze(caller.principal);
        freeze(caller);
      }
      freeze(role.callers);
      freeze(role.managedPolicyArns);
      freeze(role.customerPolicies);
      freeze(role);
    }
    for (const bucket of account.buckets) {
      bucket.grants.forEach(freeze);
      freeze(bucket.grants);
      freeze(bucket);
    }
    freeze(account.groups);
    freeze(account.policies);
    freeze(account.roles);
    freeze(account.buckets);
    freeze(account);
  }
  model.externals.forEach(freeze);
  freeze(model.externals);
  freeze(model.accounts);
  freeze(model.state);
  freeze(model.tags);
  return freeze(model);
}
