/**
 * A stack's key text (stacks/stack-key.ts): everything the planner and the
 * builder read, and nothing that leaves the stack as it is (where declarations
 * stand in the file, what other accounts hold that does not name it).
 */
import { readFileSync } from "node:fs";
import { Testing } from "cdktf";
import { importsOf } from "../../config/imports";
import type { Model } from "../../config/model";
import type { AccountPlan } from "../../policies/plan";
import { KINDS } from "../../resources";
import { AccountStack } from "../../stacks/account-stack";
import { planInputs } from "../../policies/inputs";
import { stackKeyText } from "../../stacks/stack-key";
import { exampleText, plan } from "../helpers";

/** Every stack's key text (its plan's inputs in place of the plan, as app.ts writes it), by stack name. */
async function keys(text: string): Promise<Map<string, string>> {
  const { model } = await plan(text);
  const accounts = new Set<object>(model.accounts);
  const inputs = planInputs(model);
  return new Map(model.accounts.map((a) => [a.name, stackKeyText({ plan: inputs.get(a)!, state: model.state, tags: model.tags, imports: importsOf(model, a.name) }, accounts)]));
}

const props = (model: Model, p: AccountPlan) => ({ plan: p, state: model.state, tags: model.tags, imports: importsOf(model, p.account.name) });

/** The stacks whose key differs between two maps' keys. */
const differing = (a: Map<string, string>, b: Map<string, string>): string[] => [...a.keys()].filter((name) => a.get(name) !== b.get(name)).sort();

test("the same map gives the same keys, and lines moved in the file change none", async () => {
  const base = await keys(exampleText());
  expect(differing(base, await keys(exampleText()))).toEqual([]);
  // Every declaration moves three lines down: its `at` changes, its stack does not.
  expect(differing(base, await keys(exampleText().replace("accounts:\n", "accounts:\n  # one\n  # two\n  # three\n")))).toEqual([]);
});

test("a change to one account's own contents changes its key alone, and a change to a policy it holds changes its key", async () => {
  const base = await keys(exampleText());
  // A group nobody is granted anything: only prod holds it.
  expect(differing(base, await keys(exampleText().replace("groups: [release-managers]", "groups: [release-managers, auditors]")))).toEqual(["prod"]);
  // staging's testers lose their read on prod's bucket: the bucket policy (prod) and the group's policy (staging) change.
  expect(differing(base, await keys(exampleText().replace(/^ +staging\/testers: read\n/m, "")))).toEqual(["prod", "staging"]);
});

const FIXTURES = ["test/fixtures/example/accounts.yaml", "test/fixtures/good/baseline.yaml", "test/fixtures/good/callers.yaml", "test/fixtures/good/kinds-keys.yaml", "test/fixtures/good/kinds-messaging.yaml", "test/fixtures/spec-example/accounts.yaml"];

test.each(FIXTURES)("the key leaves nothing the builder reads out: %s, built from plans whose every `at` and every account's lists throw when read, gives the same stacks", async (file) => {
  const { model, plans } = await plan(readFileSync(file, "utf8"), file);
  for (const p of plans) {
    const expected = Testing.synth(new AccountStack(Testing.app(), props(model, p)));
    const guarded = guardedPlan(p, new Set(model.accounts));
    expect(() => (guarded.account as unknown as { at: unknown }).at).toThrow("read `at`");
    expect(Testing.synth(new AccountStack(Testing.app(), { ...props(model, p), plan: guarded }))).toBe(expected);
  }
});

/**
 * A copy of a plan's object graph (shared parts and cycles kept, resource kinds
 * as they are) in which every `at`, and every field of an account that is not
 * a scalar (its groups, roles, resources), is a getter that throws: what the
 * key leaves out. Frozen objects cannot be proxied to answer otherwise, hence the copy.
 */
function guardedPlan(root: AccountPlan, accounts: ReadonlySet<object>): AccountPlan {
  const copies = new Map<object, object>();
  const kinds = new Set<object>(KINDS);
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== "object" || kinds.has(v)) return v;
    const done = copies.get(v);
    if (done) return done;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      for (const x of v) out.push(copy(x));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      copies.set(v, out);
      for (const [k, x] of v) out.set(k, copy(x));
      return out;
    }
    const out = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
    copies.set(v, out);
    const other = accounts.has(v);
    const thrower = (what: string) => () => {
      throw new Error(`the builder read ${what}`);
    };
    for (const [k, x] of Object.entries(v)) {
      if (k === "at") Object.defineProperty(out, k, { enumerable: true, get: thrower("`at`") });
      else if (other && x !== null && typeof x === "object") Object.defineProperty(out, k, { enumerable: true, get: thrower(`an account's ${k}`) });
      else out[k] = copy(x);
    }
    return out;
  };
  return copy(root) as AccountPlan;
}

test("a role named like those a group assumes in many accounts, added where it is not granted, changes the group's stack: its compact form's guard lists it", async () => {
  // 200 accounts' role `ops`, assumed by hub/people: past a group's 5,120 characters, so the compact form (policies/compact.ts).
  const spoke = (i: number, trusted: boolean) =>
    `  s${i}:\n    id: "${String(200000000000 + i)}"\n    roles:\n      ops: { assumableBy: [${trusted ? "hub/people" : "service/ec2.amazonaws.com"}] }`;
  const map = (extra: string) =>
    `version: 1\ndefaults: { region: us-east-1 }\naccounts:\n  hub:\n    id: "100000000000"\n    groups: [people]\n${Array.from({ length: 200 }, (_, i) => spoke(i, true)).join("\n")}\n${extra}`;
  const before = await keys(map(""));
  const after = await keys(map(`${spoke(999, false)}\n`));
  const guard = async (text: string) => (await plan(text)).plans.find((p) => p.account.name === "hub")!.groups[0].inlinePolicy!.Statement.find((s) => s.Sid === "DenyUngrantedRoles");
  expect(JSON.stringify((await guard(map(`${spoke(999, false)}\n`)))?.Resource)).toContain("200000000999");
  expect(differing(new Map([...before].filter(([name]) => name !== "s999")), after)).toEqual(["hub"]);
});
