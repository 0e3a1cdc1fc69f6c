/** The model is resolved once and never changed: everything reachable from it is frozen. */
import { readFileSync } from "node:fs";
import { loadAccountMapText } from "../../config/load";
import { generateMap } from "../../scripts/bench/generate";
import { exampleText } from "../helpers";

/** Every object and array reachable from `root` that is not frozen, by the path that reaches it first. */
function unfrozen(root: object): string[] {
  const seen = new Set<object>();
  const out: string[] = [];
  const pending: [object, string][] = [[root, "model"]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [o, path] = next;
    if (seen.has(o)) continue;
    seen.add(o);
    if (!Object.isFrozen(o)) out.push(path);
    for (const [key, v] of Object.entries(o)) if (v !== null && typeof v === "object") pending.push([v, `${path}.${key}`]);
  }
  return out;
}

const maps: [string, string][] = [
  ["the example map", exampleText()],
  ["the format document's example", readFileSync("test/fixtures/spec-example/accounts.yaml", "utf8")],
  ["test/fixtures/good/base.yaml", readFileSync("test/fixtures/good/base.yaml", "utf8")],
  ["test/fixtures/good/baseline.yaml", readFileSync("test/fixtures/good/baseline.yaml", "utf8")],
  ["a generated map of 30 accounts", generateMap({ accounts: 30, seed: 7 }).text],
  // Long-form policies (allowWildcards) and their statements.
  [
    "a map with a long-form policy",
    `version: 1
defaults: { region: us-east-1 }
accounts:
  dev:
    id: "111111111111"
    groups: [developers]
    policies:
      ops: { allowWildcards: true, statements: [{ actions: ["s3:*"], resources: ["*"] }] }
    roles:
      runner: { assumableBy: [dev/developers, service/ec2.amazonaws.com], policies: [ops] }
`,
  ],
];

test.each(maps)("every object of the model of %s is frozen", async (name, text) => {
  const { model } = await loadAccountMapText(text, name);
  expect(model.accounts.length).toBeGreaterThan(0);
  expect(unfrozen(model)).toEqual([]);
  // Locations are computed on first read, after freezing; reading one still works.
  expect(model.accounts[0].at.line).toBeGreaterThan(0);
});
