/**
 * Stacks that are deployed (their state holds resources) but no longer in the
 * map: orphaned access, since nothing would ever destroy them. For each, the
 * grants that other deployed stacks still hold naming its account (their halves
 * go with those stacks' next deploy). Pure functions over Terraform states and the
 * map's history; tools/deployed-states.ts reads the states, tools/plan.ts reports
 * them and tools/retire.ts destroys one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import type { StateBackend } from "../config/model";
import { byCodePoint } from "../config/order";

/** The part of a Terraform state (format version 4) read here. */
export interface TerraformState {
  readonly resources?: readonly {
    readonly mode?: string;
    readonly type: string;
    readonly name: string;
    /** The provider configuration, `provider["registry.terraform.io/hashicorp/aws"].<alias>`. */
    readonly provider?: string;
    readonly instances?: readonly { readonly attributes?: Readonly<Record<string, unknown>> }[];
  }[];
}

/** One stack's state: the stack's name and where its state is (a local file's path, or `s3://<bucket>/<key>`). */
export interface StackState {
  readonly stack: string;
  readonly file: string;
  readonly state: TerraformState;
}

/** A grant another stack holds that names the orphan's account: the resource and the attribute holding the policy. */
export interface NamingGrant {
  readonly stack: string;
  readonly address: string;
  readonly attribute: string;
}

export interface Orphan {
  readonly stack: string;
  readonly file: string;
  /** The account its resources are in (from their ARNs), when any has one. */
  readonly accountId?: string;
  /** Managed resources in its state, by address. */
  readonly resources: readonly string[];
  readonly namedBy: readonly NamingGrant[];
}

/** The local backend's state files: `terraform.<stack>.tfstate` in the folder above the output folder (stacks/account-stack.ts). */
export function localStates(outdir: string): StackState[] {
  const dir = dirname(resolve(outdir));
  if (!existsSync(dir)) return [];
  const out: StackState[] = [];
  for (const name of readdirSync(dir).sort(byCodePoint)) {
    const m = /^terraform\.(.+)\.tfstate$/.exec(name);
    if (!m) continue;
    try {
      out.push({ stack: m[1], file: join(dir, name), state: JSON.parse(readFileSync(join(dir, name), "utf8")) as TerraformState });
    } catch {
      // An unreadable state file is Terraform's to report, when that stack is planned.
    }
  }
  return out;
}

const managed = (s: TerraformState) => (s.resources ?? []).filter((r) => (r.mode ?? "managed") === "managed" && (r.instances ?? []).length > 0);

/** Addresses of a state's managed resources. */
export function stateResources(state: TerraformState): string[] {
  return managed(state)
    .map((r) => `${r.type}.${r.name}`)
    .sort(byCodePoint);
}

/** The account a state's resources are in: the account of the first ARN with one (IAM and most services write it). */
export function stateAccount(state: TerraformState): string | undefined {
  for (const r of managed(state)) {
    for (const i of r.instances ?? []) {
      const m = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(String(i.attributes?.arn ?? ""));
      if (m) return m[1];
    }
  }
  return undefined;
}

/** Policy attributes (JSON documents) of a state that mention `accountId`. */
function grantsNaming(stack: StackState, accountId: string): NamingGrant[] {
  const out: NamingGrant[] = [];
  for (const r of managed(stack.state)) {
    for (const i of r.instances ?? []) {
      for (const [attribute, value] of Object.entries(i.attributes ?? {})) {
        if (typeof value !== "string" || !value.includes('"Statement"')) continue;
        if (new RegExp(`(^|[^0-9])${accountId}([^0-9]|$)`).test(value)) out.push({ stack: stack.stack, address: `${r.type}.${r.name}`, attribute });
      }
    }
  }
  return out;
}

/** The deployed stacks that are not among `mapStacks`, each with the grants of the other deployed stacks that name its account. */
export function orphanedStacks(mapStacks: readonly string[], states: readonly StackState[]): Orphan[] {
  const inMap = new Set(mapStacks);
  const deployed = states.filter((s) => stateResources(s.state).length > 0);
  return deployed
    .filter((s) => !inMap.has(s.stack))
    .sort((a, b) => byCodePoint(a.stack, b.stack))
    .map((s) => {
      const accountId = stateAccount(s.state);
      const namedBy = accountId
        ? deployed
            .filter((o) => o.stack !== s.stack)
            .flatMap((o) => grantsNaming(o, accountId))
            .sort((a, b) => byCodePoint(a.stack, b.stack) || byCodePoint(a.address, b.address))
        : [];
      return { stack: s.stack, file: s.file, ...(accountId ? { accountId } : {}), resources: stateResources(s.state), namedBy };
    });
}

/** The report: each orphan, its resources counted, and the grants that name it. Empty when there is none. */
export function renderOrphans(orphans: readonly Orphan[]): string {
  if (orphans.length === 0) return "";
  const lines = [`Deployed but no longer in the map (orphaned access; npm run retire -- <stack> destroys it):`];
  for (const o of orphans) {
    const n = o.resources.length;
    lines.push(`  ${o.stack}${o.accountId ? ` (account ${o.accountId})` : ""}: ${n} resource${n === 1 ? "" : "s"} in ${o.file.startsWith("s3://") ? o.file : basename(o.file)}`);
    for (const g of o.namedBy) lines.push(`    named by ${g.stack}: ${g.address} (${g.attribute}); ${g.stack}'s next deploy removes it`);
  }
  return lines.join("\n");
}

