/**
 * A topic's stack resources: the topic (a `.fifo` name makes a FIFO topic),
 * encrypted at rest, and its topic policy from the plan. A topic with publishers
 * in other accounts has a key of its own (rotation on; the key policy from the
 * plan lets those publishers use it through SNS); any other topic uses AWS's
 * managed key `alias/aws/sns` (resources/topic.ts).
 */
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { tfName } from "../stacks/names";
import { buildKmsKey } from "./kms-stack";
import { isFifoTopic, SNS_MANAGED_KEY, topicKind } from "./topic";
import type { ResourceBuilder } from "./stacks";

export const buildTopic: ResourceBuilder = (ctx, { resource: topic, policy, extra }) => {
  const { scope, provider, named, json } = ctx;
  const name = tfName(topic.name);
  const keyPolicy = extra.find((d) => d.id === "key")?.document;
  const key = keyPolicy && buildKmsKey(ctx, ["topic", topic.name], { description: topicKind.key.description(topic.name), policy: keyPolicy, alias: topicKind.key.alias(topic.name), owner: `topics/${topic.name}` });
  const t = named(
    new SnsTopic(scope, `topic_${name}`, { provider, name: topic.name, ...(isFifoTopic(topic.name) ? { fifoTopic: true } : {}), kmsMasterKeyId: key ? key.arn : SNS_MANAGED_KEY }),
    topic.name,
  );
  if (ctx.importId) t.importFrom(ctx.importId, provider);
  named(new SnsTopicPolicy(scope, `topic-policy_${name}`, { provider, arn: t.arn, policy: json(policy) }), topic.name);
};
