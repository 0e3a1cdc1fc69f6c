"""Adopting the resource kinds, against moto: before the first deploy, create by hand
through the emulator's API the queue, topic, secret and KMS key (with its alias) that
test/fixtures/e2e/adopt-kinds.yaml declares in prod, each with a resource policy that
also admits a vendor account (444455556666) the map never names; run
`npm run adopt -- prod` on a copy of the map and check its listing (each wider grant
before any other change) and the records it writes beside the map; deploy prod;
check through the API that the same queue, topic, secret and key are there (not
re-created), each policy equal to the one the stack writes, the vendor gone;
re-plan is empty; destroy.

Beside them, as a deploy killed between creating a key and its alias leaves it, a
key exactly as the stack writes it (its policy, description and the tag naming its
stack and owner, `prod/keys/adopt-unaliased`) but without its alias, and the same
for the secret's own key (`prod/secrets/adopt-db`); and a key with the first tag
pending deletion, as an earlier destroy leaves it. adopt must record each live key
under `kmsKeys` (not the one pending deletion), the deploy import it and create its
alias: no second key. And the topic's own key with its alias, as a deploy killed
after both leaves them: adopt records it under `ownKeys` through its alias, and the
deploy imports both."""
from __future__ import annotations

import json
import shutil

NAME = "adopt-kinds"
PROD, DEV = "111111111111", "333333333333"
DEPLOY = "OrganizationAccountAccessRole"
VENDOR = "arn:aws:iam::444455556666:root"
QUEUE, TOPIC, SECRET, KEY = "adopt-orders", "adopt-notices", "adopt-db", "adopt-signing"
ALIAS = f"alias/{KEY}"
UNALIASED = "adopt-unaliased"
KEY_TAG = "cross-account-bootstrap:key"


