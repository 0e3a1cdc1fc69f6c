/**
 * The whole pipeline as one function: map in, stacks written. main.ts adds the
 * environment and the exit status; tests and benchmarks call this directly.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { importsOf } from "./config/imports";
import { loadAccountMap, loadAccountMapText } from "./config/load";
import type { Model } from "./config/model";
import { planWithinLimits } from "./policies/limits";
import type { StackManifest } from "cdktf/lib/manifest";
import { AccountStack, type AccountStackProps } from "./stacks/account-stack";
import { stackKeyText } from "./stacks/stack-key";
import { programDigest, stackKey, SynthCache } from "./synth-cache";
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
  const plans = planWithinLimits(model);
  // Only now, with the map known good, may anything be created on disk.
  if (opts.outdir !== undefined) mkdirSync(dirname(resolve(opts.outdir)), { recursive: true });
  // One stack in memory at a time: see stacks/stream.ts.
  const out = new StackStream(opts.outdir, { traces: opts.traces, dropTokens: trickOn("drop-tokens") });
  const { app } = out;
  // HCL output writes two files per stack: never kept, and no index.
  const cache = app.hclOutput ? undefined : new SynthCache(app.outdir, opts.program ?? programDigest(), app.manifest.stackFileName, opts.cold);
  if (!cache) SynthCache.remove(app.outdir);
  const appKey = JSON.stringify({ context: app.node.getAllContext(), hcl: app.hclOutput, skipValidation: app.skipValidation ?? false, traces: opts.traces ?? false });
  const accounts = new Set<object>(model.accounts);
  const built: string[] = [];
  const kept: string[] = [];
  for (const plan of plans) {
    const name = plan.account.name;
    const props: AccountStackProps = { plan, state: model.state, tags: model.tags, localEndpoint: opts.localEndpoint, imports: importsOf(model, name) };
    const key = cache ? stackKey(cache.program, appKey, stackKeyText(props, accounts)) : "";
    const previous = cache?.reusable(name, key);
    if (previous) {
      out.keep(name, previous.annotations as StackManifest["annotations"]);
      kept.push(name);
      continue;
    }
    out.write((scope) => new AccountStack(scope, props));
    cache?.written(name, key, out.annotations(name));
    built.push(name);
  }
  const removed = cache?.removeGone() ?? [];
  out.close();
  cache?.save();
  return { stacks: plans.map((p) => p.account.name), built, kept, removed };
}

/** Loads a map file and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeFile(file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMap(file)).model, opts);
}

/** Loads a map given as text and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeText(text: string, file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMapText(text, file)).model, opts);
}
