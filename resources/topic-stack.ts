/**
 * A topic's stack resources: the topic (a `.fifo` name makes a FIFO topic) and its
 * topic policy from the plan. No server-side encryption, on purpose: see
 * resources/topic.ts and the README (AWS's `alias/aws/sns` key cannot be used by
 * publishers in other accounts).
 */
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { tfName } from "../stacks/names";
import { isFifoTopic } from "./topic";
import type { ResourceBuilder } from "./stacks";

export const buildTopic: ResourceBuilder = ({ scope, provider, named, json }, { resource: topic, policy }) => {
  const name = tfName(topic.name);
  const t = named(new SnsTopic(scope, `topic_${name}`, { provider, name: topic.name, ...(isFifoTopic(topic.name) ? { fifoTopic: true } : {}) }), topic.name);
  named(new SnsTopicPolicy(scope, `topic-policy_${name}`, { provider, arn: t.arn, policy: json(policy) }), topic.name);
};
