"""Retiring accounts whose state is in S3, against moto: the state bucket is made
in the emulator; test/fixtures/e2e/retire-s3.yaml (dev, ops, qa, `state.backend:
s3`) is deployed with qa committed in a git repository of its own and ops only in
the working copy; then the map holds dev alone, committed. `npm run plan` and
`npm run access -- --diff HEAD~1` read the bucket for the accounts of the map's
history and name qa (its bucket key), not ops (no revision held it); `npm run retire -- qa --yes` rebuilds qa from its
last revision and destroys it; `npm run retire -- ops` is refused without
--role-arn/--region; `--from-state --role-arn --region` lists what goes and
destroys nothing, then with --yes destroys it, the us-west-2 bucket through its
own provider. Through the emulator's API nothing of qa or ops is left and their
state objects hold no resource; destroy dev; the state bucket is emptied and deleted."""
from __future__ import annotations

import json
import shutil

NAME = "retire_s3"
DEV, OPS, QA = "333333333333", "666666666666", "555555555555"
DEPLOY = "OrganizationAccountAccessRole"
STATE_BUCKET = "e2e-terraform-state"


def _git(e2e, cwd, *args: str) -> None:
    r = e2e.run(["git", "-c", "user.name=e2e", "-c", "user.email=e2e@127.0.0.1", "-c", "commit.gpgsign=false", *args], cwd=cwd)
    if r.returncode != 0:
        raise e2e.Failure(f"git {args[0]} failed: {r.stderr}")


