/** Past IAM's quotas, identity halves take a compact form with the same effect; what cannot fit is refused. */
import { ConfigError } from "../../config/errors";
import { compactAssumeRoles } from "../../policies/compact";
import { policySize } from "../../policies/document";
import { LIMITS } from "../../policies/quotas";
import { plan } from "../helpers";

const id = (i: number) => String(100000000000 + i);

/** An identity account whose developers assume `developers` in `n` member accounts. */
function hubMap(n: number, extra = ""): string {
  const members = Array.from(
    { length: n },
    (_, i) => `  member-${i}:\n    id: "${id(i + 1)}"\n    roles:\n      developers:\n        assumableBy: [identity/developers]\n`,
  ).join("");
  return `version: 1\ndefaults: {region: us-east-1}\naccounts:\n  identity:\n    id: "${id(0)}"\n    groups: [developers]\n${extra}${members}`;
}

const groupPolicy = async (text: string) => {
  const { plans } = await plan(text);
  return plans.find((p) => p.account.name === "identity")!.groups[0].inlinePolicy!;
};

describe("GIVEN a group that assumes one role name in many accounts", () => {
  test("WHEN the explicit list fits THEN every ARN is listed", async () => {
    const doc = await groupPolicy(hubMap(50));
    expect(doc.Statement).toHaveLength(1);
    expect(doc.Statement[0].Resource).toHaveLength(50);
    expect(policySize(doc)).toBeLessThanOrEqual(LIMITS.groupInline);
  });

  test("WHEN it would pass the 5,120-character quota THEN one account-wildcard ARN, and the own account's role of that name is denied", async () => {
    const doc = await groupPolicy(hubMap(200));
    expect(doc.Statement).toEqual([
      {
        Sid: "AssumeRolesWithMfa",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: "arn:aws:iam::*:role/developers",
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
      },
      { Sid: "DenyUngrantedRoles", Effect: "Deny", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${id(0)}:role/developers` },
    ]);
  });

  test("WHEN the own account's role of that name is granted too THEN it is not denied", async () => {
    const own = "    roles:\n      developers:\n        assumableBy: [identity/developers]\n";
    const doc = await groupPolicy(hubMap(200, own));
    expect(doc.Statement.map((s) => s.Effect)).toEqual(["Allow"]);
    expect(doc.Statement[0].Resource).toBe("arn:aws:iam::*:role/developers");
  });

  test("THEN each role's trust policy still names exactly the declared caller", async () => {
    const { plans } = await plan(hubMap(200));
    const trust = plans.find((p) => p.account.name === "member-7")!.roles[0].trustPolicy;
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${id(0)}:root` }, Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }),
    ]);
  });
});

test("role names granted in only one account each stay explicit, and the rest pass through", () => {
  const statements = compactAssumeRoles(
    [
      { Sid: "AssumeRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: ["arn:aws:iam::111111111111:role/a", "arn:aws:iam::222222222222:role/a", "arn:aws:iam::222222222222:role/b"] },
      { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::x/*" },
    ],
    "333333333333",
  );
  expect(statements).toEqual([
    { Sid: "AssumeRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: ["arn:aws:iam::*:role/a", "arn:aws:iam::222222222222:role/b"] },
    { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::x/*" },
    { Sid: "DenyUngrantedRoles", Effect: "Deny", Action: "sts:AssumeRole", Resource: "arn:aws:iam::333333333333:role/a" },
  ]);
});

test("declared access that cannot fit even compacted is refused, naming the policy, its size and its limit", async () => {
  // 150 differently named roles: nothing to compact.
  const members = Array.from(
    { length: 150 },
    (_, i) => `  member-${i}:\n    id: "${id(i + 1)}"\n    roles:\n      deploy-${i}:\n        assumableBy: [identity/developers]\n`,
  ).join("");
  const text = `version: 1\ndefaults: {region: us-east-1}\naccounts:\n  identity:\n    id: "${id(0)}"\n    groups: [developers]\n${members}`;
  const error = await plan(text, "wide.yaml").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toBe(
    "wide.yaml:6:14 accounts.identity.groups[0]: inline policy of group identity/developers is 6,672 characters, over AWS's limit of 5,120 (grant this group fewer buckets and roles, or split it)\n" +
      "1 problem in wide.yaml; nothing was synthesized.",
  );
});

test("a role of that name in the map that this caller was not granted is denied: it may trust the caller's account for another group", async () => {
  // member-3's `developers` role is for identity/admins only, yet it trusts the identity account's root.
  const text = hubMap(200)
    .replace("    groups: [developers]\n", "    groups: [developers, admins]\n")
    .replace(
      `  member-3:\n    id: "${id(4)}"\n    roles:\n      developers:\n        assumableBy: [identity/developers]\n`,
      `  member-3:\n    id: "${id(4)}"\n    roles:\n      developers:\n        assumableBy: [identity/admins]\n`,
    );
  const { plans } = await plan(text);
  const developers = plans.find((p) => p.account.name === "identity")!.groups.find((g) => g.group.name === "developers")!.inlinePolicy!;
  expect(developers.Statement[1]).toEqual({
    Sid: "DenyUngrantedRoles",
    Effect: "Deny",
    Action: "sts:AssumeRole",
    Resource: [`arn:aws:iam::${id(0)}:role/developers`, `arn:aws:iam::${id(4)}:role/developers`],
  });
});
