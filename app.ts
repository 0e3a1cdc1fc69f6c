/**
 * The whole pipeline as one function: map in, stacks written. main.ts adds the
 * environment and the exit status; tests and benchmarks call this directly.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { importsOf } from "./config/imports";
import { loadAccountMap, loadAccountMapText } from "./config/load";
import type { Account, Model } from "./config/model";
import { type PlanInputs, planInputs } from "./policies/inputs";
import { planWithinLimits } from "./policies/limits";
import type { StackManifest } from "cdktf/lib/manifest";
import { AccountStack, type AccountStackProps } from "./stacks/account-stack";
import { type StackInputs, stackKeyText } from "./stacks/stack-key";
import { INDEX_FILE, type IndexEntry, programDigest, stackKey, SynthCache } from "./synth-cache";
import { StackStream } from "./stacks/stream";
import { trickOn } from "./tricks";

export interface SynthOptions {
  /** Output folder (missing parents are created); cdktf's default (cdktf.out) when undefined. */
  readonly outdir?: string;
  /** See AccountStackProps.localEndpoint. */
  readonly localEndpoint?: string;
  /** Keep cdktf's traces of where each token was created (slower); see stacks/stream.ts. */
  readonly traces?: boolean;
  /** Build every stack, keeping none from the last synth (it still writes the index for the next); main.ts sets it under SYNTH_COLD. */
  readonly cold?: boolean;
  /** Stands in for the program's digest (synth-cache.ts), for tests of a cache another program wrote. */
  readonly program?: string;
  /**
   * Build only the stacks of these accounts (by name), planning only them and
   * what their plans read, into a folder of their own: no index is read or
   * written (a folder of some stacks is no synth to build on). `affected` sets it.
   */
  readonly only?: ReadonlySet<string>;
}

/** What a synth did: every stack of the map, those built and those kept from the last synth, and those removed. */
export interface SynthResult {
  readonly stacks: readonly string[];
  readonly built: readonly string[];
  readonly kept: readonly string[];
  /** Stacks the last synth wrote that are gone from the map: their files were removed. */
  readonly removed: readonly string[];
}

/**
 * Plans every account and writes one stack per account. Everything that can be
 * wrong with the map is found before the App exists, so a bad map writes nothing.
 * Returns the stack names.
 */
export function synthesizeModel(model: Model, opts: SynthOptions = {}): string[] {
  return [...synthesize(model, opts).stacks];
}

/**
 * As {@link synthesizeModel}, incrementally: a stack whose key (synth-cache.ts:
 * the program, the provider binding, how the app writes, and the stack's inputs,
 * stacks/stack-key.ts) is the one the last synth into the folder recorded, and
 * whose file is still as written, is not built: its file stays, and the manifest
 * lists it as before. Every other stack is built and written.
 */
export function synthesize(model: Model, opts: SynthOptions = {}): SynthResult {
  // The folder as cdktf's App names it. The App creates it: before it exists, the whole map is planned and
  // checked first, so that a bad map creates nothing. A folder an earlier synth left its index in exists
  // already, and only the stacks not kept from it are planned, after the keys.
  const outdir = opts.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const only = opts.only && new Set(model.accounts.filter((a) => opts.only!.has(a.name)));
  const warm = !opts.cold && !only && existsSync(join(outdir, INDEX_FILE));
  let plans = warm ? undefined : planWithinLimits(model, only);
  if (opts.outdir !== undefined) mkdirSync(dirname(resolve(opts.outdir)), { recursive: true });
  // One stack in memory at a time: see stacks/stream.ts.
  const out = new StackStream(opts.outdir, { traces: opts.traces, dropTokens: trickOn("drop-tokens") });
  const { app } = out;
  // HCL output writes two files per stack: never kept, and no index.
  const cache = app.hclOutput || only ? undefined : new SynthCache(app.outdir, opts.program ?? programDigest(), app.manifest.stackFileName, opts.cold);
  if (!cache) SynthCache.remove(app.outdir);
  const appKey = JSON.stringify({ context: app.node.getAllContext(), hcl: app.hclOutput, skipValidation: app.skipValidation ?? false, traces: opts.traces ?? false });
  const accounts = new Set<object>(model.accounts);
  const inputs = cache ? planInputs(model) : undefined;
  const keys = new Map<Account, string>();
  const previous = new Map<Account, IndexEntry>();
  for (const account of model.accounts) {
    if (!cache || !inputs) break;
    const key = stackKey(cache.program, appKey, stackKeyText(stackInputs(model, inputs, account, opts.localEndpoint), accounts));
    keys.set(account, key);
    const entry = cache.reusable(account.name, key);
    if (entry) previous.set(account, entry);
  }
  // A kept stack's inputs are those of a synth that planned and checked it: its plan, and its checks, are as they were then.
  plans ??= planWithinLimits(model, new Set(model.accounts.filter((a) => !previous.has(a))));
  const planOf = new Map(plans.map((p) => [p.account, p]));
  const built: string[] = [];
  const kept: string[] = [];
  for (const account of model.accounts) {
    const name = account.name;
    if (only && !only.has(account)) continue;
    const entry = previous.get(account);
    if (entry) {
      out.keep(name, entry.annotations as StackManifest["annotations"]);
      kept.push(name);
      continue;
    }
    const props: AccountStackProps = { plan: planOf.get(account)!, state: model.state, tags: model.tags, localEndpoint: opts.localEndpoint, imports: importsOf(model, name) };
    out.write((scope) => new AccountStack(scope, props));
    cache?.written(name, keys.get(account)!, out.annotations(name));
    built.push(name);
  }
  const removed = cache?.removeGone() ?? [];
  out.close();
  cache?.save();
  return { stacks: only ? built : model.accounts.map((a) => a.name), built, kept, removed };
}

/** What an account's stack is built from, as its key reads it (stacks/stack-key.ts): `AccountStack`'s props, with the plan's inputs in place of the plan. */
export function stackInputs(model: Model, inputs: ReadonlyMap<Account, PlanInputs>, account: Account, localEndpoint?: string): StackInputs {
  return { plan: inputs.get(account)!, state: model.state, tags: model.tags, localEndpoint, imports: importsOf(model, account.name) };
}

/** Loads a map file and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeFile(file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMap(file)).model, opts);
}

/** Loads a map given as text and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeText(text: string, file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMapText(text, file)).model, opts);
}
