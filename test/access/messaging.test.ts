/**
 * The access report on queues and topics (test/fixtures/good/kinds-messaging.yaml):
 * every grant evaluated through both halves (SQS and SNS), every probe run and
 * denied, and each kind's probes catching the hole they are for.
 */
import { readFileSync } from "node:fs";
import type { Analysis } from "../../access/analyze";
import { conditionText, passes, reaches } from "../../access/report";
import type { ProbeKind } from "../../access/types";
import type { Model } from "../../config/model";
import { analyzed, sid, synthesized, withPolicy } from "./fixture";

const FIXTURE = "test/fixtures/good/kinds-messaging.yaml";
let model: Model;
let outdir: string;
let clean: Analysis;
beforeAll(async () => {
  ({ model, outdir } = await synthesized(readFileSync(FIXTURE, "utf8"), FIXTURE));
  clean = await analyzed(model, outdir);
}, 60_000);

const probeFailures = (a: Analysis, probe: ProbeKind) => a.verdict.probes.find((p) => p.probe === probe)!.failures.map((f) => `${f.caller} → ${f.target} ${f.action} (${f.context})`);
const broken = async (address: string, edit: Parameters<typeof withPolicy>[2]) => analyzed(model, withPolicy(outdir, address, edit));

test("every queue and topic grant is allowed through both halves, at its level, under its conditions", () => {
  expect(reaches(clean.access).map((r) => `${r.caller} → ${r.target}: ${r.summary} [${conditionText(r)}]`)).toEqual([
    "dev/developers → prod/queue/billing.fifo: send [org `o-a1b2c3d4e5`, TLS]",
    "dev/developers → prod/queue/order-events: send-consume [MFA, org `o-a1b2c3d4e5`, TLS]",
    "dev/role/ci-runner → prod/queue/order-events: send [org `o-a1b2c3d4e5`, TLS]",
    "dev/role/ci-runner → prod/topic/audit-events.fifo: publish [principal ARN, org `o-a1b2c3d4e5`, TLS]",
    "dev/role/ci-runner → prod/topic/deploy-notices: publish [principal ARN, org `o-a1b2c3d4e5`, TLS]",
    "prod/operators → prod/topic/deploy-notices: subscribe [MFA, TLS]",
    "prod/role/order-processor → prod/queue/order-events: consume [TLS]",
    "prod/role/order-processor → prod/topic/ops-alerts: publish [TLS]",
    "service/ec2.amazonaws.com → dev/role/ci-runner: assume [none]",
    "service/ecs-tasks.amazonaws.com → staging/role/worker: assume [none]",
    "service/lambda.amazonaws.com → prod/role/order-processor: assume [none]",
    "staging/developers → prod/topic/deploy-notices: publish [MFA, org `o-a1b2c3d4e5`, TLS]",
    "staging/role/worker → prod/queue/billing.fifo: send-consume [principal ARN, org `o-a1b2c3d4e5`, TLS]",
    "staging/role/worker → prod/queue/order-events: consume [principal ARN, org `o-a1b2c3d4e5`, TLS]",
    "staging/role/worker → prod/topic/deploy-notices: subscribe [org `o-a1b2c3d4e5`, TLS]",
  ]);
  const pair = (caller: string, target: string) => reaches(clean.access).find((r) => r.caller === caller && r.target === target)!;
  expect(pair("dev/role/ci-runner", "prod/queue/order-events").actions).toEqual(["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]);
  expect(pair("staging/role/worker", "prod/topic/deploy-notices").actions).toEqual(["sns:GetTopicAttributes", "sns:Subscribe"]);
});

test("the gate passes, and every probe of both kinds runs and is denied", () => {
  expect(clean.verdict.differences).toEqual([]);
  expect(passes(clean)).toBe(true);
  const ran = Object.fromEntries(clean.verdict.probes.map((p) => [p.probe, p.requests]));
  for (const id of ["unknown-account", "ungranted-group", "no-mfa", "queue-other-level", "queue-change", "queue-plain-http", "topic-other-level", "topic-change", "topic-plain-http"]) {
    expect(`${id}: ${ran[id] > 0}`).toBe(`${id}: true`);
  }
  for (const p of clean.verdict.probes) {
    expect(p.failures).toEqual([]);
    expect(p.denied).toBe(p.requests);
  }
  // Only the notes that EC2 and Lambda, which AWS does not document as sending aws:SourceAccount, are trusted without it.
  expect(clean.findings.map((f) => `${f.severity} ${f.rule} ${f.stack} ${f.resource}`)).toEqual([
    "info service-trust-without-source-account dev aws_iam_role.ci-runner",
    "info service-trust-without-source-account prod aws_iam_role.order-processor",
  ]);
});

const allowed = (a: Analysis, caller: string, target: string) => a.access.filter((x) => x.caller === caller && x.target === target).map((x) => x.action).sort();

test("a publisher in another account may use the topic's key through SNS (its identity half and the key policy, the third document); subscribers and same-account-only topics need no key", () => {
  expect(allowed(clean, "dev/role/ci-runner", "prod/topic/deploy-notices")).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "sns:GetTopicAttributes", "sns:Publish"]);
  expect(allowed(clean, "dev/role/ci-runner", "prod/topic/audit-events.fifo")).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "sns:GetTopicAttributes", "sns:Publish"]);
  expect(allowed(clean, "staging/developers", "prod/topic/deploy-notices")).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "sns:GetTopicAttributes", "sns:Publish"]);
  expect(allowed(clean, "staging/role/worker", "prod/topic/deploy-notices")).toEqual(["sns:GetTopicAttributes", "sns:Subscribe"]);
  expect(allowed(clean, "prod/role/order-processor", "prod/topic/ops-alerts")).toEqual(["sns:GetTopicAttributes", "sns:Publish"]);
});

