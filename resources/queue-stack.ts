/**
 * A queue's stack resources: the queue (SQS-managed server-side encryption; a
 * `.fifo` name makes a FIFO queue) and its queue policy from the plan. SQS-managed
 * SSE, not KMS: a KMS-encrypted queue would need every cross-account sender and
 * receiver granted kms:GenerateDataKey / kms:Decrypt through a key policy.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
 */
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { tfName } from "../stacks/names";
import { isFifoQueue } from "./queue";
import type { ResourceBuilder } from "./stacks";

export const buildQueue: ResourceBuilder = ({ scope, provider, named, json, importId }, { resource: queue, policy }) => {
  const name = tfName(queue.name);
  const q = named(
    new SqsQueue(scope, `queue_${name}`, { provider, name: queue.name, sqsManagedSseEnabled: true, ...(isFifoQueue(queue.name) ? { fifoQueue: true } : {}) }),
    queue.name,
  );
  if (importId) q.importFrom(importId, provider);
  named(new SqsQueuePolicy(scope, `queue-policy_${name}`, { provider, queueUrl: q.url, policy: json(policy) }), queue.name);
};
