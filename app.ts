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
import { AccountStack } from "./stacks/account-stack";
import { StackStream } from "./stacks/stream";

export interface SynthOptions {
  /** Output folder (missing parents are created); cdktf's default (cdktf.out) when undefined. */
  readonly outdir?: string;
  /** See AccountStackProps.localEndpoint. */
  readonly localEndpoint?: string;
  /** Keep cdktf's traces of where each token was created (slower); see stacks/stream.ts. */
  readonly traces?: boolean;
}

/**
 * Plans every account and writes one stack per account. Everything that can be
 * wrong with the map is found before the App exists, so a bad map writes nothing.
 * Returns the stack names.
 */
export function synthesizeModel(model: Model, opts: SynthOptions = {}): string[] {
  const plans = planWithinLimits(model);
  // Only now, with the map known good, may anything be created on disk.
  if (opts.outdir !== undefined) mkdirSync(dirname(resolve(opts.outdir)), { recursive: true });
  // One stack in memory at a time: see stacks/stream.ts.
  const out = new StackStream(opts.outdir, { traces: opts.traces });
  for (const plan of plans) out.write((app) => new AccountStack(app, { plan, state: model.state, tags: model.tags, localEndpoint: opts.localEndpoint, imports: importsOf(model, plan.account.name) }));
  out.close();
  return plans.map((p) => p.account.name);
}

/** Loads a map file and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeFile(file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMap(file)).model, opts);
}

/** Loads a map given as text and synthesizes it. Throws ConfigError for a bad map. */
export async function synthesizeText(text: string, file: string, opts: SynthOptions = {}): Promise<string[]> {
  return synthesizeModel((await loadAccountMapText(text, file)).model, opts);
}
