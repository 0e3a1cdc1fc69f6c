/**
 * Synthesizes stacks one at a time and lets each go once its files are written.
 *
 * `App.synth()` needs every stack of the app in memory at once: at 10,000 accounts
 * that is a gigabyte of constructs, and the garbage collector's cost grows with it
 * faster than linearly. Our stacks never reference each other (each is built from
 * its own account's plan), so nothing needs them together: `StackStream` builds one
 * stack, writes it with the stack's own synthesizer and the app's session, as
 * `App.synth()` does, and removes it from the app. `close()` finishes as
 * `App.synth()` does: the app's own validations, then `manifest.json`. The files
 * are the same, byte for byte (test/stacks/stream.test.ts compares every file with
 * App.synth()'s; test/scale.test.ts holds the 100-account hashes).
 *
 * Three things differ from `App.synth()`, all for time and memory:
 *
 * - Tokens are let go. Removing a stack from the tree does not free it: cdktf
 *   registers every token a stack encodes as a string (each reference between
 *   resources, such as a role policy naming its role) in one global map that is
 *   never emptied, and each token points back to its stack. After writing a stack
 *   the stream drops the tokens registered while it was built and written; they
 *   were only ever inside that stack. Measured (tricks.ts "drop-tokens";
 *   docs/benchmarks.md, "Speed tricks", 2026-12-01): the program alone at 1,000
 *   accounts took 64.2 s with the drop and 75.0 s without (1.10×, the median of
 *   three interleaved rounds, at the 10% the benchmark keeps a trick for), the
 *   same peak memory (377 MB against 378 MB), under a load average of 7 to 8.
 * - No preparing pass. `prepareStack()` adds a backend when there is none, then
 *   resolves every token of the stack once only to find references to other
 *   stacks, before synthesis resolves them all again. The stream adds the backend
 *   the same way and finds such references directly, in the tokens the stack
 *   registered: a stack that references another is refused (it would need its
 *   peers alive, and a cross-stack output), never written differently.
 * - While a stack is built and written, stack traces are not formatted (unless
 *   `traces` is set). cdktf records where every token was created, a full stack
 *   trace turned into text, 35 times per account stack; those traces appear only
 *   in cdktf's messages about unresolvable tokens, a programming error. With
 *   `traces` (main.ts sets it under DEBUG) they are kept.
 *
 * cdktf is archived at 0.21.0 and pinned exactly, so the private token map will
 * not change shape under us; were it ever missing, the output would be the same,
 * only memory would grow and references between stacks would go unchecked.
 */
import { App, TerraformStack } from "cdktf";
import type { StackManifest } from "cdktf/lib/manifest";
import type { ISynthesisSession } from "cdktf/lib/synthesize/types";
import { TokenMap } from "cdktf/lib/tokens/private/token-map";
import type { Construct } from "constructs";

/** The two private maps of cdktf's global token registry, when they are where 0.21.0 keeps them. */
interface TokenMaps {
  readonly strings: Map<string, unknown>;
  readonly numbers: Map<number, unknown>;
}

export interface StackStreamOptions {
  /** Keep cdktf's stack traces of where each token was created (for debugging cdktf errors). */
  readonly traces?: boolean;
  /** Drop the tokens a stack registered once it is written (default true; false only for the benchmark, tricks.ts). */
  readonly dropTokens?: boolean;
}

function tokenMaps(): TokenMaps | undefined {
  const registry = TokenMap.instance() as unknown as { stringTokenMap?: unknown; numberTokenMap?: unknown };
  const { stringTokenMap: strings, numberTokenMap: numbers } = registry;
  return strings instanceof Map && numbers instanceof Map ? { strings, numbers } : undefined;
}

/**
 * The sizes of the token maps at one moment: what was there before a stack. cdktf
 * only ever adds to them and a Map iterates in insertion order, so the tokens
 * registered since are the entries after these counts.
 */
interface Mark {
  readonly strings: number;
  readonly numbers: number;
}

function* after<K, V>(map: Map<K, V>, count: number): Generator<[K, V]> {
  let i = 0;
  for (const entry of map) if (i++ >= count) yield entry;
}

/** The tokens registered since `mark`, with their keys. */
function* since(maps: TokenMaps, mark: Mark): Generator<[string | number, unknown]> {
  yield* after(maps.strings, mark.strings);
  yield* after(maps.numbers, mark.numbers);
}

