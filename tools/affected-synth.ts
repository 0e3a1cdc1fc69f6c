/**
 * The two sides `affected` compares: the stacks of the map at a revision and of
 * the working tree's, each with the grants and entities its plan put in it.
 *
 * A stack is synthesized only when its key differs between the sides: the key is
 * the digest of what the stack is built from (stacks/stack-key.ts, the same
 * inputs under which an incremental synth keeps a stack's file), so two stacks
 * of one key are the same JSON, and such a stack is unchanged without being
 * planned or built. The others (and every stack of one side only) are planned
 * and synthesized by this program, in this process, into a temporary folder (the
 * same files `npm run synth` writes), read back and removed. `cold` synthesizes
 * every stack of both sides and compares them by their JSON alone: the
 * benchmark's cold run, and what a test holds the keyed comparison to.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackInputs, synthesize } from "../app";
import { ConfigError } from "../config/errors";
import type { Account, Model } from "../config/model";
import { planDependencies, planInputs } from "../policies/inputs";
import { planWithinLimits } from "../policies/limits";
import { stackKeyText } from "../stacks/stack-key";
import { stackFacts, type StackInput } from "./affected-stacks";

/** The digest of each stack's inputs, by stack name. */
function stackKeys(model: Model): Map<string, string> {
  const accounts = new Set<object>(model.accounts);
  const inputs = planInputs(model);
  return new Map(model.accounts.map((a) => [a.name, createHash("sha256").update(stackKeyText(stackInputs(model, inputs, a), accounts)).digest("hex")]));
}

/**
 * The named stacks of a model, synthesized, with their grants and entities (from
 * the plans of the accounts each one's plan reads, policies/inputs.ts: every
 * grant with a half in a stack is declared in one of them).
 */
function synthesizedStacks(model: Model, names: ReadonlySet<string>, keys?: ReadonlyMap<string, string>): Map<string, StackInput> {
  const chosen = model.accounts.filter((a) => names.has(a.name));
  const deps = planDependencies(model);
  const read = new Set<Account>(chosen.flatMap((a) => deps.get(a)!));
  const facts = stackFacts(planWithinLimits(model, read), model.organizationId);
  const dir = mkdtempSync(join(tmpdir(), "affected-"));
  try {
    const { stacks } = synthesize(model, { outdir: dir, only: names });
    return new Map(
      stacks.map((name) => [name, { key: keys?.get(name), json: readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8"), ...(facts.get(name) ?? { grants: [], entities: [] }) }]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A map at the revision that loads but cannot be planned (a policy past its quota): the command says so as it does for one that does not load. */
export class RevisionMapError extends Error {
  constructor(readonly error: ConfigError) {
    super(error.message);
  }
}

/** `work()` on the map at the revision, its ConfigError as a RevisionMapError. */
function atRevision<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw e instanceof ConfigError ? new RevisionMapError(e) : e;
  }
}

/** Both sides' stacks: `before` undefined (no map at the revision) is a map of no stacks. */
export function affectedSides(before: Model | undefined, after: Model, opts: { cold?: boolean } = {}): { before: Map<string, StackInput>; after: Map<string, StackInput> } {
  const every = (m: Model) => new Set(m.accounts.map((a) => a.name));
  if (opts.cold) return { before: before ? atRevision(() => synthesizedStacks(before, every(before))) : new Map(), after: synthesizedStacks(after, every(after)) };
  const was = before ? atRevision(() => stackKeys(before)) : new Map<string, string>();
  const is = stackKeys(after);
  const differ = new Set([...was, ...is].filter(([name]) => was.get(name) !== is.get(name)).map(([name]) => name));
  /** A side: its synthesized stacks, and every other stack by its key alone. */
  const side = (model: Model | undefined, keys: Map<string, string>) => {
    const built = model ? synthesizedStacks(model, differ, keys) : new Map<string, StackInput>();
    return new Map([...keys].map(([name, key]) => [name, built.get(name) ?? { key, grants: [], entities: [] }]));
  };
  return { before: atRevision(() => side(before, was)), after: side(after, is) };
}