def _cut(text: str, block: str, next_block: str | None) -> str:
    start = text.index(f"  {block}:\n")
    return text[:start] + (text[text.index(f"  {next_block}:\n"):] if next_block else "")


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    work = e2e.WORK / "retire-s3"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # The stacks' folders of earlier phases were initialized with the local backend: Terraform
    # refuses a backend change without -reconfigure, so this phase's stacks start from fresh folders.
    shutil.rmtree(e2e.OUT / "stacks", ignore_errors=True)
    # The state bucket, in the account the plain credentials are in (moto's default), as an operator makes it.
    state_s3 = e2e.boto3.client("s3", endpoint_url=endpoint, region_name=e2e.REGION, verify=False, aws_access_key_id="test", aws_secret_access_key="test")
    state_s3.create_bucket(Bucket=STATE_BUCKET)
    state_s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})

    def state_resources(stack: str) -> list:
        body = state_s3.get_object(Bucket=STATE_BUCKET, Key=f"{stack}/terraform.tfstate")["Body"].read()
        return [f"{r['type']}.{r['name']}" for r in json.loads(body).get("resources", []) if r.get("mode") == "managed" and r.get("instances")]

    map_path = work / "accounts.yaml"
    full = (e2e.ROOT / "test" / "fixtures" / "e2e" / "retire-s3.yaml").read_text()
    map_path.write_text(_cut(full, "ops", "qa"))
    _git(e2e, work, "init", "-q")
    _git(e2e, work, "add", "accounts.yaml")
    _git(e2e, work, "commit", "-q", "-m", "dev and qa")
    map_path.write_text(full)  # ops: deployed from the working copy, in no revision
    tool_env = {**env, "ACCOUNT_MAP": str(map_path)}
    retire = ["bash", str(e2e.ROOT / "scripts" / "retire.sh"), "--out", str(e2e.OUT)]
    from_state = ["--from-state", "--role-arn", f"arn:aws:iam::{OPS}:role/{DEPLOY}", "--region", "us-east-1"]
    stacks = e2e.synth(map_path, endpoint)
    e2e.check(stacks == ["dev", "ops", "qa"], f"retire_s3: one stack per account: {stacks}")
    try:
        e2e.apply_all(stacks, env)
        e2e.check_accounts(endpoint, stacks)
        e2e.check(all(state_resources(s) for s in stacks), "retire_s3: each stack's state is in the bucket, at <stack>/terraform.tfstate")
        qa_count = len(state_resources("qa"))

        map_path.write_text(_cut(full, "ops", None))
        _git(e2e, work, "commit", "-q", "-am", "qa and ops leave the organization")
        stacks = e2e.synth(map_path, endpoint)
        e2e.check(stacks == ["dev"], f"retire_s3: the map synthesizes dev alone: {stacks}")
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "plan.sh"), "--out", str(e2e.OUT)], cwd=e2e.ROOT, env=tool_env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0, f"retire_s3: npm run plan exits 0 ({r.returncode}: {r.stderr[-800:]})")
        e2e.check(f"  qa (account {QA}): {qa_count} resources in s3://{STATE_BUCKET}/qa/terraform.tfstate" in r.stdout,
                  "retire_s3: the plan names qa, read from its bucket key")
        e2e.check("named by dev: aws_iam_group_policy.developers (policy)" in r.stdout, "retire_s3: the plan names dev's group policy as a grant naming an orphan")
        e2e.check("  ops (" not in r.stdout, "retire_s3: the plan does not name ops, which no revision of the map held")
        r = e2e.run(["node", str(e2e.ROOT / "dist" / "access.js"), "--out", str(e2e.OUT), "--map", "accounts.yaml", "--diff", "HEAD~1", "--write-to", str(work / "access")],
                    cwd=work, env=tool_env)
        print(r.stdout[r.stdout.find("Deployed but no longer"):], flush=True)
        e2e.check(r.returncode not in (1, 2) and f"  qa (account {QA}): {qa_count} resources in s3://{STATE_BUCKET}/qa/terraform.tfstate" in r.stdout
                  and "named by dev: aws_iam_group_policy.developers" in r.stdout and "  ops (" not in r.stdout,
                  f"retire_s3: the access diff against the revision with qa names qa from its bucket key and dev's grant (exit {r.returncode}: {r.stderr[-500:]})")

        r = e2e.run([*retire, "qa", "--yes"], cwd=e2e.ROOT, env=tool_env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0 and "retire: qa: rebuilt from " in r.stdout and f"retire: qa: destroyed {qa_count} resources." in r.stdout,
                  f"retire_s3: retire qa --yes destroys it from its last revision ({r.returncode}: {r.stderr[-800:]})")
        e2e.check_empty(endpoint, {QA: DEPLOY})
        e2e.check(state_resources("qa") == [], "retire_s3: qa's state object in the bucket holds no resource")

        r = e2e.run([*retire, "ops"], cwd=e2e.ROOT, env=tool_env)
        e2e.check(r.returncode == 2 and "--from-state --role-arn" in r.stderr, f"retire_s3: ops without a role and region is a usage error ({r.returncode}: {r.stderr[-500:]})")
        ops_iam = e2e.session(endpoint, OPS, DEPLOY).client("iam", endpoint_url=endpoint, verify=False)
        r = e2e.run([*retire, "ops", *from_state], cwd=e2e.ROOT, env=tool_env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0 and "retire: ops: from its state alone" in r.stdout and "  - aws_iam_role.OpsAudit" in r.stdout
                  and "  - aws_s3_bucket.ops-retire-logs-666" in r.stdout and "nothing destroyed" in r.stdout,
                  f"retire_s3: ops from its state lists what goes and destroys nothing ({r.returncode}: {r.stderr[-800:]})")
        e2e.check([x["RoleName"] for x in ops_iam.list_roles()["Roles"]] == ["OpsAudit"], "retire_s3: OpsAudit is still there after the run without --yes")
        r = e2e.run([*retire, "ops", *from_state, "--yes"], cwd=e2e.ROOT, env=tool_env)
        print(r.stdout, flush=True)
        e2e.check(r.returncode == 0 and "retire: ops: destroyed " in r.stdout, f"retire_s3: --yes destroys ops from its state ({r.returncode}: {r.stderr[-800:]})")
        e2e.check_empty(endpoint, {OPS: DEPLOY})
        e2e.check(state_resources("ops") == [], "retire_s3: ops's state object in the bucket holds no resource")
    finally:
        e2e.destroy_all(stacks, env)
        # Left only if a check failed before they were retired: destroy them anyway.
        for stack, extra in (("qa", []), ("ops", from_state)):
            try:
                if state_resources(stack):
                    e2e.run([*retire, stack, *extra, "--yes"], cwd=e2e.ROOT, env=tool_env)
            except Exception:  # no state object: nothing was deployed
                pass
        e2e.empty_bucket(state_s3, STATE_BUCKET)
        state_s3.delete_bucket(Bucket=STATE_BUCKET)
        # And the next phase's, initialized with the local backend again.
        shutil.rmtree(e2e.OUT / "stacks", ignore_errors=True)
    e2e.check_empty(endpoint, {DEV: DEPLOY, OPS: DEPLOY, QA: DEPLOY})
    return {"retire_s3": "with state in S3, plan named qa from the map's history and its bucket key; retire qa --yes destroyed it from its last revision; ops, in no revision, was destroyed from its state alone (--from-state --role-arn --region), its us-west-2 bucket through its own provider"}
