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
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackInputs, synthesize } from "../app";
import { ConfigError } from "../config/errors";
import type { Account, Model } from "../config/model";
import { planDependencies, planInputs } from "../policies/inputs";
import { planWithinLimits } from "../policies/limits";
import { sha256 } from "../synth-cache";
import { stackKeyText } from "../stacks/stack-key";
import { stackFacts, type StackInput } from "./affected-stacks";

/** The digest of each stack's inputs, by stack name. */
function stackKeys(model: Model): Map<string, string> {
  const accounts = new Set<object>(model.accounts);
  const inputs = planInputs(model);
  return new Map(model.accounts.map((a) => [a.name, sha256(stackKeyText(stackInputs(model, inputs, a), accounts))]));
}

/** The named stacks of a model, synthesized: each one's JSON, by name. */
function synthesizedJson(model: Model, names: ReadonlySet<string>): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "affected-"));
  try {
    const { stacks } = synthesize(model, { outdir: dir, only: names });
    return new Map(stacks.map((name) => [name, readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8")]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The grants and entities of the named stacks, from the plans of the accounts
 * each one's plan reads (policies/inputs.ts: every grant with a half in a stack
 * is declared in one of them).
 */
function factsOf(model: Model, names: ReadonlySet<string>): ReturnType<typeof stackFacts> {
  const deps = planDependencies(model);
  const read = new Set<Account>(model.accounts.filter((a) => names.has(a.name)).flatMap((a) => deps.get(a)!));
  if (read.size === 0) return new Map();
  return new Map([...stackFacts(planWithinLimits(model, read), model.organizationId)].filter(([name]) => names.has(name)));
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

/**
 * Both sides' stacks: `before` undefined (no map at the revision) is a map of no
 * stacks. A stack is synthesized only when both sides hold it and its keys
 * differ: what a changed stack's report line compares. An added stack's line
 * names its entities, so only its facts are read; a removed stack's names
 * nothing, so it is neither synthesized nor planned (its map's quotas are no
 * longer this change's concern). The grants and entities are read only for the
 * stacks whose JSON differs, and the added ones. Onboarding an account into the
 * benchmark's 10,000-account map changes the key of the identity account, whose
 * roles and groups the new account's roles trust, but not its JSON (its policies
 * take the compact form): its facts would mean planning every account that names
 * it, all of them. `cold` synthesizes and reads every stack of both sides.
 */
export function affectedSides(before: Model | undefined, after: Model, opts: { cold?: boolean } = {}): { before: Map<string, StackInput>; after: Map<string, StackInput> } {
  const names = (m: Model | undefined) => m?.accounts.map((a) => a.name) ?? [];
  const was = !opts.cold && before ? atRevision(() => stackKeys(before)) : new Map<string, string>();
  const is = opts.cold ? new Map<string, string>() : stackKeys(after);
  const held = new Set(names(before));
  const added = names(after).filter((name) => !held.has(name));
  const differ = new Set(opts.cold ? [...held, ...added] : names(after).filter((name) => was.has(name) && was.get(name) !== is.get(name)));
  const json = { before: before ? atRevision(() => synthesizedJson(before, differ)) : new Map<string, string>(), after: synthesizedJson(after, differ) };
  const changed = new Set([...differ].filter((name) => json.before.get(name) !== json.after.get(name)));
  const facts = { before: before ? atRevision(() => factsOf(before, changed)) : new Map(), after: factsOf(after, new Set([...changed, ...added])) };
  /** A side: every stack of its map, with its key (unless cold), its JSON where synthesized, and its facts where read. */
  const side = (model: Model | undefined, keys: Map<string, string>, which: "before" | "after"): Map<string, StackInput> =>
    new Map(
      names(model).map((name) => {
        const j = json[which].get(name);
        return [name, { ...(opts.cold ? {} : { key: keys.get(name) }), ...(j !== undefined ? { json: j } : {}), ...(facts[which].get(name) ?? { grants: [], entities: [] }) }];
      }),
    );
  return { before: side(before, was, "before"), after: side(after, is, "after") };
}
