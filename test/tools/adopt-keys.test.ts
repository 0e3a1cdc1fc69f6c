/**
 * Finding a key without its alias by the tag the program writes on every key
 * (tools/adopt-keys.ts, resources/kms.ts): the lookup's configuration, what the
 * plan read, and which key is adopted, each without the emulator.
 */
import { chooseTaggedKey, dataValues, keyIdOf, taggedKeyArns, taggedKeysQuery } from "../../tools/adopt-keys";
import { KEY_TAG, keyTagValue } from "../../resources/kms";

const ARN_A = "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-0000-4000-8000-000000000001";
const ARN_B = "arn:aws:kms:us-east-1:111111111111:key/9f8e7d6c-0000-4000-8000-000000000002";
const LOOKUP = "data.aws_resourcegroupstaggingapi_resources.adopt-probe__artifact-signing";

/** A plan that read the tag lookup (where Terraform puts what data sources read during a plan). */
const planReading = (arns: readonly string[]) => ({
  prior_state: {
    values: {
      root_module: {
        resources: [{ address: LOOKUP, mode: "data", values: { resource_tag_mapping_list: arns.map((resource_arn) => ({ resource_arn, tags: { [KEY_TAG]: "prod/keys/artifact-signing" } })) } }],
      },
    },
  },
});

test("the tag's value names the stack and the key's owner, and stays within AWS's 256 characters, distinct when cut", () => {
  expect(keyTagValue("prod", "keys/artifact-signing")).toBe("prod/keys/artifact-signing");
  const long = keyTagValue("prod", `secrets/${"a".repeat(300)}`);
  const other = keyTagValue("prod", `secrets/${"a".repeat(299)}b`);
  expect(long).toHaveLength(256);
  expect(long.startsWith("prod/secrets/aaa")).toBe(true);
  expect(long).not.toBe(other);
});

test("the lookup asks for KMS keys with exactly that tag value, through the key's provider", () => {
  expect(taggedKeysQuery("aws.prod", "prod/keys/artifact-signing")).toEqual({
    provider: "aws.prod",
    resource_type_filters: ["kms:key"],
    tag_filter: [{ key: "cross-account-bootstrap:key", values: ["prod/keys/artifact-signing"] }],
  });
});

test("GIVEN a plan that read the lookup THEN its keys' ARNs, sorted by code point; a plan that did not read it gives none", () => {
  expect(taggedKeyArns(planReading([ARN_B, ARN_A, ARN_B]), LOOKUP)).toEqual([ARN_A, ARN_B]);
  expect(taggedKeyArns(planReading([]), LOOKUP)).toEqual([]);
  expect(taggedKeyArns({}, LOOKUP)).toBeUndefined();
  // A resource (not a data source) at the address is not what the lookup read.
  expect(dataValues({ planned_values: { root_module: { resources: [{ address: LOOKUP, values: { x: 1 } }] } } }, LOOKUP)).toBeUndefined();
  expect(dataValues({ planned_values: { root_module: { resources: [{ address: LOOKUP, mode: "data", values: { x: 1 } }] } } }, LOOKUP)).toEqual({ x: 1 });
});

test("a key's id is the end of its ARN", () => {
  expect(keyIdOf(ARN_A)).toBe("0a1b2c3d-0000-4000-8000-000000000001");
});

test("GIVEN tagged keys THEN the first live one is adopted, one pending deletion never, the other live ones are named", () => {
  expect(chooseTaggedKey(new Map([[ARN_A, "PendingDeletion"], [ARN_B, "Enabled"]]))).toEqual({ chosen: ARN_B, others: [] });
  expect(chooseTaggedKey(new Map([[ARN_B, "Enabled"], [ARN_A, "Disabled"]]))).toEqual({ chosen: ARN_A, others: [ARN_B] });
  expect(chooseTaggedKey(new Map([[ARN_A, "PendingDeletion"], [ARN_B, "PendingReplicaDeletion"]]))).toEqual({ chosen: undefined, others: [] });
  // A key whose state the plan did not read is not adopted.
  expect(chooseTaggedKey(new Map([[ARN_A, undefined]]))).toEqual({ chosen: undefined, others: [] });
});
