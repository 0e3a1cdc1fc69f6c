/**
 * The incremental synth's index: `<outdir>/synth-cache.json` says, for every
 * stack the last synth wrote, the key of its inputs and the digest of the file it
 * wrote, so that the next synth keeps the file of every stack whose key is the
 * same instead of building it again (app.ts). A stack's key is the digest of
 *
 * - the program: package.json's version and a digest of the code that is
 *   running (the bundle, dist/main.js, when run from it; the project's
 *   TypeScript sources when run from them, as the tests do). The version alone
 *   would not do: a change to the program that leaves the version as it is
 *   must not keep stacks the old code wrote;
 * - the provider binding: the installed versions of cdktf, @cdktf/provider-aws
 *   and constructs (cdktf bundles its own dependencies);
 * - how the app writes: its context (cdktf's version and flags), whether it
 *   writes HCL, whether traces are kept;
 * - the stack's own inputs (stacks/stack-key.ts).
 *
 * The index is trusted only whole: one that is missing, unreadable, not of this
 * format or written by another program (its program digest) gives a cold synth.
 * A stack is kept only when its key is the same and its file is still there
 * with the digest the index recorded; otherwise it is built. The index is
 * written last, by rename, so a synth cut short leaves the previous one, whose
 * digests then disagree with any file the cut-short synth rewrote.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { byCodePoint } from "./config/order";

/** The index file's name, in the output folder beside manifest.json. */
export const INDEX_FILE = "synth-cache.json";
const FORMAT = 1;

/** The hex SHA-256 of some text or bytes: the digest of every key and file the caches compare. */
export const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** The folder that holds package.json: this file's, or the bundle's parent (dist/). */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return __dirname;
  }
}

/** The folders and files the program's TypeScript sources are in (what the bundle is built from). */
const SOURCES = ["main.ts", "app.ts", "synth-cache.ts", "config", "policies", "resources", "stacks"];

function sourceFiles(root: string, sources: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort(byCodePoint)) visit(join(path, name));
    else if (path.endsWith(".ts")) out.push(path);
  };
  for (const p of sources) if (existsSync(join(root, p))) visit(join(root, p));
  return out;
}

/** Installed version of a package, or `none`. */
function installed(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "none";
  }
}

const programMemo = new Map<string, string>();

/**
 * The program's identity: package.json's version, the digest of the running
 * code, and the provider binding. When this module runs from a bundle
 * (`__filename` ends in .js), that bundle holds every module of the program
 * (dependencies stay outside it, and are named by their versions).
 */
export function programDigest(): string {
  return programDigestOf(SOURCES, ["cdktf", "@cdktf/provider-aws", "constructs"]);
}

/**
 * The same for a program made of other sources and dependencies (the access
 * check's, access/access-cache.ts): `sources` are the folders and files it runs
 * from under jest, `deps` the packages whose installed versions it depends on.
 */
export function programDigestOf(sources: readonly string[], deps: readonly string[]): string {
  const memoKey = `${sources.join("\n")}\u0000${deps.join("\n")}`;
  const memo = programMemo.get(memoKey);
  if (memo !== undefined) return memo;
  const root = projectRoot();
  const hash = createHash("sha256");
  const version = existsSync(join(root, "package.json")) ? (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string }).version : undefined;
  hash.update(`version ${version ?? "none"}\n`);
  for (const dep of deps) hash.update(`${dep} ${installed(dep)}\n`);
  const code = __filename.endsWith(".js") ? [__filename] : sourceFiles(root, sources);
  for (const file of code) hash.update(`${file.slice(root.length)} ${sha256(readFileSync(file))}\n`);
  const digest = hash.digest("hex");
  programMemo.set(memoKey, digest);
  return digest;
}

const Annotation = z.object({ constructPath: z.string(), level: z.string(), message: z.string(), stacktrace: z.array(z.string()).optional() }).strict();
export type StackAnnotation = z.infer<typeof Annotation>;

