/**
 * Queues and topics, each grant as a short claim about both halves: the queue or
 * topic policy in the resource's account (other accounts only) and the statement
 * on the grantee's group or role; the TLS-only deny, the organization condition,
 * role statements merged for SQS's quotas, and the quotas themselves.
 */
import { readFileSync } from "node:fs";
import type { Statement } from "../../policies/document";
import { checkStatementCounts } from "../../policies/limits";
import { mergeRoleStatements } from "../../policies/merge";
import type { AccountPlan } from "../../policies/plan";
import { SQS_ACTIONS } from "../../resources/queue";
import { SNS_ACTIONS, topicKeyAlias } from "../../resources/topic";
import { plan } from "../helpers";

const FIXTURE = "test/fixtures/good/kinds-messaging.yaml";
const ORG = { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } };
const ORDERS = "arn:aws:sqs:us-west-2:111111111111:order-events";
const BILLING = "arn:aws:sqs:eu-west-1:111111111111:billing.fifo";
const NOTICES = "arn:aws:sns:us-west-2:111111111111:deploy-notices";

let plans: AccountPlan[];
beforeAll(async () => {
  ({ plans } = await plan(readFileSync(FIXTURE, "utf8"), FIXTURE));
});

const accountPlan = (name: string) => plans.find((p) => p.account.name === name)!;
const queuePolicy = (name: string) => accountPlan("prod").queues.find((q) => q.queue.name === name)!.policy;
const topicPolicy = (name: string) => accountPlan("prod").topics.find((t) => t.topic.name === name)!.policy;
const inline = (account: string, kind: "role" | "group", name: string) =>
  (kind === "role" ? accountPlan(account).roles.find((r) => r.role.name === name) : accountPlan(account).groups.find((g) => g.group.name === name))!.inlinePolicy!;
const onResource = (statements: readonly Statement[], resource: string) => statements.filter((s) => [s.Resource].flat().includes(resource));
const bySid = (statements: readonly Statement[], sid: string) => statements.find((s) => s.Sid === sid)!;