/**
 * The account names a map's text declares (the keys of `accounts`), read without
 * validating the rest: an old revision that this program would now refuse still
 * names the accounts it deployed. Text that is not YAML, or has no `accounts`
 * mapping, names none.
 */
export function accountsInMapText(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const accounts = (doc as { accounts?: unknown } | null)?.accounts;
  if (typeof accounts !== "object" || accounts === null || Array.isArray(accounts)) return [];
  return Object.keys(accounts).sort(byCodePoint);
}

/**
 * The stacks that may be deployed but are not in the map: every account of an
 * earlier revision of the map, and every stack with a local state file, less the
 * map's own. With a remote backend, only these are looked up (there is no listing
 * of a bucket's states); an account that no revision ever held is found only
 * when named (npm run retire -- <account>).
 */
export function orphanCandidates(mapStacks: readonly string[], revisions: readonly (readonly string[])[], localStacks: readonly string[]): string[] {
  const inMap = new Set(mapStacks);
  return [...new Set([...revisions.flat(), ...localStacks])].filter((s) => !inMap.has(s)).sort(byCodePoint);
}

/** Why orphans were not looked for, when they cannot be with this backend; undefined when they were. */
export function orphanSearchUnsupported(state: StateBackend): string | undefined {
  if (state.backend !== "cloud") return undefined;
  return `state.backend: cloud: deployed stacks no longer in the map are not looked for (HCP Terraform workspaces are not read); list the workspaces of ${state.organization} named ${state.workspacePrefix}* in HCP Terraform, and destroy a retired account's there`;
}

/** The aws provider configurations a state's resources use, by alias (`prod`, `prod_eu-west-1`); a resource of the default provider counts as "". */
export function stateProviderAliases(state: TerraformState): string[] {
  const aliases = new Set<string>();
  for (const r of managed(state)) {
    const m = /^provider\["[^"]*\/aws"\](?:\.(.+))?$/.exec(r.provider ?? "");
    if (m) aliases.add(m[1] ?? "");
  }
  return [...aliases].sort(byCodePoint);
}

/** One aws provider to destroy a stack's state with: its alias, the region it is in. */
export interface StateProvider {
  readonly alias: string;
  readonly region: string;
}

/**
 * The providers a stack's state needs to be destroyed without the map: the home
 * provider (aliased after the stack) in `homeRegion`, each other region's (`<stack>_<region>`,
 * as stacks/account-stack.ts names them) in its own region. An alias of another
 * shape is a problem: the state was not written by this program's stack.
 */
export function providersForState(stack: string, state: TerraformState, homeRegion: string): { providers: StateProvider[]; problems: string[] } {
  const providers: StateProvider[] = [];
  const problems: string[] = [];
  for (const alias of stateProviderAliases(state)) {
    if (alias === stack) providers.push({ alias, region: homeRegion });
    else if (alias.startsWith(`${stack}_`) && /^[a-z]{2}(-[a-z]+)+-\d$/.test(alias.slice(stack.length + 1))) providers.push({ alias, region: alias.slice(stack.length + 1) });
    else problems.push(`provider ${alias === "" ? "aws (no alias)" : `aws.${alias}`} is not one of stack ${stack}'s (${stack}, or ${stack}_<region>)`);
  }
  return { providers, problems };
}

/** The orphans' report, then why they were not looked for (backend: cloud), then each state that could not be read. Empty when there is nothing to say. */
export function renderOrphanSearch(search: { readonly orphans: readonly Orphan[]; readonly problems: readonly string[]; readonly unsupported?: string }): string {
  const parts = [renderOrphans(search.orphans)];
  if (search.unsupported) parts.push(search.unsupported);
  if (search.problems.length > 0) parts.push(["Deployed stacks no longer in the map may be missing here: some states could not be read:", ...search.problems.map((p) => `  ${p}`)].join("\n"));
  return parts.filter(Boolean).join("\n\n");
}

/** The account of a role ARN, or undefined when `roleArn` is not one. */
export function roleArnAccount(roleArn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/.exec(roleArn)?.[1];
}

/** What is wrong with retire's `--role-arn` and `--region` values (a usage error), or undefined. */
export function retireOptionsProblem(roleArn: string, region: string): string | undefined {
  if (roleArnAccount(roleArn) === undefined) return `--role-arn ${roleArn} is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)`;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) return `--region ${region} is not an AWS region (such as us-east-1)`;
  return undefined;
}

/**
 * Why a stack cannot be destroyed from its state alone with this role: the role is
 * in another account than the state's resources (the providers would refuse it
 * anyway, after init), or the state names providers that are not the stack's.
 */
export function retireFromStateProblems(stack: string, roleArn: string, stateAccountId: string | undefined, providerProblems: readonly string[]): string[] {
  const problems: string[] = [];
  const roleAccount = roleArnAccount(roleArn);
  if (stateAccountId !== undefined && roleAccount !== stateAccountId) problems.push(`${stack}: --role-arn ${roleArn} is in account ${roleAccount}, but ${stack}'s state holds resources of account ${stateAccountId}`);
  return [...problems, ...providerProblems.map((p) => `${stack}: ${p}`)];
}
