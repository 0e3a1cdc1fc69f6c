"""Adopting what already exists, against moto: before the first deploy, create by
hand through the emulator's API what the walk-throughs create in the console,
StageRole in prod with a trust wider than the map's, the prod bucket and the
`developers` group in dev (names as in test/fixtures/example/accounts.yaml); run
`npm run adopt -- prod dev` and check its listing (the wider trust first) and the
records it writes beside the map; deploy the two stacks (dev, prod); check through the API that
the resources are the map's, the same objects as before (not re-created), the
hand-made trust gone; re-plan is empty; destroy, and nothing is left."""
from __future__ import annotations

import json
import shutil

NAME = "adopt"
PROD, STAGING, DEV = "111111111111", "222222222222", "333333333333"
BUCKET = "production-test-bucket-101"
# Wider than the map's: any identity of staging, no MFA condition, and the vendor's account too.
HAND_MADE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{STAGING}:root", "arn:aws:iam::444455556666:root"]}, "Action": "sts:AssumeRole"}],
}


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    work = e2e.WORK / "adopt"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    map_path = work / "accounts.yaml"
    map_path.write_text(e2e.EXAMPLE_MAP.read_text())
    records = work / "accounts.imports.yaml"

    prod = e2e.session(endpoint, PROD, "TerraformDeployer")
    prod_iam = prod.client("iam", endpoint_url=endpoint, verify=False)
    prod_s3 = prod.client("s3", endpoint_url=endpoint, verify=False, region_name="us-west-2")
    dev_iam = e2e.session(endpoint, DEV, "OrganizationAccountAccessRole").client("iam", endpoint_url=endpoint, verify=False)
    role_id = prod_iam.create_role(RoleName="StageRole", AssumeRolePolicyDocument=json.dumps(HAND_MADE_TRUST))["Role"]["RoleId"]
    prod_s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    group_id = dev_iam.create_group(GroupName="developers")["Group"]["GroupId"]
    e2e.log("adopt: made by hand: prod role StageRole (trusting all of staging and 444455556666), prod bucket, dev group developers")

    stacks: list[str] = []
    try:
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "adopt.sh"), "prod", "dev", "--out", str(e2e.OUT)], cwd=e2e.ROOT,
                    env={**env, "ACCOUNT_MAP": str(map_path)})
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0, f"adopt: npm run adopt -- prod dev exits 0 ({r.returncode}; {r.stderr.strip()[-500:]})")
        lines = r.stdout.splitlines()
        head = lines.index("Grants more than the map (review these first):")
        first = lines[head + 1]
        e2e.check(first.startswith("  prod: role StageRole: its trust policy allows what the map does not")
                  and "arn:aws:iam::222222222222:root" in first and "arn:aws:iam::444455556666:root" in first and "no condition" in first,
                  f"adopt: the wider hand-made trust is the first line of the listing ({first.strip()})")
        changes = lines.index("What the first apply changes:")
        e2e.check(changes > head + 1 and all(not l.startswith("  ") or i < changes for i, l in enumerate(lines) if "allows what the map does not" in l),
                  "adopt: every widening line comes before the other changes")
        text = records.read_text()
        e2e.check("  dev:\n    groups:\n      developers: developers\n" in text and "  prod:\n    roles:\n      StageRole: StageRole\n    buckets:\n      production-test-bucket-101: production-test-bucket-101\n" in text,
                  f"adopt: the records beside the map hold the group, the role and the bucket:\n{text}")

        synthesized = e2e.synth(map_path, endpoint)
        imports = {s: [i["to"] for i in e2e.stack_json(s).get("import", [])] for s in synthesized}
        e2e.check(imports == {"dev": ["aws_iam_group.developers"], "prod": ["aws_iam_role.StageRole", "aws_s3_bucket.production-test-bucket-101"], "staging": []},
                  f"adopt: the synthesized stacks import exactly the recorded resources ({imports})")
        # The two stacks that adopt something; staging has nothing to adopt and is deployed by the other phases.
        stacks = ["dev", "prod"]
        e2e.apply_all(stacks, env)
        e2e.check_accounts(endpoint, stacks)
        role = prod_iam.get_role(RoleName="StageRole")["Role"]
        e2e.check(role["RoleId"] == role_id, "adopt: StageRole is the hand-made role, adopted (same role id), not re-created")
        e2e.check(dev_iam.get_group(GroupName="developers")["Group"]["GroupId"] == group_id, "adopt: dev's developers group is the hand-made one (same group id)")
        principals = [p for s in role["AssumeRolePolicyDocument"]["Statement"] for p in ([s["Principal"]["AWS"]] if isinstance(s["Principal"].get("AWS"), str) else s["Principal"].get("AWS", []))]
        e2e.check("arn:aws:iam::444455556666:root" not in principals and all("Condition" in s for s in role["AssumeRolePolicyDocument"]["Statement"]),
                  f"adopt: the hand-made trust is gone (principals now {principals}, every statement conditioned)")
        versioning = prod_s3.get_bucket_versioning(Bucket=BUCKET).get("Status")
        e2e.check(versioning == "Enabled", f"adopt: the adopted bucket has the map's settings (versioning {versioning})")
        out = e2e.WORK / "adopt-plan.json"
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "plan.sh"), *stacks, "--out", str(e2e.OUT), "--json", str(out)], cwd=e2e.ROOT, env=env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0 and e2e.all_zero({x["stack"]: x for x in json.loads(out.read_text())}), "adopt: plan again: no changes in dev and prod")
        findings["adopt"] = "adopt found the hand-made role, bucket and group, listed the wider trust first; the deploy imported them (same ids) and replaced the trust"
    finally:
        if stacks:
            e2e.destroy_all(stacks, env)
        else:
            prod_iam.delete_role(RoleName="StageRole")
            prod_s3.delete_bucket(Bucket=BUCKET)
            dev_iam.delete_group(GroupName="developers")
    e2e.check_empty(endpoint, {PROD: "TerraformDeployer", DEV: "OrganizationAccountAccessRole"})
    return findings