describe("GIVEN prod's queue order-events: staging/role/worker consume, dev/role/ci-runner send, dev/developers send-consume, prod/role/order-processor consume", () => {
  test("THEN the queue policy starts with the TLS-only deny on every SQS action", () => {
    expect(queuePolicy("order-events").Statement[0]).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sqs:*",
      Resource: ORDERS,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("THEN a role grantee in another account: its root narrowed to the role's ARN and the organization, the level's actions only", () => {
    const s = bySid(queuePolicy("order-events").Statement, "ConsumeRoleStagingWorker");
    expect(s).toEqual({
      Sid: "ConsumeRoleStagingWorker",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::222222222222:root" },
      Action: [...SQS_ACTIONS.consume],
      Resource: ORDERS,
      Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/worker" }, ...ORG },
    });
    expect(s.Action).not.toContain("sqs:SendMessage");
  });

  test("THEN the role's identity half: the same actions on the queue, nothing else", () => {
    expect(onResource(inline("staging", "role", "worker").Statement, ORDERS)).toEqual([{ Sid: "ConsumeQueues", Effect: "Allow", Action: [...SQS_ACTIONS.consume], Resource: ORDERS }]);
    expect(onResource(inline("dev", "role", "ci-runner").Statement, ORDERS)).toEqual([{ Sid: "SendQueues", Effect: "Allow", Action: [...SQS_ACTIONS.send], Resource: ORDERS }]);
  });

  test("THEN a group grantee (people): its account's root with MFA and the organization; its identity half with MFA", () => {
    expect(bySid(queuePolicy("order-events").Statement, "SendConsumePeopleWithMfa")).toEqual({
      Sid: "SendConsumePeopleWithMfa",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::333333333333:root" },
      Action: [...SQS_ACTIONS["send-consume"]],
      Resource: ORDERS,
      Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" }, ...ORG },
    });
    const identity = onResource(inline("dev", "group", "developers").Statement, ORDERS);
    expect(identity).toEqual([
      { Sid: "SendConsumeQueuesWithMfa", Effect: "Allow", Action: [...SQS_ACTIONS["send-consume"]], Resource: ORDERS, Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } },
    ]);
  });

  test("THEN a same-account grantee gets only the identity half (SQS needs no queue policy statement inside the account)", () => {
    expect(JSON.stringify(queuePolicy("order-events"))).not.toContain("order-processor");
    expect(onResource(inline("prod", "role", "order-processor").Statement, ORDERS)).toEqual([{ Sid: "ConsumeQueues", Effect: "Allow", Action: [...SQS_ACTIONS.consume], Resource: ORDERS }]);
  });

  test("THEN the levels: send-consume is both, and no level changes, purges or deletes the queue", () => {
    expect([...SQS_ACTIONS["send-consume"]].sort()).toEqual([...new Set([...SQS_ACTIONS.send, ...SQS_ACTIONS.consume])].sort());
    for (const level of Object.values(SQS_ACTIONS)) {
      for (const a of ["sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:AddPermission", "sqs:RemovePermission", "sqs:PurgeQueue"]) expect(level).not.toContain(a);
    }
  });
});

describe("GIVEN the FIFO queue billing.fifo in eu-west-1", () => {
  test("THEN its ARN is in its own region and a send-consume role grantee gets both levels' actions", () => {
    expect(bySid(queuePolicy("billing.fifo").Statement, "SendConsumeRoleStagingWorker").Resource).toBe(BILLING);
    expect(onResource(inline("staging", "role", "worker").Statement, BILLING)).toEqual([{ Sid: "SendConsumeQueues", Effect: "Allow", Action: [...SQS_ACTIONS["send-consume"]], Resource: BILLING }]);
  });
  test("THEN requireMfa: false on the queue drops MFA from its group grants, both halves", () => {
    expect(bySid(queuePolicy("billing.fifo").Statement, "SendPeople").Condition).toEqual(ORG);
    expect(onResource(inline("dev", "group", "developers").Statement, BILLING)).toEqual([{ Sid: "SendQueues", Effect: "Allow", Action: [...SQS_ACTIONS.send], Resource: BILLING }]);
  });
});

describe("GIVEN prod's topic deploy-notices: dev/role/ci-runner publish, staging/role/worker subscribe, staging/developers publish, prod/operators subscribe", () => {
  test("THEN the topic policy denies the topic actions without TLS", () => {
    expect(topicPolicy("deploy-notices").Statement[0]).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["sns:GetTopicAttributes", "sns:Publish", "sns:Subscribe"],
      Resource: NOTICES,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("THEN publish and subscribe grantees in other accounts: each its level's actions, narrowed to the role and the organization", () => {
    const policy = topicPolicy("deploy-notices").Statement;
    expect(bySid(policy, "PublishRoleDevCiRunner")).toEqual({
      Sid: "PublishRoleDevCiRunner",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::333333333333:root" },
      Action: [...SNS_ACTIONS.publish],
      Resource: NOTICES,
      Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/ci-runner" }, ...ORG },
    });
    expect(bySid(policy, "SubscribeRoleStagingWorker").Action).toEqual([...SNS_ACTIONS.subscribe]);
    expect(bySid(policy, "PublishPeopleWithMfa").Principal).toEqual({ AWS: "arn:aws:iam::222222222222:root" });
    // One statement for the level on every topic the role may publish to.
    expect(onResource(inline("dev", "role", "ci-runner").Statement, NOTICES)).toEqual([
      { Sid: "PublishTopics", Effect: "Allow", Action: [...SNS_ACTIONS.publish], Resource: ["arn:aws:sns:us-west-2:111111111111:audit-events.fifo", NOTICES] },
    ]);
    expect(onResource(inline("staging", "role", "worker").Statement, NOTICES)).toEqual([{ Sid: "SubscribeTopics", Effect: "Allow", Action: [...SNS_ACTIONS.subscribe], Resource: NOTICES }]);
  });

  test("THEN the same-account group gets only its identity half, with MFA", () => {
    expect(JSON.stringify(topicPolicy("deploy-notices"))).not.toContain("111111111111:root");
    expect(onResource(inline("prod", "group", "operators").Statement, NOTICES)).toEqual([
      { Sid: "SubscribeTopicsWithMfa", Effect: "Allow", Action: [...SNS_ACTIONS.subscribe], Resource: NOTICES, Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } },
    ]);
  });

  test("THEN no level publishes and subscribes, or changes or deletes the topic", () => {
    expect(SNS_ACTIONS.publish).not.toContain("sns:Subscribe");
    expect(SNS_ACTIONS.subscribe).not.toContain("sns:Publish");
    for (const level of Object.values(SNS_ACTIONS)) {
      for (const a of ["sns:SetTopicAttributes", "sns:DeleteTopic", "sns:AddPermission", "sns:RemovePermission"]) expect(level).not.toContain(a);
    }
  });
});

describe("GIVEN topics published to from other accounts (deploy-notices, audit-events.fifo) and from their own account only (ops-alerts)", () => {
  const topicEntry = (name: string) => accountPlan("prod").topics.find((t) => t.topic.name === name)!;
  const keyPolicy = (name: string) => topicEntry(name).extra.find((d) => d.id === "key")?.document;
  const VIA_SNS = { StringEquals: { "kms:ViaService": "sns.us-west-2.amazonaws.com" } };
  const KEYS = "arn:aws:kms:us-west-2:111111111111:key/*";

  test("THEN a topic with a publisher in another account has a key policy of its own: the root's administration first, then one statement per publisher in another account", () => {
    const doc = keyPolicy("deploy-notices")!;
    expect(topicEntry("deploy-notices").extra.map((d) => [d.id, d.characters])).toEqual([["key", 32768]]);
    expect(doc.Statement[0]).toEqual({ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" });
    // Subscribers need nothing of the key (SNS decrypts for delivery): no statement for staging's worker.
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["EnableIamUserPermissions", "PublishThroughSnsRoleDevCiRunner", "PublishThroughSnsPeopleWithMfa"]);
  });

  test.each([
    ["dev/role/ci-runner", "PublishThroughSnsRoleDevCiRunner", "333333333333", { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/ci-runner" } }],
    ["staging/developers (people, with MFA)", "PublishThroughSnsPeopleWithMfa", "222222222222", { Bool: { "aws:MultiFactorAuthPresent": "true" } }],
  ])("THEN the publisher %s uses the key only through SNS, in the organization (%s)", (_publisher, sid, account, who) => {
    expect(bySid(keyPolicy("deploy-notices")!.Statement, sid)).toEqual({
      Sid: sid,
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { ...who, StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:ViaService": "sns.us-west-2.amazonaws.com" } },
    });
  });

  test("THEN the cross-account publisher's identity half names key/* of the topic's account and region, through SNS, narrowed to alias/sns/<topic> (alias/sns/fifo/<base> for a FIFO topic)", () => {
    const keys = inline("dev", "role", "ci-runner").Statement.filter((s) => s.Resource === KEYS);
    expect(keys).toEqual([
      { Sid: "PublishTopicKeys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEYS, Condition: { ...VIA_SNS, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/sns/fifo/audit-events" } } },
      { Sid: "PublishTopicKeys2", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEYS, Condition: { ...VIA_SNS, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/sns/deploy-notices" } } },
    ]);
    const people = inline("staging", "group", "developers").Statement.filter((s) => s.Resource === KEYS);
    expect(people.map((s) => [s.Sid, s.Condition])).toEqual([
      ["PublishTopicKeysWithMfa", { Bool: { "aws:MultiFactorAuthPresent": "true" }, ...VIA_SNS, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/sns/deploy-notices" } }],
    ]);
  });

  test("THEN subscribers get no kms statement, in either account", () => {
    expect(JSON.stringify(inline("staging", "role", "worker"))).not.toContain("kms:");
    expect(JSON.stringify(inline("prod", "group", "operators"))).not.toContain("kms:");
  });

  test("THEN a topic whose publishers are all in its own account has no key of its own and its publisher no kms statement (alias/aws/sns serves the account)", () => {
    expect(topicEntry("ops-alerts").topic.ownKey).toBe(false);
    expect(topicEntry("ops-alerts").extra).toEqual([]);
    expect(topicPolicy("ops-alerts").Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport"]);
    expect(inline("prod", "role", "order-processor").Statement.filter((s) => JSON.stringify(s).includes("kms:"))).toEqual([]);
    expect(onResource(inline("prod", "role", "order-processor").Statement, "arn:aws:sns:us-west-2:111111111111:ops-alerts")).toEqual([
      { Sid: "PublishTopics", Effect: "Allow", Action: [...SNS_ACTIONS.publish], Resource: "arn:aws:sns:us-west-2:111111111111:ops-alerts" },
    ]);
  });
});

describe("GIVEN topic names of every form", () => {
  test("THEN their key aliases are AWS aliases, distinct for a FIFO topic and a standard one of the same letters, and at most 256 characters", () => {
    expect(topicKeyAlias("deploy-notices")).toBe("alias/sns/deploy-notices");
    expect(topicKeyAlias("audit.fifo")).toBe("alias/sns/fifo/audit");
    expect(topicKeyAlias("audit_fifo")).toBe("alias/sns/audit_fifo");
    expect(topicKeyAlias("fifo")).toBe("alias/sns/fifo");
    const long = topicKeyAlias("a".repeat(256));
    expect(long).toHaveLength(256);
    expect(long).toMatch(/^alias\/sns\/a+-[0-9a-f]{8}$/);
    expect(topicKeyAlias("a".repeat(255) + "b")).not.toBe(long);
    for (const alias of [long, topicKeyAlias(`${"b".repeat(251)}.fifo`)]) expect(alias).toMatch(/^alias\/[A-Za-z0-9/_-]{1,250}$/);
  });
});

describe("GIVEN several role grantees of one level on one queue", () => {
  const role = (account: string, id: string, name: string, level = "Send"): Statement => ({
    Sid: `${level}Role${account}${name}`,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${id}:root` },
    Action: [...SQS_ACTIONS.send],
    Resource: ORDERS,
    Condition: { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${id}:role/${name}` }, ...ORG },
  });
  test("THEN they merge into one statement listing their roots and role ARNs (the same effect: a role ARN holds its account)", () => {
    const merged = mergeRoleStatements([role("Dev", "333333333333", "ci"), role("Staging", "222222222222", "worker"), role("Dev", "333333333333", "other")]);
    expect(merged).toEqual([
      {
        Sid: "SendRoles",
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"] },
        Action: [...SQS_ACTIONS.send],
        Resource: ORDERS,
        Condition: { ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/worker", "arn:aws:iam::333333333333:role/ci", "arn:aws:iam::333333333333:role/other"] }, ...ORG },
      },
    ]);
  });
  test("THEN statements of different levels, people and denies stay apart", () => {
    const people: Statement = { Sid: "SendPeople", Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: [...SQS_ACTIONS.send], Resource: ORDERS };
    const consume = { ...role("Dev", "333333333333", "ci", "Consume"), Action: [...SQS_ACTIONS.consume] };
    const input = [people, role("Dev", "333333333333", "ci"), consume];
    expect(mergeRoleStatements(input)).toEqual(input);
  });
});

describe("GIVEN SQS's counted quotas", () => {
  const fake = (statements: Statement[]): AccountPlan[] => {
    const base = accountPlan("prod");
    const entry = base.queues[0];
    return [{ ...base, queues: [{ ...entry, policy: { Version: "2012-10-17", Statement: statements } }] } as AccountPlan];
  };
  const allow = (i: number): Statement => ({ Sid: `S${i}`, Effect: "Allow", Principal: { AWS: `arn:aws:iam::${String(i).padStart(12, "0")}:root` }, Action: "sqs:SendMessage", Resource: ORDERS });
  test("THEN a queue policy of 21 statements is refused, and 20 pass", () => {
    expect(checkStatementCounts(fake(Array.from({ length: 20 }, (_, i) => allow(i))), "m.yaml")).toEqual([]);
    expect(checkStatementCounts(fake(Array.from({ length: 21 }, (_, i) => allow(i))), "m.yaml").map((i) => i.message)).toEqual([
      "queue policy of billing.fifo has 21 statements, over AWS's limit of 20",
    ]);
  });
  test("THEN more than 7 actions in one statement is refused", () => {
    const many = { ...allow(1), Action: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags", "sqs:ListDeadLetterSourceQueues"] };
    expect(checkStatementCounts(fake([many]), "m.yaml").map((i) => i.message)).toEqual(["queue policy of billing.fifo has 8 actions in one statement, over AWS's limit of 7"]);
  });
  test("THEN the fixture's policies are within every quota", () => {
    expect(checkStatementCounts(plans, FIXTURE)).toEqual([]);
  });
});