test("the topic's key policy is evaluated: without the publisher's statement its kms requests are refused by the resource's half, and the gate says so", async () => {
  const a = await broken("prod aws_kms_key.topic__deploy-notices", (d) => void (d.Statement = [sid(d, "EnableIamUserPermissions"), sid(d, "PublishThroughSnsPeopleWithMfa")]));
  expect(passes(a)).toBe(false);
  expect(allowed(a, "dev/role/ci-runner", "prod/topic/deploy-notices")).toEqual(["sns:GetTopicAttributes", "sns:Publish"]);
  expect(a.verdict.differences.map((d) => d.message)).toContainEqual(expect.stringMatching(/^dev\/role\/ci-runner → prod\/topic\/deploy-notices: kms:Decrypt, kms:GenerateDataKey declared .* but not allowed: the resource's half/));
});

test("a subscriber granted the key on both halves fails the topic-other-level probe", async () => {
  const keyPolicy = withPolicy(outdir, "prod aws_kms_key.topic__deploy-notices", (d) =>
    d.Statement.push({ ...sid(d, "PublishThroughSnsRoleDevCiRunner"), Sid: "Wide", Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/worker" } }, Principal: { AWS: "arn:aws:iam::222222222222:root" } }),
  );
  const out = withPolicy(keyPolicy, "staging aws_iam_role_policy.worker", (d) => d.Statement.push({ Sid: "Wide", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: "arn:aws:kms:us-west-2:111111111111:key/*" }));
  const a = await analyzed(model, out);
  expect(passes(a)).toBe(false);
  expect(probeFailures(a, "topic-other-level")).toEqual(expect.arrayContaining([expect.stringMatching(/^staging\/role\/worker → prod\/topic\/deploy-notices kms:GenerateDataKey /)]));
}, 60_000);

describe("each probe of the two kinds catches its hole", () => {
  test("a send grantee receiving and deleting messages: its identity half widened is enough, since dev's people hold send-consume on the queue's policy", async () => {
    const a = await broken("dev aws_iam_role_policy.ci-runner", (d) => void (sid(d, "SendQueues").Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]));
    expect(passes(a)).toBe(false);
    expect(probeFailures(a, "queue-other-level")).toEqual([
      "dev/role/ci-runner → prod/queue/order-events sqs:DeleteMessage (MFA)",
      "dev/role/ci-runner → prod/queue/order-events sqs:ReceiveMessage (MFA)",
    ]);
  });

  test("a grantee deleting the queue or changing its attributes", async () => {
    const out = withPolicy(
      withPolicy(outdir, "prod aws_sqs_queue_policy.order-events", (d) => void (sid(d, "ConsumeRoleStagingWorker").Action = ["sqs:ReceiveMessage", "sqs:DeleteQueue", "sqs:SetQueueAttributes"])),
      "staging aws_iam_role_policy.worker",
      (d) => d.Statement.push({ Sid: "Wide", Effect: "Allow", Action: "sqs:*", Resource: "*" }),
    );
    const a = await analyzed(model, out);
    expect(passes(a)).toBe(false);
    expect(probeFailures(a, "queue-change")).toEqual(
      expect.arrayContaining([expect.stringMatching(/^staging\/role\/worker → prod\/queue\/order-events sqs:DeleteQueue /), expect.stringMatching(/^staging\/role\/worker → prod\/queue\/order-events sqs:SetQueueAttributes /)]),
    );
  });

  test("a topic policy that forgets the TLS-only deny lets a plain-HTTP publish through", async () => {
    const a = await broken("prod aws_sns_topic_policy.deploy-notices", (d) => void d.Statement.splice(0, 1));
    expect(passes(a)).toBe(false);
    expect(probeFailures(a, "topic-plain-http")).toEqual(expect.arrayContaining([expect.stringMatching(/^dev\/role\/ci-runner → prod\/topic\/deploy-notices sns:Publish /)]));
  });

  test("a topic policy open to every account lets an unnamed account publish", async () => {
    const a = await broken("prod aws_sns_topic_policy.deploy-notices", (d) => void (sid(d, "PublishRoleDevCiRunner").Principal = "*", delete sid(d, "PublishRoleDevCiRunner").Condition));
    expect(passes(a)).toBe(false);
    expect(probeFailures(a, "unknown-account")).toEqual(expect.arrayContaining([expect.stringMatching(/^account\/\d{12} → prod\/topic\/deploy-notices sns:Publish /)]));
  });
});
