/**
 * The map's positional parse (config/source.ts) can be let go once the positions
 * a caller needs are read: those stay, and a later look-up parses again and
 * finds the same place.
 */
import { Source } from "../../config/source";

const TEXT = ["accounts:", "  prod:", "    id: '111111111111'", "    roles:", "      Deploy:", "        assumableBy: [dev/ci]", ""].join("\n");

test("forgetPositions: a location read before keeps its line; one read after is parsed again, at the same place", () => {
  const { source, issues } = Source.parse(TEXT, "map.yaml");
  expect(issues).toEqual([]);
  const prod = source.lazyLocation(undefined, "accounts", "prod");
  const deploy = source.lazyLocation(prod, "roles", "Deploy");
  const later = source.lazyLocation(deploy, "assumableBy", 0);
  // A role's location is its value's (the mapping under `Deploy:`, line 6, column 9).
  expect([deploy.line, deploy.column, deploy.path]).toEqual([6, 9, "accounts.prod.roles.Deploy"]);
  const before = source.locate(["accounts", "prod", "roles", "Deploy", "assumableBy", 0]);
  expect(before).toEqual({ line: 6, column: 23, path: "accounts.prod.roles.Deploy.assumableBy[0]" });
  source.forgetPositions();
  expect([deploy.line, deploy.column, deploy.path]).toEqual([6, 9, "accounts.prod.roles.Deploy"]);
  expect([later.line, later.column, later.path]).toEqual([6, 23, "accounts.prod.roles.Deploy.assumableBy[0]"]);
  expect(source.locate(["accounts", "prod", "roles", "Deploy", "assumableBy", 0])).toEqual(before);
});
