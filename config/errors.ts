/**
 * User-input errors. Every problem in an account map becomes one {@link ConfigIssue}
 * with its position; the loader collects them all and throws one {@link ConfigError}.
 */
import { byCodePoint } from "./order";

/** One located problem in the account map. */
export interface ConfigIssue {
  /** File the problem is in, as the user named it. */
  readonly file: string;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
  /** Dotted path in the map, e.g. `accounts.prod.roles.UpdateProdApp.assumableBy[0]`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** What would be right. */
  readonly hint: string;
}

/** Formats one issue as `<file>:<line>:<column> <path>: <what is wrong> (<what would be right>)`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const path = issue.path === "" ? "" : ` ${issue.path}:`;
  return `${where}${path} ${issue.message} (${issue.hint})`;
}

/** Orders issues by position so a report reads top to bottom like the file. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) =>
      byCodePoint(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      byCodePoint(a.path, b.path) ||
      byCodePoint(a.message, b.message),
  );
}

/** Thrown when the account map is invalid: carries every problem found, in file order. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const sorted = sortIssues(issues);
    super(ConfigError.report(sorted));
    this.name = "ConfigError";
    this.issues = sorted;
  }

  /** The full report: one line per issue, then a count. */
  static report(issues: readonly ConfigIssue[]): string {
    const n = issues.length;
    const files = [...new Set(issues.map((i) => i.file))].join(", ");
    return [
      ...issues.map(formatIssue),
      `${n} problem${n === 1 ? "" : "s"} in ${files}; nothing was synthesized.`,
    ].join("\n");
  }
}

/** Builds issues for one file; keeps checks free of file-name plumbing. */
export type IssueSink = (at: Located, message: string, hint: string) => void;

/** A position in the map: where an entity or value was declared. */
export interface Located {
  readonly line: number;
  readonly column: number;
  readonly path: string;
}
