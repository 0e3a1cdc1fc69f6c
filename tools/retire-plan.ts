/**
 * Stacks that are deployed (their state holds resources) but no longer in the
 * map: orphaned access, since nothing would ever destroy them. For each, the
 * grants that other deployed stacks still hold naming its account (their halves
 * go with those stacks' next deploy). Pure functions over Terraform state files;
 * tools/plan.ts reports them and tools/retire.ts destroys one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { byCodePoint } from "../config/order";

/** The part of a Terraform state (format version 4) read here. */
export interface TerraformState {
  readonly resources?: readonly {
    readonly mode?: string;
    readonly type: string;
    readonly name: string;
    readonly instances?: readonly { readonly attributes?: Readonly<Record<string, unknown>> }[];
  }[];
}

/** One stack's state: the stack's name and where its state is. */
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
    lines.push(`  ${o.stack}${o.accountId ? ` (account ${o.accountId})` : ""}: ${n} resource${n === 1 ? "" : "s"} in ${basename(o.file)}`);
    for (const g of o.namedBy) lines.push(`    named by ${g.stack}: ${g.address} (${g.attribute}); ${g.stack}'s next deploy removes it`);
  }
  return lines.join("\n");
}
