/**
 * A good map is planned and checked without its YAML Document: positions are
 * looked up only for a problem to report (config/source.ts builds the Document on
 * the first lookup, seconds for a large map). A bad map is still located.
 */
import { loadAccountMapText } from "../../config/load";
import { ConfigError } from "../../config/errors";
import { Source } from "../../config/source";
import { planWithinLimits } from "../../policies/limits";
import { exampleText } from "../helpers";

// The private method that builds the Document (and parses the map a second time).
const documentBuilt = () => jest.spyOn(Source.prototype as unknown as { document: () => unknown }, "document");

afterEach(() => jest.restoreAllMocks());

test("GIVEN a good map WHEN it is planned and every size and count checked THEN no position is looked up", async () => {
  const built = documentBuilt();
  const { model } = await loadAccountMapText(exampleText(), "example.yaml");
  expect(built).not.toHaveBeenCalled(); // the fast reading applies to the example
  expect(planWithinLimits(model).length).toBeGreaterThan(0);
  expect(built).not.toHaveBeenCalled();
});

test("GIVEN a queue granted to more principals than SQS allows WHEN it is checked THEN the problem is located, the Document built for it", async () => {
  const others = Array.from({ length: 51 }, (_, i) => `  a${i + 1}:\n    id: "${String(100000000001 + i)}"\n    groups: [g]`).join("\n");
  const grants = Array.from({ length: 51 }, (_, i) => `          a${i + 1}/g: send`).join("\n");
  const text = `version: 1\ndefaults: { region: us-east-1 }\naccounts:\n  a0:\n    id: "100000000000"\n    queues:\n      q:\n        grants:\n${grants}\n${others}\n`;
  const { model } = await loadAccountMapText(text, "many.yaml");
  const built = documentBuilt();
  let error: unknown;
  try {
    planWithinLimits(model);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toMatch(/^many\.yaml:\d+:\d+ accounts\.a0\.queues\.q: queue policy of q has \d+ (statements|principals)/m);
  expect(built).toHaveBeenCalled();
});