/** Deletes the tokens registered since `mark` (string keys are string tokens, number keys number tokens). */
function dropSince(maps: TokenMaps, mark: Mark): void {
  for (const [key] of [...since(maps, mark)]) {
    if (typeof key === "string") maps.strings.delete(key);
    else maps.numbers.delete(key);
  }
}

/** The stack a token refers into, for a reference to a resource (cdktf's `Reference`). */
function originStack(token: unknown): unknown {
  return typeof token === "object" && token !== null && "originStack" in token ? (token as { originStack: unknown }).originStack : undefined;
}

/** Stands in for V8's stack trace formatter while traces are not wanted. */
const unformatted = (): string => "";

export class StackStream {
  readonly app: App;
  private readonly session: ISynthesisSession;
  private readonly tokens = tokenMaps();
  private closed = false;

  /** `outdir` as App takes it: cdktf's default (or CDKTF_OUTDIR) when undefined. */
  constructor(
    outdir?: string,
    private readonly options: StackStreamOptions = {},
  ) {
    this.app = new App(outdir === undefined ? {} : { outdir });
    this.session = { outdir: this.app.outdir, skipValidation: this.app.skipValidation, manifest: this.app.manifest };
  }

  /** Builds one stack in the app, writes its files and lets it go. Returns the stack's name. */
  write(build: (app: Construct) => TerraformStack): string {
    if (this.closed) throw new Error("StackStream: write() after close()");
    const mark: Mark = { strings: this.tokens?.strings.size ?? 0, numbers: this.tokens?.numbers.size ?? 0 };
    const formatter = Error.prepareStackTrace;
    if (!this.options.traces) Error.prepareStackTrace = unformatted;
    let stack: TerraformStack | undefined;
    try {
      stack = build(this.app);
      if (stack.node.scope !== this.app) throw new Error(`StackStream: stack ${stack.node.path} is not a direct child of the app`);
      stack.ensureBackendExists();
      this.refuseReferencesOut(stack, mark);
      stack.synthesizer.synthesize(this.session);
      return stack.node.id;
    } finally {
      Error.prepareStackTrace = formatter;
      if (stack) this.app.node.tryRemoveChild(stack.node.id);
      if (this.tokens && this.options.dropTokens !== false) dropSince(this.tokens, mark);
    }
  }

  /**
   * Lists in the manifest a stack whose files an earlier synth wrote and that is
   * not built now (an incremental synth, app.ts): the entry `write` would have
   * made (cdktf's own, for a direct child of the app with no dependencies, as
   * every written stack is) with the annotations the stack had then.
   */
  keep(name: string, annotations: readonly StackManifest["annotations"][number][]): void {
    if (this.closed) throw new Error("StackStream: keep() after close()");
    if (this.app.manifest.stacks[name] !== undefined || this.app.node.tryFindChild(name) !== undefined) throw new Error(`StackStream: stack ${name} is already in the app`);
    const entry = this.app.manifest.forStack({ node: { id: name, path: name }, dependencies: [] } as unknown as TerraformStack);
    (entry as { annotations: StackManifest["annotations"] }).annotations = [...annotations];
  }

  /** cdktf's annotations of a stack written or kept (its warnings and errors), as the manifest lists them. */
  annotations(name: string): StackManifest["annotations"] {
    const entry = this.app.manifest.stacks[name];
    if (entry === undefined) throw new Error(`StackStream: no stack ${name}`);
    return entry.annotations;
  }

  /** Throws when the stack depends on another: by a token referring into another stack, or declared. */
  private refuseReferencesOut(stack: TerraformStack, mark: Mark): void {
    const registered = this.tokens ? [...since(this.tokens, mark)] : [];
    const outside = registered.map(([, token]) => originStack(token)).find((origin) => origin !== undefined && origin !== stack);
    if (outside !== undefined || stack.dependencies.length > 0) {
      const other = outside instanceof TerraformStack ? ` (${outside.node.id})` : "";
      throw new Error(`StackStream: stack ${stack.node.id} references another stack${other}; stacks are written one at a time and cannot refer to each other`);
    }
  }

  /** Runs the app's validations and writes manifest.json, listing every stack written. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.app.skipValidation) {
      const problems = this.app.node.validate();
      if (problems.length > 0) throw new Error(`validation failed:\n  ${problems.join("\n  ")}`);
    }
    this.app.manifest.writeToFile();
  }
}
