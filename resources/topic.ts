/**
 * SNS topics (`accounts.<name>.topics`): the levels and their actions, the topic
 * ARN, the topic policy's quota (30 KB), the TLS-only deny, SNS's naming rule and
 * what the access report probes. No level changes the topic, its attributes or
 * its policy, or deletes it.
 *
 * Every topic is encrypted at rest. A topic with a publisher in another account
 * has a customer managed key of its own (rotation on, `alias/sns/<topic>`): AWS's
 * managed key `alias/aws/sns` admits only its own account, so such a publisher
 * could not publish to a topic encrypted with it. The key policy lets the
 * publishers of other accounts use the key only through SNS, and each publisher's
 * identity half gets the matching kms statement. A topic whose publishers are all
 * in its own account uses `alias/aws/sns`, which needs no statement anywhere.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
import { createHash } from "node:crypto";
import type { SharedResource } from "../config/model";
import { sid, type Statement } from "../policies/document";
import { mergeRoleStatements } from "../policies/merge";
import { escapeRegExp, kindAccess, probeOn, type ResourceKind } from "./kind";
import { hasAlias } from "./kms";

/** Topic actions per level, applied to the topic's ARN. */
export const SNS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  publish: ["sns:Publish", "sns:GetTopicAttributes"],
  subscribe: ["sns:Subscribe", "sns:GetTopicAttributes"],
};

/** Changes to a topic itself: no access level grants any of them. */
export const TOPIC_CHANGES: readonly string[] = [
  "sns:AddPermission",
  "sns:DeleteTopic",
  "sns:PutDataProtectionPolicy",
  "sns:RemovePermission",
  "sns:SetTopicAttributes",
  "sns:TagResource",
  "sns:UntagResource",
];

/** SNS's rule: 1 to 256 letters, digits, - and _, the `.fifo` suffix (a FIFO topic) counted in the 256. */
export function topicNameProblem(name: string): string | undefined {
  const base = name.endsWith(".fifo") ? name.slice(0, -".fifo".length) : name;
  if (name.length > 256 || base.length < 1) return "1 to 256 characters, a .fifo suffix included";
  if (!/^[A-Za-z0-9_-]+$/.test(base)) return "only letters, digits, - and _, with an optional .fifo suffix for a FIFO topic";
  return undefined;
}

/** A topic whose name ends in `.fifo` is a FIFO topic. */
export const isFifoTopic = (name: string): boolean => name.endsWith(".fifo");

/** AWS's managed key for SNS: what a topic without a key of its own is encrypted with. */
export const SNS_MANAGED_KEY = "alias/aws/sns";

/**
 * The alias of a topic's key: `alias/sns/<topic>`, and `alias/sns/fifo/<base>` for
 * a FIFO topic (aliases take no `.`, and no topic name has a `/`, so the two never
 * meet). An alias has at most 256 characters: a longer one is cut and followed by
 * 8 hex digits of the name's SHA-256.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 */
export function topicKeyAlias(name: string): string {
  const alias = isFifoTopic(name) ? `alias/sns/fifo/${name.slice(0, -".fifo".length)}` : `alias/sns/${name}`;
  return alias.length <= 256 ? alias : `${alias.slice(0, 247)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** A topic needs a key of its own when one of its publishers is in another account. */
export const publishedFromOtherAccounts = (topic: SharedResource): boolean => topic.grants.some((g) => g.level === "publish" && g.grantee.account !== topic.account);

/**
 * Every topic refuses plain-HTTP requests for the actions any level grants (a
 * topic policy takes SNS's topic actions, not `sns:*`).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit
 */
export function denyInsecureTopicTransport(topic: SharedResource): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: ["sns:GetTopicAttributes", "sns:Publish", "sns:Subscribe"],
    Resource: topic.arn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export const topicKind = {
  section: "topics",
  id: "topic",
  noun: "topic",
  policyName: "topic policy",
  policyPhrase: "the topic's policy",
  nameProblem: topicNameProblem,
  levels: ["publish", "subscribe"],
  forms: [{ arn: (arn) => arn, actions: SNS_ACTIONS, identitySid: (level) => `${sid(level)}Topics`, resourceSid: (level) => sid(level) }],
  key: {
    has: (_entry, topic) => publishedFromOtherAccounts(topic),
    // A publisher of an encrypted topic needs a data key and, when SNS reuses one, to decrypt it; a
    // subscriber needs nothing of the key (SNS decrypts for delivery). AWS's example writes
    // kms:GenerateDataKey*; SNS calls GenerateDataKey, and identity halves name literal actions.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    actions: { publish: ["kms:Decrypt", "kms:GenerateDataKey"] },
    alias: topicKeyAlias,
    service: "sns",
    names: (topic: { readonly name: string }) => hasAlias(topicKeyAlias(topic.name)),
    identitySid: () => "PublishTopicKeys",
    resourceSid: () => "PublishThroughSns",
    description: (name) => `Encryption of SNS topic ${name}`,
    ref: { path: ["kms_master_key_id"] },
    context: (name, _accountId, region) => ({ "kms:ViaService": `sns.${region}.amazonaws.com`, "kms:ResourceAliases": [topicKeyAlias(name)] }),
  },
  arn: (name, accountId, region) => `arn:aws:sns:${region}:${accountId}:${name}`,
  // https://docs.aws.amazon.com/general/latest/gr/sns.html (topic policy, 30 KB)
  quota: { characters: 30720 },
  quotaHint: "grant fewer callers on this topic",
  mergeStatements: mergeRoleStatements,
  baseStatements: (topic) => [denyInsecureTopicTransport(topic)],
  grantees: ["group", "role"],
  refusal: "give outside callers a role instead",
  access: kindAccess(
    { id: "topic", noun: "topic" },
    {
      resourceType: "aws_sns_topic",
      nameAttribute: "name",
      policyLink: "arn",
      service: "sns",
      changes: TOPIC_CHANGES,
      probeArn: probeOn("topic"),
      tlsOnly: true,
      probes: {
        otherLevel: "A topic grantee using another level's actions (a publish grantee subscribing, a subscribe grantee publishing)",
        change: "Any caller changing a topic (attributes, policy, permissions, tags, data protection) or deleting it",
      },
      levelsNote: "`publish` and `subscribe` are the topic levels of the map",
      wildcardResource: /^arn:aws[a-z-]*:sns:[^:]*:[^:]*:[^:]*[*?]/,
      arnExample: "arn:aws:sns:<region>:<account>:<topic>",
    },
  ),
  adopt: {
    resourceType: "aws_sns_topic",
    lookupId: (name, accountId, region) => `arn:aws:sns:${region}:${accountId}:${name}`,
    recordPattern: (name, accountId, region) => new RegExp(`^arn:aws:sns:${region}:${accountId}:${escapeRegExp(name)}$`),
    recordHint: "a topic's record is its ARN, arn:aws:sns:<region>:<account id>:<topic>",
  },
} as const satisfies ResourceKind<"topics", "topic">;
