"""Queues and topics against moto: deploy test/fixtures/e2e/messaging.yaml, check the
queue, the topic, the topic's key and their policies through the emulator's API, re-plan empty, act
as the users do (dev's CI role sends to the prod queue and publishes to the prod
topic, staging's worker receives the message), record what moto does not enforce,
destroy, and check that nothing is left."""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

NAME = "messaging"
PROD, STAGING, DEV = "111111111111", "222222222222", "333333333333"
DEPLOY = "OrganizationAccountAccessRole"
QUEUE, TOPIC = "order-events", "deploy-notices"
TOPIC_KEY = f"alias/sns/{TOPIC}"


def _policy(text: str) -> dict:
    return json.loads(text.replace("$${", "${"))


def _check(e2e, endpoint: str):
    """The queue, the topic, the topic's key and their policies, through the emulator's API;
    what acting as the users needs next: prod's sqs client, the queue's URL and attributes, the topic's ARN."""
    prod = e2e.stack_json("prod")["resource"]
    want_queue = _policy(next(iter(prod["aws_sqs_queue_policy"].values()))["policy"])
    want_topic = _policy(next(iter(prod["aws_sns_topic_policy"].values()))["policy"])
    admin = e2e.session(endpoint, PROD, DEPLOY)
    sqs = admin.client("sqs", endpoint_url=endpoint, verify=False)
    sns = admin.client("sns", endpoint_url=endpoint, verify=False)
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    e2e.check(attrs.get("SqsManagedSseEnabled") == "true", f"messaging: queue {QUEUE} has SQS-managed SSE")
    e2e.check(json.loads(attrs["Policy"]) == want_queue, f"messaging: the queue policy of {QUEUE} is the synthesized one")
    topic_arn = f"arn:aws:sns:{e2e.REGION}:{PROD}:{TOPIC}"
    topic = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    e2e.check(json.loads(topic["Policy"]) == want_topic, f"messaging: the topic policy of {TOPIC} is the synthesized one")
    # dev's CI role publishes from another account: the topic has a key of its own, not alias/aws/sns.
    kms = admin.client("kms", endpoint_url=endpoint, verify=False)
    want_key = _policy(next(iter(prod["aws_kms_key"].values()))["policy"])
    key = kms.describe_key(KeyId=TOPIC_KEY)["KeyMetadata"]
    e2e.check(kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], f"messaging: rotation is on for {TOPIC_KEY}")
    e2e.check(json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]) == want_key, f"messaging: the key policy of {TOPIC_KEY} is the synthesized one")
    e2e.check(topic.get("KmsMasterKeyId") in (key["Arn"], key["KeyId"]), f"messaging: topic {TOPIC} is encrypted with {TOPIC_KEY} ({topic.get('KmsMasterKeyId')})")
    e2e.check(all(e2e.stack_json(s)["resource"].get("aws_sqs_queue") is None for s in ("dev", "staging")), "messaging: queues only in prod's stack")
    return sqs, url, attrs, topic_arn


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    messaging_map = e2e.ROOT / "test" / "fixtures" / "e2e" / "messaging.yaml"
    with e2e.deployed(NAME, messaging_map, endpoint, env, ["dev", "prod", "staging"], lambda: _check(e2e, endpoint)) as (sqs, url, attrs, topic_arn):
        # As the users do: dev's CI role sends and publishes, staging's worker receives.
        ci = e2e.session(endpoint, DEV, "ci-runner")
        worker = e2e.session(endpoint, STAGING, "worker")
        ci_sqs = ci.client("sqs", endpoint_url=endpoint, verify=False)
        worker_sqs = worker.client("sqs", endpoint_url=endpoint, verify=False)
        try:
            ci_sqs.send_message(QueueUrl=url, MessageBody="order 42 placed")
            got = worker_sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            bodies = [m["Body"] for m in got]
            e2e.check(bodies == ["order 42 placed"], f"messaging: staging/role/worker received the message dev's CI role sent ({bodies})")
            worker_sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
            findings["sqs_cross_account"] = "moto served a cross-account send and receive on the prod queue's URL"
        except ClientError as e:
            # moto keeps each account's queues apart and looks a queue URL up in the caller's own account.
            findings["sqs_cross_account"] = f"not emulated: moto refused dev's CI role's SendMessage to the prod queue's URL ({e.response['Error']['Code']}): it looks a queue up in the caller's own account"
            sqs.send_message(QueueUrl=url, MessageBody="order 42 placed")
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            e2e.check([m["Body"] for m in got] == ["order 42 placed"], "messaging: inside prod, the queue takes and gives back a message (cross-account not emulated)")
            sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        e2e.log(f"messaging: {findings['sqs_cross_account']}")
        try:
            msg = ci.client("sns", endpoint_url=endpoint, verify=False).publish(TopicArn=topic_arn, Message="deploy 42 done")
            e2e.check(bool(msg.get("MessageId")), "messaging: dev/role/ci-runner published to the prod topic")
            findings["sns_cross_account"] = "moto served dev's CI role's publish to the prod topic"
        except ClientError as e:
            findings["sns_cross_account"] = f"not emulated: moto refused dev's CI role's Publish to the prod topic ({e.response['Error']['Code']})"
        e2e.log(f"messaging: {findings['sns_cross_account']}")

        # What the map does not grant: does the emulator refuse it?
        try:
            ci_sqs.receive_message(QueueUrl=url)
            findings["sqs_iam"] = "not enforced: moto let dev's CI role (send only) receive from the prod queue"
        except ClientError as e:
            findings["sqs_iam"] = f"refused ({e.response['Error']['Code']}), not as a policy decision when the code is a missing queue"
        try:
            ci_sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
            findings["sqs_change"] = "not enforced: moto let dev's CI role change the prod queue's attributes"
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": attrs["VisibilityTimeout"]})
        except ClientError as e:
            findings["sqs_change"] = f"refused ({e.response['Error']['Code']}), not as a policy decision when the code is a missing queue"
        try:
            worker.client("sns", endpoint_url=endpoint, verify=False).publish(TopicArn=topic_arn, Message="not granted")
            findings["sns_iam"] = "not enforced: moto let staging's worker (no topic grant) publish to the prod topic"
        except ClientError as e:
            findings["sns_iam"] = f"refused ({e.response['Error']['Code']}), not as a policy decision when the code is a missing topic"
        for k in ("sqs_iam", "sqs_change", "sns_iam"):
            e2e.log(f"messaging: {findings[k]}")
    admin = e2e.session(endpoint, PROD, DEPLOY)
    left_queues = admin.client("sqs", endpoint_url=endpoint, verify=False).list_queues().get("QueueUrls", [])
    left_topics = admin.client("sns", endpoint_url=endpoint, verify=False).list_topics().get("Topics", [])
    e2e.check(not left_queues and not left_topics, f"messaging: nothing left in prod after destroy (queues {left_queues}, topics {left_topics})")
    e2e.check_empty(endpoint, {PROD: DEPLOY, STAGING: DEPLOY, DEV: DEPLOY})
    return findings
