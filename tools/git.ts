/**
 * The account map as it was at a git revision, read with `git show` (nothing is
 * checked out, the working tree is untouched).
 */
import { execFileSync } from "node:child_process";
import { basename, dirname, relative, resolve } from "node:path";
import { importsFileOf } from "../config/imports";
import { CommandError, UsageError } from "./cli";

const git = (args: string[]): string => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });

/** The map file's path inside the repository, its text at `ref` (undefined when it did not exist there) and its import records there. */
export function mapAtRevision(ref: string, mapFile: string): { gitPath: string; text?: string; imports?: { text: string; file: string } } {
  let root: string;
  try {
    root = git(["rev-parse", "--show-toplevel"]).trim();
  } catch {
    throw new UsageError(`${ref}: comparing with a revision needs a git checkout`);
  }
  try {
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`${ref}: no such git revision`);
  }
  const gitPath = relative(root, resolve(mapFile)).split("\\").join("/");
  const text = showAt(ref, gitPath);
  if (text === undefined) return { gitPath };
  // The import records beside the map (config/imports.ts), as they were then: they are part of what the stacks are built from.
  const importsPath = importsFileOf(gitPath);
  const imports = showAt(ref, importsPath);
  return { gitPath, text, ...(imports !== undefined ? { imports: { text: imports, file: `${importsPath}@${ref}` } } : {}) };
}

/** A file's text at a revision; undefined when the revision does not hold it. */
function showAt(ref: string, gitPath: string): string | undefined {
  try {
    return git(["show", `${ref}:${gitPath}`]);
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (/exists on disk, but not in|does not exist in/.test(stderr)) return undefined;
    throw new CommandError(`git cannot show ${gitPath} at ${ref}: ${stderr.trim() || (e as Error).message}`);
  }
}

/** One committed revision of the map: its commit and the map's text there. */
export interface MapRevision {
  readonly revision: string;
  readonly text: string;
}

/**
 * Every committed revision of the map file, newest first (`git log -- <file>`, run
 * in the file's folder). None outside a git checkout or when the file was never
 * committed. A revision where the file was deleted has no text and is left out.
 */
export function mapHistory(mapFile: string): MapRevision[] {
  const cwd = dirname(resolve(mapFile));
  const file = basename(mapFile);
  const inDir = (args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  let revisions: string[];
  try {
    revisions = inDir(["log", "--format=%H", "--", file]).split("\n").filter(Boolean);
  } catch {
    return [];
  }
  const out: MapRevision[] = [];
  for (const revision of revisions) {
    try {
      out.push({ revision, text: inDir(["show", `${revision}:./${file}`]) });
    } catch {
      // Deleted in this revision: nothing to read.
    }
  }
  return out;
}
