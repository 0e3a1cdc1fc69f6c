import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { loadAccountMapText } from "../config/load";
import type { Model } from "../config/model";
import type { PolicyDocument, Statement } from "../policies/document";
import { planWithinLimits } from "../policies/limits";
import type { AccountPlan } from "../policies/plan";
import { AccountStack } from "../stacks/account-stack";

/** The tests' own copy of the example map: the user's map is theirs, and no test reads it. */
export const EXAMPLE_MAP = "test/fixtures/example/accounts.yaml";
export const exampleText = (): string => readFileSync(EXAMPLE_MAP, "utf8");

/** Loads and plans a map given as text. */
export async function plan(text: string, file = "test.yaml"): Promise<{ model: Model; plans: AccountPlan[] }> {
  const { model } = await loadAccountMapText(text, file);
  return { model, plans: planWithinLimits(model) };
}

/** Synthesizes every stack of a map: stack name → parsed Terraform JSON. Runs construct validations. */
export async function synth(text: string, opts: { localEndpoint?: string } = {}): Promise<Record<string, TfJson>> {
  const { model, plans } = await plan(text);
  const app = Testing.app();
  const out: Record<string, TfJson> = {};
  for (const p of plans) {
    const stack = new AccountStack(app, { plan: p, state: model.state, tags: model.tags, ...opts });
    out[p.account.name] = JSON.parse(Testing.synth(stack, true));
  }
  return out;
}

/** Synthesizes one stack and returns the JSON string the cdktf matchers take. */
export async function synthString(text: string, account: string): Promise<string> {
  const { model, plans } = await plan(text);
  const p = plans.find((x) => x.account.name === account)!;
  return Testing.synth(new AccountStack(Testing.app(), { plan: p, state: model.state, tags: model.tags }), true);
}

export type TfJson = {
  terraform: Record<string, unknown> & { backend: Record<string, Record<string, unknown>> };
  provider: { aws: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
};

/** A resource's attributes without cdktf's metadata. */
export function resource(tf: TfJson, type: string, name: string): Record<string, unknown> {
  const r = tf.resource[type]?.[name];
  if (!r) throw new Error(`no ${type}.${name}; have: ${Object.keys(tf.resource[type] ?? {}).join(", ")}`);
  const { ["//"]: _meta, ...rest } = r;
  return rest;
}

/** Parses a policy attribute of a resource. */
export function policy(tf: TfJson, type: string, name: string, field = "policy"): PolicyDocument {
  return JSON.parse(resource(tf, type, name)[field] as string);
}

/** Statements of a document with the given Sid. */
export function statement(doc: PolicyDocument | undefined, sid: string): Statement {
  const s = doc?.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}; have: ${doc?.Statement.map((x) => x.Sid).join(", ")}`);
  return s;
}

/** Every address (`type.name`) in a stack. */
export function addresses(tf: TfJson): string[] {
  return Object.entries(tf.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)).sort();
}

/** Every file under `dir`, by path relative to it, with its content, in code point order. */
export function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}
