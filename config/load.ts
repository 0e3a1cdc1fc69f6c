/**
 * The one entry point to the config layer: text or file in, frozen {@link Model}
 * out, or a {@link ConfigError} listing every problem.
 */
import { existsSync, readFileSync } from "node:fs";
import { checkActions } from "./actions";
import { ConfigError, type ConfigIssue } from "./errors";
import type { Model } from "./model";
import { importsFileOf, resolveImports } from "./imports";
import { resolve } from "./resolve";
import { Source } from "./source";

/** The map `main.ts` reads unless `ACCOUNT_MAP` names another. */
export const DEFAULT_MAP = "config/accounts.yaml";

/** The parsed text and its model; the source stays available for locating later checks. */
export interface Loaded {
  readonly model: Model;
  readonly source: Source;
}

/** The text of a map's import records (config/imports.ts) and the file it is reported as. */
export interface ImportsText {
  readonly text: string;
  readonly file: string;
}

/** Parses, validates and resolves an account map given as text, with its import records when given. */
export async function loadAccountMapText(text: string, file: string, imports?: ImportsText): Promise<Loaded> {
  const { source, value, issues } = Source.parse(text, file);
  if (issues.length > 0) throw new ConfigError(issues);
  const all: ConfigIssue[] = [];
  let model = resolve(value, source, all);
  // Actions are checked even when other parts failed, so one run reports everything.
  if (model) all.push(...(await checkActions(model, source)));
  if (model && imports) {
    const { records, issues: recordIssues } = resolveImports(imports.text, imports.file, model);
    all.push(...recordIssues);
    if (records.length > 0) model = Object.freeze({ ...model, imports: Object.freeze(records) });
  }
  if (!model || all.length > 0) throw new ConfigError(all);
  return { model, source };
}

/** A map's text as read from its file, with its import records' text when that file exists. */
export interface MapText {
  readonly text: string;
  readonly file: string;
  readonly imports?: ImportsText;
}

/**
 * Reads and loads an account map file, with its import records (`<map>.imports.yaml`)
 * when that file exists. A missing or unreadable map is a ConfigError too.
 */
export async function loadAccountMap(file: string): Promise<Loaded> {
  const map = readAccountMap(file);
  return loadAccountMapText(map.text, map.file, map.imports);
}

/** Reads a map file and its import records (see {@link loadAccountMap}) without loading them. */
export function readAccountMap(file: string): MapText {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read the file: ${(e as Error).message}`;
    throw new ConfigError([
      { file, line: 1, column: 1, path: "", message: reason, hint: `set ACCOUNT_MAP to the map's path, or create ${DEFAULT_MAP}` },
    ]);
  }
  const importsFile = importsFileOf(file);
  if (!existsSync(importsFile)) return { text, file };
  try {
    return { text, file, imports: { text: readFileSync(importsFile, "utf8"), file: importsFile } };
  } catch (e) {
    throw new ConfigError([{ file: importsFile, line: 1, column: 1, path: "", message: `cannot read the file: ${(e as Error).message}`, hint: "make it readable, or remove it" }]);
  }
}
