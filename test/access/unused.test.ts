/**
 * The unused-access review's decision (access/unused.ts), from IAM last-used data
 * given as it would come back: each declared grant nobody used in the window is
 * listed with the map line to delete; grants used inside it are not.
 */
import { loadAccountMapText } from "../../config/load";
import type { Model } from "../../config/model";
import { renderUnused, unusedGrants, type LastUsed } from "../../access/unused";
import { EXAMPLE_MAP, exampleText } from "../helpers";

const NOW = new Date("2026-06-30T12:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
let model: Model;
beforeAll(async () => {
  ({ model } = await loadAccountMapText(exampleText(), EXAMPLE_MAP));
});

/** Every role of the map exists, used `roleDays` ago (undefined: never); every group has one member, active `userDays` ago. */
function lastUsed(roleDays: Record<string, number | undefined>, userDays: Record<string, number | undefined>): LastUsed {
  const roles = new Map(model.accounts.flatMap((a) => a.roles.map((r) => [r.arn, roleDays[`${a.name}/${r.name}`] === undefined ? undefined : daysAgo(roleDays[`${a.name}/${r.name}`]!)] as const)));
  const groups = new Map(
    model.accounts.flatMap((a) => a.groups.map((g) => [g.arn, [{ user: "someone", ...(userDays[`${a.name}/${g.name}`] === undefined ? {} : { lastUsed: daysAgo(userDays[`${a.name}/${g.name}`]!) }) }]] as const)),
  );
  return { roles, groups };
}

const everyRole = () => Object.fromEntries(model.accounts.flatMap((a) => a.roles.map((r) => [`${a.name}/${r.name}`, 1])));
const everyGroup = () => Object.fromEntries(model.accounts.flatMap((a) => a.groups.map((g) => [`${a.name}/${g.name}`, 1])));

test("WHEN every role and every group member was active yesterday THEN nothing is listed", () => {
  expect(unusedGrants(model, lastUsed(everyRole(), everyGroup()), NOW, 90)).toEqual([]);
});

test("WHEN a role was last assumed 120 days ago THEN each of its callers is listed at its assumableBy line", () => {
  const list = unusedGrants(model, lastUsed({ ...everyRole(), "prod/UpdateProdApp": 120 }, everyGroup()), NOW, 90);
  expect(list).toEqual([
    { caller: "dev/developers", target: "prod/role/UpdateProdApp", declaredAt: expect.stringMatching(/^test\/fixtures\/example\/accounts\.yaml:\d+:\d+ accounts\.prod\.roles\.UpdateProdApp\.assumableBy\[0\]$/), why: "prod/role/UpdateProdApp last used 2026-03-02" },
  ]);
  // Within a longer window it counts as used.
  expect(unusedGrants(model, lastUsed({ ...everyRole(), "prod/UpdateProdApp": 120 }, everyGroup()), NOW, 150)).toEqual([]);
});

test("WHEN no member of a group was active THEN its role and bucket grants are listed", () => {
  const list = unusedGrants(model, lastUsed(everyRole(), { ...everyGroup(), "staging/testers": undefined }), NOW, 90);
  expect(list.length).toBeGreaterThan(0);
  for (const u of list) expect([u.caller, u.why]).toEqual(["staging/testers", "no member of staging/testers ever signed in or used a key"]);
  expect(list.map((u) => u.target)).toContain("prod/bucket/production-test-bucket-101");
});

test("WHEN a role was never assumed THEN the text names it, one line per grant and a count", () => {
  const list = unusedGrants(model, lastUsed({ ...everyRole(), "staging/StagingAccess": undefined }, everyGroup()), NOW, 90);
  expect(renderUnused(list, 90)).toMatch(/^unused: test\/fixtures\/example\/accounts\.yaml:\d+:\d+ accounts\.staging\.roles\.StagingAccess\.assumableBy\[0\]: dev\/developers → staging\/role\/StagingAccess \(staging\/role\/StagingAccess never used\); delete this line if nobody needs it\naccess: 1 declared grant unused in the last 90 days\n$/);
});
