/**
 * The evaluator's shortcuts (access/evaluator.ts) change no decision: a request
 * asked again as it is answers from the memo, a changed policy is asked anew, two
 * actions share a simulation only where the same statements decide both, context
 * keys that no kept statement names are left out of the memo key; and
 * the evaluator's case-insensitive comparison of operator names agrees with the
 * collation it replaces.
 */
import { dirname, join } from "node:path";
import { decisionFor, forgetDecisions, type Scenario } from "../../access/effective";
import { createEvaluator, type Evaluator, type SimRequest } from "../../access/evaluator";
import type { CallerSpec, PolicyText, TargetSpec } from "../../access/types";

const bucketPolicy = (condition: Record<string, Record<string, string>>): PolicyText => ({
  stack: "data",
  address: "aws_s3_bucket_policy.data",
  label: "bucket policy",
  size: 0,
  document: {
    Version: "2012-10-17",
    Statement: [{ Sid: "Read", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::data/*"], Condition: condition }],
  },
});

const request = (resourcePolicy: PolicyText, context: Record<string, string>): SimRequest => ({
  principal: "arn:aws:iam::111111111111:user/alice",
  action: "s3:GetObject",
  resource: "arn:aws:s3:::data/report.txt",
  resourceAccount: "222222222222",
  identity: "outside",
  resourcePolicy,
  // The program always sends the caller's account (access/effective.ts): a cross-account grant to an account root needs it.
  context: { "aws:PrincipalAccount": "111111111111", ...context },
});

test("a request asked again as it is is answered once; the same strings with another policy are evaluated anew", async () => {
  const evaluator = createEvaluator();
  const mfa = bucketPolicy({ Bool: { "aws:MultiFactorAuthPresent": "true" } });
  const context = { "aws:MultiFactorAuthPresent": "false", "aws:SecureTransport": "true" };
  expect((await evaluator.evaluate(request(mfa, context))).result).toBe("ImplicitlyDenied");
  expect((await evaluator.evaluate(request(mfa, { ...context }))).result).toBe("ImplicitlyDenied");
  expect(evaluator.runs).toBe(1);
  // Every string of the request the same, the policy another object with another condition: not the first answer.
  const tls = bucketPolicy({ Bool: { "aws:SecureTransport": "true" } });
  expect((await evaluator.evaluate(request(tls, context))).result).toBe("Allowed");
  expect(evaluator.runs).toBe(2);
});

describe("two actions of a service share a simulation only where the same statements decide both", () => {
  const policy = (statements: object[]): PolicyText => ({ stack: "data", address: "aws_s3_bucket_policy.data", label: "bucket policy", size: 0, document: { Version: "2012-10-17", Statement: statements } as never });
  const grant = (actions: string[], condition?: object) => ({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: actions, Resource: "arn:aws:s3:::data/*", ...(condition ? { Condition: condition } : {}) });
  const ask = (evaluator: ReturnType<typeof createEvaluator>, p: PolicyText, action: string) => evaluator.evaluate({ ...request(p, {}), action });

  test("listed in one statement: one simulation, both allowed", async () => {
    const evaluator = createEvaluator();
    const p = policy([grant(["s3:GetObject", "s3:GetObjectVersion"])]);
    expect([(await ask(evaluator, p, "s3:GetObject")).result, (await ask(evaluator, p, "s3:GetObjectVersion")).result]).toEqual(["Allowed", "Allowed"]);
    expect(evaluator.runs).toBe(1);
  });

  test("matched by different statements: each simulated, each answered for itself", async () => {
    const evaluator = createEvaluator();
    const p = policy([grant(["s3:GetObject"]), grant(["s3:GetObjectVersion"], { Bool: { "aws:MultiFactorAuthPresent": "true" } })]);
    expect([(await ask(evaluator, p, "s3:GetObject")).result, (await ask(evaluator, p, "s3:GetObjectVersion")).result]).toEqual(["Allowed", "ImplicitlyDenied"]);
    expect(evaluator.runs).toBe(2);
  });

  test("a service's own condition key in the statement: each action simulated", async () => {
    const evaluator = createEvaluator();
    const p = policy([grant(["s3:GetObject", "s3:GetObjectVersion"], { StringEquals: { "s3:ExistingObjectTag/team": "data" } })]);
    await ask(evaluator, p, "s3:GetObject");
    await ask(evaluator, p, "s3:GetObjectVersion");
    expect(evaluator.runs).toBe(2);
  });
});

describe("requests that differ only in context keys no kept statement names share a simulation", () => {
  test("an unnamed key: one simulation; a named key: each value simulated, each answered for itself", async () => {
    const evaluator = createEvaluator();
    const mfa = bucketPolicy({ Bool: { "aws:MultiFactorAuthPresent": "true" } });
    // aws:SecureTransport is named by no statement: its value cannot change the decision.
    expect((await evaluator.evaluate(request(mfa, { "aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "true" }))).result).toBe("Allowed");
    expect((await evaluator.evaluate(request(mfa, { "aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "false" }))).result).toBe("Allowed");
    expect(evaluator.runs).toBe(1);
    expect((await evaluator.evaluate(request(mfa, { "aws:MultiFactorAuthPresent": "false", "aws:SecureTransport": "true" }))).result).toBe("ImplicitlyDenied");
    expect(evaluator.runs).toBe(2);
  });

  test("a key named in another letter case counts as named", async () => {
    const evaluator = createEvaluator();
    const mfa = bucketPolicy({ Bool: { "aws:multifactorauthpresent": "true" } });
    expect((await evaluator.evaluate(request(mfa, { "aws:MultiFactorAuthPresent": "true" }))).result).toBe("Allowed");
    expect((await evaluator.evaluate(request(mfa, { "aws:MultiFactorAuthPresent": "false" }))).result).toBe("ImplicitlyDenied");
    expect(evaluator.runs).toBe(2);
  });

  test("a policy variable may read any key: every context simulated", async () => {
    const evaluator = createEvaluator();
    const own: PolicyText = {
      ...bucketPolicy({}),
      document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::data/${aws:PrincipalTag/team}/*"] }] },
    };
    const ask = (team: string) => evaluator.evaluate({ ...request(own, { "aws:PrincipalTag/team": team }), resource: "arn:aws:s3:::data/red/report.txt" });
    expect((await ask("red")).result).toBe("Allowed");
    expect((await ask("blue")).result).toBe("ImplicitlyDenied");
    expect(evaluator.runs).toBe(2);
  });
});

test("operator names in any letter case are read as AWS reads them", async () => {
  const evaluator = createEvaluator();
  const lower = bucketPolicy({ boolifexists: { "aws:MultiFactorAuthPresent": "true" } });
  expect((await evaluator.evaluate(request(lower, { "aws:MultiFactorAuthPresent": "false" }))).result).toBe("ImplicitlyDenied");
  expect((await evaluator.evaluate(request(lower, {}))).result).toBe("Allowed");
  expect((await evaluator.evaluate(request(lower, { "aws:MultiFactorAuthPresent": "true" }))).result).toBe("Allowed");
});

test("the replaced comparison agrees with the collation it replaces, for ASCII and for other text", () => {
  const utils = require(join(dirname(require.resolve("@cloud-copilot/iam-policy")), "utils.js")) as {
    caseInsensitiveEquals: (a: string, b: string) => boolean;
    caseInsensitiveEndsWith: (value: string, suffix: string) => boolean;
  };
  // Loading the evaluator replaced both (access/evaluator.ts).
  expect(utils.caseInsensitiveEquals.name).not.toBe("caseInsensitiveEquals");
  expect(utils.caseInsensitiveEndsWith.name).not.toBe("caseInsensitiveEndsWith");
  const collated = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
  const pairs: [string, string][] = [
    ["ForAnyValue", "foranyvalue"],
    ["ForAllValues", "ForAnyValue"],
    ["Bool", "Boolx"],
    ["StringEquals", "STRINGEQUALS"],
    ["ArnLike", "Arn Like"],
    ["a-b_c.d:e", "A-B_C.D:E"],
    ["", ""],
    ["Straße", "STRASSE"],
    ["é", "E"],
    ["É", "é"],
  ];
  for (const [a, b] of pairs) expect(`${a} ~ ${b}: ${utils.caseInsensitiveEquals(a, b)}`).toBe(`${a} ~ ${b}: ${collated(a, b)}`);
  expect(utils.caseInsensitiveEndsWith("BoolIfExists", "ifexists")).toBe(true);
  expect(utils.caseInsensitiveEndsWith("BoolIfExist", "IfExists")).toBe(false);
  expect(utils.caseInsensitiveEndsWith("StringEquals", "IfExists")).toBe(false);
});

describe("decisionFor answers a request asked again from the objects it is built from", () => {
  const caller: CallerSpec = {
    id: "external/acme",
    kind: "external",
    accountId: "111111111111",
    principal: "arn:aws:iam::111111111111:user/alice",
    identity: [],
    managed: [],
    identityOutside: true,
    externalIds: ["one", "two"],
    inOrganization: false,
  };
  const policy = bucketPolicy({});
  const target: TargetSpec = {
    id: "data/bucket/data",
    kind: "bucket",
    stack: "data",
    accountId: "222222222222",
    name: "data",
    arn: "arn:aws:s3:::data",
    policy,
    actions: [
      { action: "s3:GetObject", resource: "arn:aws:s3:::data/report.txt" },
      { action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/reader" },
    ],
  };
  /** An evaluator that counts the requests it is asked. */
  const counting = () => {
    const inner = createEvaluator();
    const asked: SimRequest[] = [];
    const evaluator: Evaluator = { evaluate: (req) => (asked.push(req), inner.evaluate(req)), applies: (a, r) => inner.applies(a, r), runs: 0, forget: () => inner.forget() };
    return { evaluator, asked };
  };
  const scenario = (externalId: string | null): Scenario => ({ mfa: "true", externalId, tls: "true" });

  test("the same caller, target action and scenario: built and asked once, the same decision", async () => {
    const { evaluator, asked } = counting();
    const first = await decisionFor(evaluator, caller, target, target.actions[0], scenario("one"));
    const again = await decisionFor(evaluator, caller, target, target.actions[0], scenario("one"));
    expect(again).toBe(first);
    expect(asked).toHaveLength(1);
    // Another scenario is another request.
    await decisionFor(evaluator, caller, target, target.actions[0], { ...scenario("one"), tls: "false" });
    expect(asked).toHaveLength(2);
  });

  test("external ids: one request for an action that carries none, one per id for sts:AssumeRole", async () => {
    const { evaluator, asked } = counting();
    for (const id of ["one", "two", null]) await decisionFor(evaluator, caller, target, target.actions[0], scenario(id));
    expect(asked).toHaveLength(1);
    for (const id of ["one", "two", null]) await decisionFor(evaluator, caller, target, target.actions[1], scenario(id));
    expect(asked).toHaveLength(4);
    expect(asked.slice(1).map((r) => r.context["sts:ExternalId"] ?? "(none)")).toEqual(["one", "two", "(none)"]);
  });

  test("once a target is done its decisions are forgotten: asked again, the request is built again, and simulated again, with the same decision", async () => {
    const { evaluator, asked } = counting();
    const inner = createEvaluator();
    const first = await decisionFor(inner, caller, target, target.actions[0], scenario("one"));
    await decisionFor(evaluator, caller, target, target.actions[0], scenario("one"));
    forgetDecisions(evaluator);
    await decisionFor(evaluator, caller, target, target.actions[0], scenario("one"));
    expect(asked).toHaveLength(2);
    expect(inner.runs).toBe(1);
    forgetDecisions(inner);
    expect(await decisionFor(inner, caller, target, target.actions[0], scenario("one"))).toEqual(first);
    expect(inner.runs).toBe(2);
  });
});
