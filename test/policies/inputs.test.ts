/**
 * Planning only some accounts (plan.ts `only`, from the declarations inputs.ts
 * finds) gives each of their plans exactly as planning the whole map does: what
 * lets an incremental synth plan only the stacks it builds.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { loadAccountMapText } from "../../config/load";
import type { Account, Model } from "../../config/model";
import { planDependencies } from "../../policies/inputs";
import { type AccountPlan, type CompactMode, planAccounts } from "../../policies/plan";
import { stackKeyText } from "../../stacks/stack-key";

const FIXTURES = [
  "test/fixtures/example/accounts.yaml",
  "test/fixtures/good/baseline.yaml",
  "test/fixtures/good/callers.yaml",
  "test/fixtures/good/kinds-keys.yaml",
  "test/fixtures/good/kinds-messaging.yaml",
  "test/fixtures/spec-example/accounts.yaml",
  "test/fixtures/scale/accounts-100.yaml",
];

const load = async (file: string): Promise<Model> => (await loadAccountMapText(readFileSync(file, "utf8"), file)).model;

/** Every plan as text (every document, every resolved name), by account name. */
const texts = (model: Model, plans: readonly AccountPlan[]): Map<string, string> => new Map(plans.map((p) => [p.account.name, stackKeyText(p, new Set(model.accounts))]));

describe.each(FIXTURES)("%s", (file) => {
  test.each<CompactMode>(["past-quota", "always"])("each account planned alone is planned as in the whole map (compact form: %s)", async (compact) => {
    const model = await load(file);
    const whole = texts(model, planAccounts(model, compact));
    for (const account of model.accounts) {
      const alone = planAccounts(model, compact, new Set([account]));
      expect(alone.map((p) => p.account)).toEqual([account]);
      expect(texts(model, alone).get(account.name)).toBe(whole.get(account.name));
    }
  });

  test("any set of accounts is planned in map order, each as in the whole map", async () => {
    const model = await load(file);
    const whole = texts(model, planAccounts(model));
    fc.assert(
      fc.property(fc.subarray([...model.accounts]), (some) => {
        const plans = planAccounts(model, "past-quota", new Set<Account>(some));
        expect(plans.map((p) => p.account.name)).toEqual(model.accounts.filter((a) => some.includes(a)).map((a) => a.name));
        for (const [name, text] of texts(model, plans)) expect(text).toBe(whole.get(name));
      }),
      { numRuns: 20, seed: 15 },
    );
  });
});

test("an account's dependencies are itself and the accounts that name its groups and roles, in map order", async () => {
  const deps = planDependencies(await load("test/fixtures/example/accounts.yaml"));
  const names = new Map([...deps].map(([a, list]) => [a.name, list.map((d) => d.name)]));
  // prod's roles and bucket name staging's and dev's callers: their identity halves are in staging and dev.
  expect(names.get("staging")).toEqual(["staging", "prod"]);
  expect(names.get("dev")).toEqual(["dev", "prod", "staging"]);
  expect(names.get("prod")).toEqual(["prod"]);
});
