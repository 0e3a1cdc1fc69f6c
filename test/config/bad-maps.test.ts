/**
 * Every bad map is refused with the whole report pinned: file:line:column, path,
 * what is wrong, what would be right. One folder per case under test/fixtures/bad/.
 */
import { readdirSync, readFileSync } from "node:fs";
import { ConfigError } from "../../config/errors";
import { DEFAULT_MAP, loadAccountMap } from "../../config/load";
import { planWithinLimits } from "../../policies/limits";

const FIXTURES = "test/fixtures/bad";
const cases = readdirSync(FIXTURES).sort();

async function errorFor(file: string): Promise<ConfigError> {
  try {
    const { model } = await loadAccountMap(file);
    planWithinLimits(model);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

test("the fixtures cover every kind of bad map the loader must refuse", () => {
  expect(cases).toEqual(
    expect.arrayContaining([
      "malformed-yaml",
      "unknown-key",
      "missing-id",
      "unquoted-id",
      "id-not-12-digits",
      "duplicate-id",
      "unknown-account",
      "unknown-group",
      "unknown-role",
      "unknown-external",
      "external-without-external-id",
      "duration-out-of-range",
      "invalid-role-name",
      "invalid-group-name",
      "invalid-bucket-name",
      "unknown-action",
      "policy-too-large",
    ]),
  );
});

test.each(cases)("%s: refused with the pinned report", async (name) => {
  const file = `${FIXTURES}/${name}/accounts.yaml`;
  const error = await errorFor(file);
  expect(error.message).toBe(readFileSync(`${FIXTURES}/${name}/expected.txt`, "utf8").trimEnd());
});

test("every reported line has the file:line:column path: message (hint) shape", async () => {
  for (const name of cases) {
    const error = await errorFor(`${FIXTURES}/${name}/accounts.yaml`);
    for (const line of error.message.split("\n").slice(0, -1)) {
      expect(line).toMatch(/^test\/fixtures\/bad\/[a-z0-9-]+\/accounts(\.imports)?\.yaml:\d+:\d+ (\S+: )?.+ \(.+\)$/);
    }
  }
});

// The hint names the map the program reads by default (DEFAULT_MAP), the user's own: no test names it.
test("a missing map file is a located error, not a crash", async () => {
  const error = await errorFor("no/such/map.yaml");
  expect(error.message).toBe(
    `no/such/map.yaml:1:1 file not found (set ACCOUNT_MAP to the map's path, or create ${DEFAULT_MAP})\n` +
      "1 problem in no/such/map.yaml; nothing was synthesized.",
  );
});
