/**
 * Synthesized stacks on disk for the access tests, and ways to break them the way
 * a bad change or a hand edit would.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeModel } from "../../app";
import { analyze, type Analysis } from "../../access/analyze";
import type { PolicyJson, StatementJson } from "../../access/types";
import { loadAccountMapText } from "../../config/load";
import type { Model } from "../../config/model";
import { EXAMPLE_MAP, exampleText } from "../helpers";

/** A map synthesized into a fresh temporary folder. */
export async function synthesized(text = exampleText(), file = EXAMPLE_MAP): Promise<{ model: Model; outdir: string }> {
  const { model } = await loadAccountMapText(text, file);
  const outdir = mkdtempSync(join(tmpdir(), "access-test-"));
  synthesizeModel(model, { outdir });
  return { model, outdir };
}

type Json = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

/**
 * A copy of `outdir` with one policy attribute of one resource rewritten by `edit`:
 * `address` is `<stack> <type>.<name>`, `field` the attribute holding the JSON.
 */
export function withPolicy(outdir: string, address: string, edit: (doc: { Version: string; Statement: StatementJson[] }) => void, field = "policy"): string {
  const copy = mkdtempSync(join(tmpdir(), "access-broken-"));
  cpSync(outdir, copy, { recursive: true });
  const [stack, ref] = address.split(" ");
  const [type, name] = ref.split(".");
  const file = join(copy, "stacks", stack, "cdk.tf.json");
  const tf = JSON.parse(readFileSync(file, "utf8")) as Json;
  const r = tf.resource[type]?.[name];
  if (!r) throw new Error(`no ${ref} in stack ${stack}`);
  const doc = JSON.parse(r[field] as string) as { Version: string; Statement: StatementJson[] };
  edit(doc);
  r[field] = JSON.stringify(doc satisfies PolicyJson);
  writeFileSync(file, JSON.stringify(tf));
  return copy;
}

/** Analyzes `outdir` against the model. */
export const analyzed = (model: Model, outdir: string): Promise<Analysis> => analyze(model, outdir);

/** A statement by Sid, to edit in place. */
export type MutableStatement = { -readonly [K in keyof StatementJson]: StatementJson[K] };

export function sid(doc: { Statement: StatementJson[] }, id: string): MutableStatement {
  const s = doc.Statement.find((x) => x.Sid === id);
  if (!s) throw new Error(`no statement ${id}; have ${doc.Statement.map((x) => x.Sid).join(", ")}`);
  return s as MutableStatement;
}