/** A stack's name as cdktf uses it for a folder: never a path of its own. */
const StackName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
const Entry = z.object({ key: z.string(), file: z.string(), annotations: z.array(Annotation) }).strict();
const Index = z.object({ format: z.literal(FORMAT), program: z.string(), stackFile: z.string(), stacks: z.record(StackName, Entry) }).strict();

/** What the index records of one stack: its key, its file's digest, cdktf's annotations of it (for the manifest). */
export type IndexEntry = z.infer<typeof Entry>;

/** The stacks of the last synth into an output folder, as far as they can be trusted. */
export class SynthCache {
  private readonly previous: ReadonlyMap<string, IndexEntry>;
  private readonly next = new Map<string, IndexEntry>();

  /**
   * Reads `<outdir>/synth-cache.json`. `cold`: reads nothing (every stack is
   * built), and still writes a new index at the end. `stackFile`: cdk.tf.json,
   * or cdk.tf when cdktf writes HCL.
   */
  constructor(
    readonly outdir: string,
    readonly program: string,
    readonly stackFile: string,
    cold = false,
  ) {
    this.previous = cold ? new Map() : this.read();
  }

  private read(): Map<string, IndexEntry> {
    let parsed: z.infer<typeof Index>;
    try {
      parsed = Index.parse(JSON.parse(readFileSync(join(this.outdir, INDEX_FILE), "utf8")));
    } catch {
      return new Map(); // missing, unreadable or not ours: cold
    }
    if (parsed.program !== this.program || parsed.stackFile !== this.stackFile) return new Map();
    return new Map(Object.entries(parsed.stacks));
  }

  private path(name: string): string {
    return join(this.outdir, "stacks", name, this.stackFile);
  }

  /** The stack's previous entry when its output can be kept: same key, file present and as written. Recorded for the next index. */
  reusable(name: string, key: string): IndexEntry | undefined {
    const entry = this.previous.get(name);
    if (entry === undefined || entry.key !== key) return undefined;
    let content: Buffer;
    try {
      content = readFileSync(this.path(name));
    } catch {
      return undefined;
    }
    if (sha256(content) !== entry.file) return undefined;
    this.next.set(name, entry);
    return entry;
  }

  /** Records a stack just written, reading back its file. */
  written(name: string, key: string, annotations: readonly StackAnnotation[]): void {
    this.next.set(name, { key, file: sha256(readFileSync(this.path(name))), annotations: [...annotations] });
  }

  /**
   * Removes the file of every stack the previous synth wrote that this one did
   * not (an account gone from the map), and its folder when nothing else is in
   * it, as a cold synth into an empty folder would not have it. Returns their names.
   */
  removeGone(): string[] {
    const gone = [...this.previous.keys()].filter((name) => !this.next.has(name)).sort(byCodePoint);
    for (const name of gone) {
      rmSync(this.path(name), { force: true });
      try {
        rmdirSync(dirname(this.path(name)));
      } catch {
        // not empty (Terraform's files): the folder stays, as cdktf's CLI removes it
      }
    }
    return gone;
  }

  /** Writes the index of this synth (stacks by name in code-point order), by rename. */
  save(): void {
    const stacks = Object.fromEntries([...this.next].sort(([a], [b]) => byCodePoint(a, b)));
    const text = `${JSON.stringify({ format: FORMAT, program: this.program, stackFile: this.stackFile, stacks }, null, 1)}\n`;
    const tmp = join(this.outdir, `${INDEX_FILE}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.outdir, INDEX_FILE));
  }

  /** Removes the index: what a synth that keeps none leaves. */
  static remove(outdir: string): void {
    rmSync(join(outdir, INDEX_FILE), { force: true });
  }
}

/** The digest of a stack's key parts: the program, how the app writes, and the stack's own inputs' text. */
export function stackKey(program: string, app: string, stack: string): string {
  return sha256(`${program}\n${app}\n${stack}`);
}
