"""KMS keys, a KMS-encrypted bucket and a secret against moto: deploy
test/fixtures/e2e/keys.yaml, check the keys (rotation, aliases, key policies), the
bucket's default encryption and the secret (its key, its policy) through the
emulator's API, re-plan empty, act as the users do (a value is put in the secret
through the API, prod's and dev's CI roles read it and encrypt with the key, prod's
ledger-writer writes an object to the KMS bucket and staging's reporting role reads
it), record what moto does not enforce, destroy, and check that nothing is left."""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

NAME = "keys"
PROD, STAGING, DEV = "111111111111", "222222222222", "333333333333"
DEPLOY = "OrganizationAccountAccessRole"
BUCKET, SECRET, KEY = "prod-ledger-exports-e2e", "ledger-db", "alias/artifact-signing"


def _policy(text: str) -> dict:
    return json.loads(text.replace("$${", "${"))


def _key_of(kms, alias: str) -> str:
    return kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]


def _check(e2e, endpoint: str):
    """The keys, the bucket's default encryption and the secret, through the emulator's API;
    what acting as the users needs next: prod's kms, secretsmanager and s3 clients and the secret's ARN."""
    prod = e2e.stack_json("prod")["resource"]
    want = {k: _policy(r["policy"]) for k, r in prod["aws_kms_key"].items()}
    admin = e2e.session(endpoint, PROD, DEPLOY)
    kms = admin.client("kms", endpoint_url=endpoint, verify=False)
    sm = admin.client("secretsmanager", endpoint_url=endpoint, verify=False)
    s3 = admin.client("s3", endpoint_url=endpoint, verify=False)
    aliases = sorted(a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/"))
    e2e.check(len(aliases) == 3 and KEY in aliases and "alias/s3/prod-ledger-exports-e2e" in aliases, f"keys: the three keys' aliases: {aliases}")
    for address, alias in (("artifact-signing", KEY), ("bucket__prod-ledger-exports-e2e", "alias/s3/prod-ledger-exports-e2e")):
        key_id = _key_of(kms, alias)
        e2e.check(kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"], f"keys: rotation is on for {alias}")
        got = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        e2e.check(got == want[address], f"keys: the key policy of {alias} is the synthesized one")
    enc = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    by_default = enc["ApplyServerSideEncryptionByDefault"]
    e2e.check(by_default["SSEAlgorithm"] == "aws:kms" and by_default.get("KMSMasterKeyID", "").endswith(_key_of(kms, "alias/s3/prod-ledger-exports-e2e")),
              f"keys: {BUCKET} is encrypted by default with its own key ({by_default})")
    e2e.check(enc.get("BucketKeyEnabled") is True, f"keys: {BUCKET} uses S3 Bucket Keys")
    secret = sm.describe_secret(SecretId=SECRET)
    secret_alias = next(a for a in aliases if a.startswith("alias/secret/ledger-db-"))
    e2e.check(secret.get("KmsKeyId", "").endswith(_key_of(kms, secret_alias)) or secret.get("KmsKeyId") == _key_of(kms, secret_alias),
              f"keys: secret {SECRET} is encrypted with its own key ({secret.get('KmsKeyId')})")
    want_secret = _policy(next(iter(prod["aws_secretsmanager_secret_policy"].values()))["policy"])
    got_secret = json.loads(sm.get_resource_policy(SecretId=SECRET)["ResourcePolicy"])
    e2e.check(got_secret == want_secret, f"keys: the secret policy of {SECRET} is the synthesized one")
    return kms, sm, s3, secret["ARN"]


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    keys_map = e2e.ROOT / "test" / "fixtures" / "e2e" / "keys.yaml"
    with e2e.deployed(NAME, keys_map, endpoint, env, ["dev", "prod", "staging"], lambda: _check(e2e, endpoint)) as (kms, sm, s3, secret_arn):
        # As the users do. The value is set outside the map: here, through the API as prod's deployer.
        sm.put_secret_value(SecretId=SECRET, SecretString="postgres://ledger:e2e@db/ledger")
        ci = e2e.session(endpoint, DEV, "ci-runner")
        ci_sm = ci.client("secretsmanager", endpoint_url=endpoint, verify=False)
        try:
            value = ci_sm.get_secret_value(SecretId=secret_arn)["SecretString"]
            e2e.check(value == "postgres://ledger:e2e@db/ledger", "keys: dev/role/ci-runner read the prod secret by its ARN")
            findings["secret_cross_account"] = "moto served dev's CI role's GetSecretValue on the prod secret's ARN"
        except ClientError as e:
            findings["secret_cross_account"] = f"not emulated: moto refused dev's CI role's GetSecretValue on the prod secret's ARN ({e.response['Error']['Code']}): it looks a secret up in the caller's own account"
            value = sm.get_secret_value(SecretId=SECRET)["SecretString"]
            e2e.check(value == "postgres://ledger:e2e@db/ledger", "keys: inside prod, the secret gives back its value (cross-account not emulated)")
        e2e.log(f"keys: {findings['secret_cross_account']}")

        # prod's own release CI role, granted the same in the map: moto serves requests inside one account.
        release = e2e.session(endpoint, PROD, "release-ci")
        value = release.client("secretsmanager", endpoint_url=endpoint, verify=False).get_secret_value(SecretId=SECRET)["SecretString"]
        e2e.check(value == "postgres://ledger:e2e@db/ledger", "keys: prod/role/release-ci read the secret's value")
        release_kms = release.client("kms", endpoint_url=endpoint, verify=False)
        blob = release_kms.encrypt(KeyId=KEY, Plaintext=b"release digest")["CiphertextBlob"]
        e2e.check(release_kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"release digest", "keys: prod/role/release-ci encrypted and decrypted with alias/artifact-signing")

        ci_kms = ci.client("kms", endpoint_url=endpoint, verify=False)
        key_arn = kms.describe_key(KeyId=KEY)["KeyMetadata"]["Arn"]
        try:
            blob = ci_kms.encrypt(KeyId=key_arn, Plaintext=b"artifact digest")["CiphertextBlob"]
            plain = ci_kms.decrypt(CiphertextBlob=blob, KeyId=key_arn)["Plaintext"]
            e2e.check(plain == b"artifact digest", "keys: dev/role/ci-runner encrypted and decrypted with the prod key by its ARN")
            findings["kms_cross_account"] = "moto served dev's CI role's Encrypt and Decrypt with the prod key's ARN"
        except ClientError as e:
            findings["kms_cross_account"] = f"not emulated: moto refused dev's CI role's Encrypt with the prod key's ARN ({e.response['Error']['Code']}): it looks a key up in the caller's own account"
            blob = kms.encrypt(KeyId=KEY, Plaintext=b"artifact digest")["CiphertextBlob"]
            e2e.check(kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"artifact digest", "keys: inside prod, the key encrypts and decrypts (cross-account not emulated)")
        e2e.log(f"keys: {findings['kms_cross_account']}")

        writer = e2e.session(endpoint, PROD, "ledger-writer").client("s3", endpoint_url=endpoint, verify=False)
        reader = e2e.session(endpoint, STAGING, "reporting").client("s3", endpoint_url=endpoint, verify=False)
        # moto turns a bucket-policy statement whose condition fails into a deny (README), so the
        # TLS-only deny refuses every request there: lift the policy for the users, restore it after.
        bucket_policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
        s3.delete_bucket_policy(Bucket=BUCKET)
        try:
            writer.put_object(Bucket=BUCKET, Key="2026/ledger.csv", Body=b"id,amount\n1,42\n")
            head = s3.head_object(Bucket=BUCKET, Key="2026/ledger.csv")
            e2e.check(head.get("ServerSideEncryption") == "aws:kms", f"keys: the object prod's ledger-writer wrote is SSE-KMS ({head.get('ServerSideEncryption')})")
            body = reader.get_object(Bucket=BUCKET, Key="2026/ledger.csv")["Body"].read()
            e2e.check(body == b"id,amount\n1,42\n", "keys: staging/role/reporting read the object of the KMS bucket")
            try:
                reader.put_object(Bucket=BUCKET, Key="2026/forged.csv", Body=b"x")
                findings["s3_kms_write"] = "not enforced: moto let staging's reporting role (read) write to the KMS bucket (no kms:GenerateDataKey check, no identity-policy check)"
                s3.delete_object(Bucket=BUCKET, Key="2026/forged.csv")
            except ClientError as e:
                findings["s3_kms_write"] = f"refused ({e.response['Error']['Code']}) staging's reporting role writing to the KMS bucket"
            # Emptied while the policy is lifted: moto's reading of the TLS-only deny refuses the deployer's deletes too.
            e2e.empty_bucket(s3, BUCKET)
        finally:
            s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy)
        e2e.log(f"keys: {findings['s3_kms_write']}")

        # What no level grants: does the emulator refuse it?
        try:
            ci_kms.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
            findings["kms_manage"] = "not enforced: moto let dev's CI role schedule the prod key's deletion"
            kms.cancel_key_deletion(KeyId=key_arn)
            kms.enable_key(KeyId=key_arn)
        except ClientError as e:
            findings["kms_manage"] = f"refused ({e.response['Error']['Code']}) dev's CI role scheduling the prod key's deletion, not as a policy decision when the code is a missing key"
        try:
            ci_sm.put_secret_value(SecretId=secret_arn, SecretString="forged")
            findings["secret_write"] = "not enforced: moto let dev's CI role (read) put a value in the prod secret"
        except ClientError as e:
            findings["secret_write"] = f"refused ({e.response['Error']['Code']}) dev's CI role putting a value in the prod secret, not as a policy decision when the code is a missing secret"
        for k in ("kms_manage", "secret_write"):
            e2e.log(f"keys: {findings[k]}")
    admin = e2e.session(endpoint, PROD, DEPLOY)
    kms = admin.client("kms", endpoint_url=endpoint, verify=False)
    left_aliases = [a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")]
    states = sorted({kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in kms.list_keys()["Keys"]})
    left_secrets = [s["Name"] for s in admin.client("secretsmanager", endpoint_url=endpoint, verify=False).list_secrets()["SecretList"] if "DeletedDate" not in s]
    e2e.check(not left_aliases and states in ([], ["PendingDeletion"]) and not left_secrets,
              f"keys: nothing left in prod after destroy (aliases {left_aliases}, key states {states}: keys wait out their deletion window; secrets {left_secrets})")
    findings["destroy"] = f"destroy leaves the keys PendingDeletion (their 30-day window) and the secret scheduled for deletion; key states after destroy: {states}"
    e2e.check_empty(endpoint, {PROD: DEPLOY, STAGING: DEPLOY, DEV: DEPLOY})
    return findings