def _records(text: str) -> dict[str, dict[str, str]]:
    """The prod part of the records file adopt writes (config/imports.ts renderImports): section -> name -> id."""
    out: dict[str, dict[str, str]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("    ") and not line.startswith("      ") and line.strip().endswith(":"):
            section = line.strip()[:-1]
            out[section] = {}
        elif line.startswith("      "):
            name, _, value = line.strip().partition(": ")
            out[section][json.loads(name) if name.startswith('"') else name] = json.loads(value) if value.startswith('"') else value
    return out


def _tagged_keys(e2e, endpoint: str) -> dict[str, str]:
    """Before adopt: a key as a killed deploy leaves it (the stack's policy, description and tag, no alias), the
    secret's own key likewise, and one more key with the first tag, pending deletion as an earlier destroy leaves it."""
    e2e.synth(e2e.WORK / "adopt-kinds" / "accounts.yaml", endpoint)
    keys = e2e.stack_json("prod")["resource"]["aws_kms_key"]
    kms = e2e.session(endpoint, PROD, DEPLOY).client("kms", endpoint_url=endpoint, verify=False)
    made = {}
    for label, owner in ((UNALIASED, f"keys/{UNALIASED}"), (f"secret__{SECRET}", f"secrets/{SECRET}")):
        k = keys[label]
        e2e.check(k["tags"] == {KEY_TAG: f"prod/{owner}"}, f"adopt-kinds: the synthesized key {label} carries the tag {KEY_TAG} = prod/{owner}")
        made[owner] = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Description=k["description"], Policy=json.dumps(_policy(k["policy"])), Tags=[{"TagKey": KEY_TAG, "TagValue": f"prod/{owner}"}])["KeyMetadata"]["KeyId"]
    k = keys[f"topic__{TOPIC}"]
    made["topic-key"] = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Description=k["description"], Policy=json.dumps(_policy(k["policy"])),
                                       Tags=[{"TagKey": KEY_TAG, "TagValue": f"prod/topics/{TOPIC}"}])["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=e2e.stack_json("prod")["resource"]["aws_kms_alias"][f"topic__{TOPIC}"]["name"], TargetKeyId=made["topic-key"])
    gone = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Description=keys[UNALIASED]["description"], Tags=[{"TagKey": KEY_TAG, "TagValue": f"prod/keys/{UNALIASED}"}])["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)
    made["pending"] = gone
    return made


def _policy(text: str) -> dict:
    return json.loads(text.replace("$${", "${"))


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _make_by_hand(e2e, endpoint: str) -> dict[str, str]:
    """The four resources as a console user leaves them: each admits the vendor account, beside its own account.
    Keys are made with the key usage and spec the console sends: moto leaves both empty when a request omits
    them (AWS does not), and an empty key usage is a difference Terraform would replace the key for."""
    admin = e2e.session(endpoint, PROD, DEPLOY)
    sqs, sns = admin.client("sqs", endpoint_url=endpoint, verify=False), admin.client("sns", endpoint_url=endpoint, verify=False)
    sm, kms = admin.client("secretsmanager", endpoint_url=endpoint, verify=False), admin.client("kms", endpoint_url=endpoint, verify=False)
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{e2e.REGION}:{PROD}:{QUEUE}"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _doc({"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sqs:*", "Resource": queue_arn})})
    topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy",
                             AttributeValue=_doc({"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": ["sns:Publish", "sns:Subscribe"], "Resource": topic_arn}))
    secret_arn = sm.create_secret(Name=SECRET, SecretString="made by hand")["ARN"]
    sm.put_resource_policy(SecretId=SECRET, ResourcePolicy=_doc({"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    key_id = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Description="made by hand", Policy=_doc(
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"}))["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key_id)
    return {"url": url, "topic": topic_arn, "secret": secret_arn, "key": key_id}


def _remove_by_hand(e2e, endpoint: str, made: dict[str, str]) -> None:
    admin = e2e.session(endpoint, PROD, DEPLOY)
    admin.client("sqs", endpoint_url=endpoint, verify=False).delete_queue(QueueUrl=made["url"])
    admin.client("sns", endpoint_url=endpoint, verify=False).delete_topic(TopicArn=made["topic"])
    admin.client("secretsmanager", endpoint_url=endpoint, verify=False).delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    kms = admin.client("kms", endpoint_url=endpoint, verify=False)
    kms.delete_alias(AliasName=ALIAS)
    kms.schedule_key_deletion(KeyId=made["key"], PendingWindowInDays=7)


def _deployed(e2e, endpoint: str, made: dict[str, str]) -> None:
    """Through the emulator's API: the same four resources, each policy the synthesized one, the vendor nowhere."""
    prod = e2e.stack_json("prod")["resource"]
    admin = e2e.session(endpoint, PROD, DEPLOY)
    sqs, sns = admin.client("sqs", endpoint_url=endpoint, verify=False), admin.client("sns", endpoint_url=endpoint, verify=False)
    sm, kms = admin.client("secretsmanager", endpoint_url=endpoint, verify=False), admin.client("kms", endpoint_url=endpoint, verify=False)
    e2e.check(sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"] == made["url"], f"adopt-kinds: queue {QUEUE} is the hand-made one (same URL)")
    got = json.loads(sqs.get_queue_attributes(QueueUrl=made["url"], AttributeNames=["Policy"])["Attributes"]["Policy"])
    e2e.check(got == _policy(next(iter(prod["aws_sqs_queue_policy"].values()))["policy"]), f"adopt-kinds: the queue policy of {QUEUE} is the synthesized one")
    got = json.loads(sns.get_topic_attributes(TopicArn=made["topic"])["Attributes"]["Policy"])
    e2e.check(got == _policy(next(iter(prod["aws_sns_topic_policy"].values()))["policy"]), f"adopt-kinds: the topic policy of {TOPIC} is the synthesized one")
    e2e.check(sm.describe_secret(SecretId=SECRET)["ARN"] == made["secret"], f"adopt-kinds: secret {SECRET} is the hand-made one (same ARN)")
    got = json.loads(sm.get_resource_policy(SecretId=SECRET)["ResourcePolicy"])
    e2e.check(got == _policy(next(iter(prod["aws_secretsmanager_secret_policy"].values()))["policy"]), f"adopt-kinds: the secret policy of {SECRET} is the synthesized one")
    e2e.check(kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"] == made["key"], f"adopt-kinds: {ALIAS} still names the hand-made key (adopted, not re-created)")
    got = json.loads(kms.get_key_policy(KeyId=made["key"], PolicyName="default")["Policy"])
    e2e.check(got == _policy(prod["aws_kms_key"][KEY]["policy"]), f"adopt-kinds: the key policy of {ALIAS} is the synthesized one")
    policies = [
        sqs.get_queue_attributes(QueueUrl=made["url"], AttributeNames=["Policy"])["Attributes"]["Policy"],
        sns.get_topic_attributes(TopicArn=made["topic"])["Attributes"]["Policy"],
        sm.get_resource_policy(SecretId=SECRET)["ResourcePolicy"],
        kms.get_key_policy(KeyId=made["key"], PolicyName="default")["Policy"],
    ]
    e2e.check(not any("444455556666" in p for p in policies), "adopt-kinds: the vendor's hand-made grants are gone from all four policies")


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    work = e2e.WORK / "adopt-kinds"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    map_path = work / "accounts.yaml"
    map_path.write_text((e2e.ROOT / "test" / "fixtures" / "e2e" / "adopt-kinds.yaml").read_text())
    records = work / "accounts.imports.yaml"
    made = _make_by_hand(e2e, endpoint)
    e2e.log(f"adopt-kinds: made by hand in prod: queue {QUEUE}, topic {TOPIC}, secret {SECRET}, key {made['key']} with {ALIAS}, each admitting {VENDOR}")
    unaliased = _tagged_keys(e2e, endpoint)
    e2e.log(f"adopt-kinds: keys without their alias, as a killed deploy leaves them: {unaliased}")

    deployed = False
    try:
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "adopt.sh"), "prod", "--out", str(e2e.OUT)], cwd=e2e.ROOT, env={**env, "ACCOUNT_MAP": str(map_path)})
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0, f"adopt-kinds: npm run adopt -- prod exits 0 ({r.returncode}; {r.stderr.strip()[-800:]})")
        lines = r.stdout.splitlines()
        head = lines.index("Grants more than the map (review these first):")
        changes = lines.index("What the first apply changes:")
        wide = lines[head + 1:changes]
        for noun, name in (("queue", QUEUE), ("topic", TOPIC), ("secret", SECRET), ("key", KEY)):
            e2e.check(any(l.startswith(f"  prod: {noun} {name}: ") and VENDOR in l for l in wide),
                      f"adopt-kinds: the {noun}'s hand-made grant to the vendor is listed before the other changes")
        rest = lines[changes + 1:]
        e2e.check(not any(VENDOR in l for l in rest), "adopt-kinds: no widening line among the other changes")
        for noun, name in (("queue", QUEUE), ("topic", TOPIC), ("secret", SECRET), ("key", KEY)):
            e2e.check(any(l.startswith(f"  prod: {noun} {name}: ") for l in rest), f"adopt-kinds: what the first apply changes on the {noun} is listed")
        text = records.read_text()
        got = _records(text)
        # A queue is imported by its URL, as adopt writes it from the account and region (the emulator serves it under its own address too).
        queue_url = f"https://sqs.{e2e.REGION}.amazonaws.com/{PROD}/{QUEUE}"
        want = {"queues": {QUEUE: queue_url}, "topics": {TOPIC: made["topic"]}, "secrets": {SECRET: made["secret"]}, "keys": {KEY: made["key"]},
                "ownKeys": {f"topics/{TOPIC}": unaliased["topic-key"]},
                "kmsKeys": {f"keys/{UNALIASED}": unaliased[f"keys/{UNALIASED}"], f"secrets/{SECRET}": unaliased[f"secrets/{SECRET}"]}}
        e2e.check(got == want, f"adopt-kinds: the records beside the map hold the queue's URL, the topic's and the secret's ARN, the key's id, "
                               f"and under kmsKeys the two live keys found by their tag, not the one pending deletion:\n{text}")

        e2e.synth(map_path, endpoint)
        imports = sorted((i["to"], i["id"]) for i in e2e.stack_json("prod").get("import", []))
        e2e.check(imports == sorted([(f"aws_sqs_queue.{QUEUE}", queue_url), (f"aws_sns_topic.{TOPIC}", made["topic"]), (f"aws_secretsmanager_secret.{SECRET}", made["secret"]),
                                     (f"aws_kms_key.{KEY}", made["key"]), (f"aws_kms_alias.{KEY}", ALIAS),
                                     (f"aws_kms_key.{UNALIASED}", unaliased[f"keys/{UNALIASED}"]), (f"aws_kms_key.secret__{SECRET}", unaliased[f"secrets/{SECRET}"]),
                                     (f"aws_kms_key.topic__{TOPIC}", unaliased["topic-key"]), (f"aws_kms_alias.topic__{TOPIC}", f"alias/sns/{TOPIC}")]),
                  f"adopt-kinds: prod imports exactly the recorded resources ({imports})")
        deployed = True
        e2e.apply_all(["prod"], env)
        _deployed(e2e, endpoint, made)
        kms = e2e.session(endpoint, PROD, DEPLOY).client("kms", endpoint_url=endpoint, verify=False)
        secret_alias = e2e.stack_json("prod")["resource"]["aws_kms_alias"][f"secret__{SECRET}"]["name"]
        for alias, owner in ((f"alias/{UNALIASED}", f"keys/{UNALIASED}"), (secret_alias, f"secrets/{SECRET}")):
            e2e.check(kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == unaliased[owner], f"adopt-kinds: the deploy gave the key found by its tag its alias {alias} (adopted, not a second key)")
        live = [k["KeyId"] for k in kms.list_keys()["Keys"] if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
                and {"TagKey": KEY_TAG, "TagValue": f"prod/keys/{UNALIASED}"} in kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags", [])]
        e2e.check(live == [unaliased[f"keys/{UNALIASED}"]], f"adopt-kinds: one live key carries prod/keys/{UNALIASED}, the adopted one ({live})")
        topic_key = kms.describe_key(KeyId=f"alias/sns/{TOPIC}")["KeyMetadata"]
        topic = e2e.session(endpoint, PROD, DEPLOY).client("sns", endpoint_url=endpoint, verify=False).get_topic_attributes(TopicArn=made["topic"])["Attributes"]
        e2e.check(topic_key["KeyId"] == unaliased["topic-key"] and topic.get("KmsMasterKeyId") in (topic_key["Arn"], topic_key["KeyId"]),
                  f"adopt-kinds: the topic's own key found through its alias was imported with it, and the topic is encrypted with it ({topic.get('KmsMasterKeyId')})")
        e2e.check(kms.describe_key(KeyId=unaliased["pending"])["KeyMetadata"]["KeyState"] == "PendingDeletion", "adopt-kinds: the key pending deletion was left alone")
        out = e2e.WORK / "adopt-kinds-plan.json"
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "plan.sh"), "prod", "--out", str(e2e.OUT), "--json", str(out)], cwd=e2e.ROOT, env=env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0 and e2e.all_zero({x["stack"]: x for x in json.loads(out.read_text())}), "adopt-kinds: plan again: no changes in prod")
        findings["adopt_kinds"] = ("adopt found the hand-made queue, topic, secret and key, listed each vendor grant first; the deploy imported them (same URL, ARNs, key id) and wrote the map's policies; "
                                   "the two keys without their alias were found by their tag (not the one pending deletion), imported and given their aliases")
    finally:
        if deployed:
            e2e.destroy_all(["prod"], env)
        else:
            _remove_by_hand(e2e, endpoint, made)
            kms = e2e.session(endpoint, PROD, DEPLOY).client("kms", endpoint_url=endpoint, verify=False)
            kms.delete_alias(AliasName=f"alias/sns/{TOPIC}")
            for owner in (f"keys/{UNALIASED}", f"secrets/{SECRET}", "topic-key"):
                kms.schedule_key_deletion(KeyId=unaliased[owner], PendingWindowInDays=7)
    admin = e2e.session(endpoint, PROD, DEPLOY)
    e2e.check(not admin.client("sqs", endpoint_url=endpoint, verify=False).list_queues(QueueNamePrefix="adopt-").get("QueueUrls"), "adopt-kinds: no queue left")
    e2e.check(not [t for t in admin.client("sns", endpoint_url=endpoint, verify=False).list_topics()["Topics"] if t["TopicArn"].endswith(f":{TOPIC}")], "adopt-kinds: no topic left")
    e2e.check(not [a for a in admin.client("kms", endpoint_url=endpoint, verify=False).list_aliases()["Aliases"] if "adopt-" in a["AliasName"]], "adopt-kinds: no alias left")
    e2e.check_empty(endpoint, {PROD: DEPLOY})
    return findings
