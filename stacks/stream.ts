/**
 * Synthesizes stacks one at a time and lets each go once its files are written.
 *
 * `App.synth()` needs every stack of the app in memory at once: at 10,000 accounts
 * that is a gigabyte of constructs, and the garbage collector's cost grows with it
 * faster than linearly. Our stacks never reference each other (each is built from
 * its own account's plan), so nothing needs them together: `StackStream` builds one
 * stack, runs for it the steps `App.synth()` runs for each (prepare, then the
 * stack's synthesizer with the app's session), and removes it from the app.
 * `close()` finishes as `App.synth()` does: the app's own validations, then
 * `manifest.json`. The files written are the same, byte for byte (the scale test
 * and test/stream.test.ts compare them).
 *
 * Removing a stack from the tree is not enough to free it: cdktf registers every
 * token a stack encodes as a string (each reference between resources, such as a
 * role policy naming its role) in one global map that is never emptied, and each
 * token points back to its stack. So the stream also drops, after writing a stack,
 * the tokens registered while it was built and written. Nothing can look them up
 * again: they were only ever inside that stack. cdktf is archived at 0.21.0 (pinned
 * exactly), so this private map will not change shape under us; if it were ever
 * missing, the output would be the same and only the memory would grow.
 */
import { App, TerraformStack } from "cdktf";
import type { ISynthesisSession } from "cdktf/lib/synthesize/types";
import { TokenMap } from "cdktf/lib/tokens/private/token-map";
import type { Construct } from "constructs";

/** The two private maps of cdktf's global token registry, when they are where 0.21.0 keeps them. */
interface TokenMaps {
  readonly strings: Map<string, unknown>;
  readonly numbers: Map<number, unknown>;
}

function tokenMaps(): TokenMaps | undefined {
  const registry = TokenMap.instance() as unknown as { stringTokenMap?: unknown; numberTokenMap?: unknown };
  const { stringTokenMap: strings, numberTokenMap: numbers } = registry;
  return strings instanceof Map && numbers instanceof Map ? { strings, numbers } : undefined;
}

/** Deletes from `map` every key not in `keep`. */
function dropAllBut<K>(map: Map<K, unknown>, keep: ReadonlySet<K>): void {
  for (const key of map.keys()) if (!keep.has(key)) map.delete(key);
}

export class StackStream {
  readonly app: App;
  private readonly session: ISynthesisSession;
  private readonly tokens = tokenMaps();
  private closed = false;

  /** `outdir` as App takes it: cdktf's default (or CDKTF_OUTDIR) when undefined. */
  constructor(outdir?: string) {
    this.app = new App(outdir === undefined ? {} : { outdir });
    this.session = { outdir: this.app.outdir, skipValidation: this.app.skipValidation, manifest: this.app.manifest };
  }

  /** Builds one stack in the app, writes its files and lets it go. Returns the stack's name. */
  write(build: (app: Construct) => TerraformStack): string {
    if (this.closed) throw new Error("StackStream: write() after close()");
    const strings = new Set(this.tokens?.strings.keys());
    const numbers = new Set(this.tokens?.numbers.keys());
    const stack = build(this.app);
    if (stack.node.scope !== this.app) throw new Error(`StackStream: stack ${stack.node.path} is not a direct child of the app`);
    stack.prepareStack();
    // Preparing resolves every token and records any reference to another stack;
    // such a stack needs its peers alive and cannot be streamed.
    if (stack.dependencies.length > 0) throw new Error(`StackStream: stack ${stack.node.id} references other stacks`);
    stack.synthesizer.synthesize(this.session);
    this.app.node.tryRemoveChild(stack.node.id);
    if (this.tokens) {
      dropAllBut(this.tokens.strings, strings);
      dropAllBut(this.tokens.numbers, numbers);
    }
    return stack.node.id;
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
