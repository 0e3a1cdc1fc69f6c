/**
 * The declared grants (access/intent.ts) as the rest of the check reads them: their
 * fields as own properties, where each stands in the map read on demand, and as
 * JSON (report.json) every field, `declaredAt` included, in the interface's order.
 */
import { intendedAccess } from "../../access/intent";
import { loadAccountMapText } from "../../config/load";
import { EXAMPLE_MAP, exampleText } from "../helpers";

test("a grant's own fields, its place in the map on demand, and its JSON in the interface's order", async () => {
  const { model } = await loadAccountMapText(exampleText(), EXAMPLE_MAP);
  const intents = intendedAccess(model);
  const external = intents.find((i) => i.externalId !== undefined)!;
  const plain = intents.find((i) => i.externalId === undefined)!;
  expect(Object.keys(external)).toEqual(["caller", "target", "actions", "mfa", "externalId", "what"]);
  expect(Object.keys(plain)).toEqual(["caller", "target", "actions", "mfa", "what"]);
  expect(external.declaredAt).toMatch(/^test\/fixtures\/example\/accounts\.yaml:\d+ accounts\.prod\.roles\.Monitoring\.assumableBy\[0\]$/);
  const json = JSON.parse(JSON.stringify(external)) as Record<string, unknown>;
  expect(Object.keys(json)).toEqual(["caller", "target", "actions", "mfa", "externalId", "declaredAt", "what"]);
  expect(json).toEqual({ ...external, declaredAt: external.declaredAt });
  expect(Object.keys(JSON.parse(JSON.stringify(plain)))).toEqual(["caller", "target", "actions", "mfa", "declaredAt", "what"]);
});
