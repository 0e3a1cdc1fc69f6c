/**
 * The one entry point to the config layer: text or file in, frozen {@link Model}
 * out, or a {@link ConfigError} listing every problem.
 */
import { readFileSync } from "node:fs";
import { checkActions } from "./actions";
import { ConfigError, type ConfigIssue } from "./errors";
import type { Model } from "./model";
import { resolve } from "./resolve";
import { Source } from "./source";

/** The map `main.ts` reads unless `ACCOUNT_MAP` names another. */
export const DEFAULT_MAP = "config/accounts.yaml";

/** The parsed text and its model; the source stays available for locating later checks. */
export interface Loaded {
  readonly model: Model;
  readonly source: Source;
}

/** Parses, validates and resolves an account map given as text. */
export async function loadAccountMapText(text: string, file: string): Promise<Loaded> {
  const { source, value, issues } = Source.parse(text, file);
  if (issues.length > 0) throw new ConfigError(issues);
  const all: ConfigIssue[] = [];
  const model = resolve(value, source, all);
  // Actions are checked even when other parts failed, so one run reports everything.
  if (model) all.push(...(await checkActions(model, source)));
  if (!model || all.length > 0) throw new ConfigError(all);
  return { model, source };
}

/** Reads and loads an account map file. A missing or unreadable file is a ConfigError too. */
export async function loadAccountMap(file: string): Promise<Loaded> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read the file: ${(e as Error).message}`;
    throw new ConfigError([
      { file, line: 1, column: 1, path: "", message: reason, hint: `set ACCOUNT_MAP to the map's path, or create ${DEFAULT_MAP}` },
    ]);
  }
  return loadAccountMapText(text, file);
}
