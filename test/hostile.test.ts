/** Named hostile inputs beyond the bad-map fixtures. */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/errors";
import { loadAccountMapText } from "../config/load";
import { resource, synth } from "./helpers";

test("a 100 MB map is refused before parsing, with a clear message", async () => {
  const huge = `version: 1\naccounts: {}\n# ${"x".repeat(100 * 1024 * 1024)}\n`;
  const error = await loadAccountMapText(huge, "huge.yaml").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toBe(
    "huge.yaml:1:1 the map is 100.0 MB, over the 64 MB this program reads (a map of 10,000 accounts with a few roles and a bucket each is about 11 MB; check that this is the right file)\n" +
      "1 problem in huge.yaml; nothing was synthesized.",
  );
});

describe("awkward but legal strings reach AWS exactly as written", () => {
  let tf: Awaited<ReturnType<typeof synth>>;
  beforeAll(async () => {
    tf = await synth(readFileSync("test/fixtures/good/awkward-strings.yaml", "utf8"));
  });

  test("an IAM policy variable is escaped for Terraform, not interpolated", () => {
    const policy = resource(tf.prod, "aws_iam_policy", "home-folders").policy as string;
    expect(policy).toContain('"arn:aws:s3:::prod-data-bucket/home/$${aws:username}/*"');
    expect(policy.replace(/\$\$\{/g, "")).not.toContain("${");
  });

  test("tag values with quotes, unicode and template characters are escaped", () => {
    expect(tf.prod.provider.aws[0].default_tags).toEqual([{ tags: { Owner: 'Zoë "ops" $${team} %%{x}', "cost:center": "42" } }]);
  });

  test("a service-wide action is written only under allowWildcards: true", () => {
    const doc = JSON.parse(resource(tf.prod, "aws_iam_policy", "break-glass").policy as string);
    expect(doc.Statement[0].Action).toEqual(["s3:*"]);
  });
});
