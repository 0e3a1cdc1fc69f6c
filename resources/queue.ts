/**
 * SQS queues (`accounts.<name>.queues`): the levels and their actions, the queue
 * ARN, SQS's policy quotas (8,192 bytes, 20 statements, 50 principals, 10
 * conditions, 7 actions per statement), the TLS-only deny, SQS's naming rule and
 * what the access report probes. No level changes the queue, its attributes or
 * its policy, or deletes or purges it.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html
 */
import type { SharedResource } from "../config/model";
import { sid, type Statement } from "../policies/document";
import { mergeRoleStatements } from "../policies/merge";
import { escapeRegExp, kindAccess, probeOn, type ResourceKind } from "./kind";

const SEND = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"];
const CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"];

/** Queue actions per level, applied to the queue's ARN (SendMessageBatch and the other batch calls need the same actions). */
export const SQS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  send: SEND,
  consume: CONSUME,
  "send-consume": [...new Set([...SEND, ...CONSUME])],
};

/** Changes to a queue itself: no access level grants any of them. */
export const QUEUE_CHANGES: readonly string[] = [
  "sqs:AddPermission",
  "sqs:DeleteQueue",
  "sqs:PurgeQueue",
  "sqs:RemovePermission",
  "sqs:SetQueueAttributes",
  "sqs:TagQueue",
  "sqs:UntagQueue",
];

/** SQS's rule: 1 to 80 letters, digits, - and _, the `.fifo` suffix (a FIFO queue) counted in the 80. */
export function queueNameProblem(name: string): string | undefined {
  const base = name.endsWith(".fifo") ? name.slice(0, -".fifo".length) : name;
  if (name.length > 80 || base.length < 1) return "1 to 80 characters, a .fifo suffix included";
  if (!/^[A-Za-z0-9_-]+$/.test(base)) return "only letters, digits, - and _, with an optional .fifo suffix for a FIFO queue";
  return undefined;
}

/** A queue whose name ends in `.fifo` is a FIFO queue. */
export const isFifoQueue = (name: string): boolean => name.endsWith(".fifo");

/** Every queue refuses plain-HTTP requests. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html */
export function denyInsecureQueueTransport(queue: SharedResource): Statement {
  return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queue.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

export const queueKind = {
  section: "queues",
  id: "queue",
  noun: "queue",
  policyName: "queue policy",
  policyPhrase: "the queue's policy",
  nameProblem: queueNameProblem,
  levels: ["send", "consume", "send-consume"],
  forms: [{ arn: (arn) => arn, actions: SQS_ACTIONS, identitySid: (level) => `${sid(level)}Queues`, resourceSid: (level) => sid(level) }],
  arn: (name, accountId, region) => `arn:aws:sqs:${region}:${accountId}:${name}`,
  // Bytes; our JSON is ASCII and written without whitespace.
  quota: { characters: 8192, statements: 20, principals: 50, conditions: 10, actionsPerStatement: 7 },
  quotaHint: "grant fewer callers, levels or roles on this queue: SQS allows 8,192 bytes, 20 statements, 50 principals and 10 conditions",
  mergeStatements: mergeRoleStatements,
  baseStatements: (queue) => [denyInsecureQueueTransport(queue)],
  grantees: ["group", "role"],
  refusal: "give outside callers a role instead",
  access: kindAccess(
    { id: "queue", noun: "queue" },
    {
      resourceType: "aws_sqs_queue",
      nameAttribute: "name",
      policyLink: "queue_url",
      service: "sqs",
      changes: QUEUE_CHANGES,
      probeArn: probeOn("queue"),
      tlsOnly: true,
      probes: {
        otherLevel: "A queue grantee using another level's actions (a send grantee receiving or deleting messages, a consume grantee sending)",
        change: "Any caller changing a queue (attributes, policy, permissions, tags), purging or deleting it",
      },
      levelsNote: "`send`, `consume` and `send-consume` are the queue levels of the map",
      wildcardResource: /^arn:aws[a-z-]*:sqs:[^:]*:[^:]*:[^:]*[*?]/,
      arnExample: "arn:aws:sqs:<region>:<account>:<queue>",
    },
  ),
  adopt: {
    resourceType: "aws_sqs_queue",
    // Terraform imports a queue by its URL.
    lookupId: (name, accountId, region) => `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
    recordPattern: (name, accountId) => new RegExp(`^https://[^/\\s]+/${accountId}/${escapeRegExp(name)}$`),
    recordHint: "a queue's record is its URL, https://sqs.<region>.amazonaws.com/<account id>/<queue>",
  },
} as const satisfies ResourceKind<"queues", "queue">;
