"""End-to-end: plan, apply, re-plan, onboard, act as users, destroy, against moto.

Phases (each timed):
  1. deploy     synthesize the example map for the local target; init + apply every
                stack, two at a time; check through the emulator's API that each
                account holds exactly its stack's roles, groups, buckets and policies.
  2. re-plan    every stack plans with no changes.
  3. onboard    a copy of the map gains a `qa` account; the plan adds its stack and
                changes only the two group policies that gain its grants; apply;
                plan again is empty.
  4. users      a dev developer assumes prod/UpdateProdApp and writes an object; a
                staging tester reads the prod bucket; a denied action is attempted
                to see whether the emulator enforces IAM.
  5. destroy    destroy every stack; nothing is left in any account.
  then the independent phases of scripts/e2e/phase_*.py, in name order: each
  module has NAME and run(e2e, endpoint, env), deploys a map of its own through the helpers
  here (e2e is this module; deployed() synthesizes, applies, checks, re-plans and
  destroys), checks it, and destroys it.

For work on one of them: E2E_ONLY=<name>[,<name>] runs only those independent
phases (the name `main` stands for 1 to 5, which run first when named);
E2E_WORK=<dir> puts the run's files there instead of .cache/e2e/run, so that two
runs do not share a folder; E2E_MOTO_PORT=<port> starts the emulator on that port
instead of a free one.

Run through scripts/e2e/run.sh (npm run e2e), which installs moto and boto3, sets
up Terraform and starts scripts/e2e/lanes.py: that splits the run into lanes, each
one process of this script with its own emulator and work folder. The emulator is
stopped however this script ends.
"""
from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import boto3
import urllib3
from botocore.exceptions import ClientError

# The emulator's certificate is self-signed; it serves only 127.0.0.1.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

ROOT = Path(__file__).resolve().parents[2]
# The tests' own copy of the example map: config/accounts.yaml is the user's map, whatever it holds.
EXAMPLE_MAP = ROOT / "test" / "fixtures" / "example" / "accounts.yaml"
WORK = Path(os.environ.get("E2E_WORK") or ROOT / ".cache" / "e2e" / "run").resolve()
OUT = WORK / "cdktf.out"
VENV_BIN = Path(sys.executable).parent
PARALLEL = 2
REGION = "us-east-1"
# E2E_ONLY's name for the main sequence (phases 1 to 5).
MAIN = "main"

QA_BLOCK = """
  qa:
    id: "555555555555"
    groups: [testers]
    roles:
      QaAccess:
        assumableBy: [dev/developers]
    buckets:
      qa-test-results-555:
        grants:
          staging/testers: read
          qa/testers: read-write
"""

timings: list[tuple[str, float]] = []
children: set[subprocess.Popen] = set()


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """subprocess.run, with the child remembered so a SIGTERM can stop it."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw) as p:
        children.add(p)
        try:
            out, err = p.communicate()
        finally:
            children.discard(p)
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def log(msg: str) -> None:
    print(f"e2e: {msg}", flush=True)


class Failure(Exception):
    """A check that did not hold."""


def check(cond: bool, what: str) -> None:
    if not cond:
        raise Failure(what)
    log(f"ok   {what}")


@contextmanager
def phase(name: str):
    log(f"--- {name}")
    start = time.monotonic()
    try:
        yield
    finally:
        timings.append((name, time.monotonic() - start))


# ---------------------------------------------------------------- the emulator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    def __init__(self) -> None:
        # A lane gets its port from scripts/e2e/lanes.py, which keeps the lanes' ports distinct.
        self.port = int(os.environ.get("E2E_MOTO_PORT") or 0) or free_port()
        # TLS: every bucket's policy denies plain-HTTP requests, and moto enforces that.
        self.endpoint = f"https://127.0.0.1:{self.port}"
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        self.log = open(WORK / "moto.log", "w")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port), "--ssl"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2, context=ssl._create_unverified_context())
                log(f"moto {self.endpoint} ready")
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise Failure(f"moto exited: see {WORK / 'moto.log'}")
                time.sleep(0.3)
        raise Failure("moto did not start within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        log("moto stopped")


def session(endpoint: str, account: str, role: str) -> boto3.Session:
    """Credentials inside one emulated account, as the provider gets them: assume a role there."""
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, verify=False,
                       aws_access_key_id="test", aws_secret_access_key="test")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="e2e-check")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=REGION)


# ------------------------------------------------------------- program and Terraform


def tf_env(endpoint: str) -> dict[str, str]:
    return {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true", "LOCAL_AWS_ENDPOINT": endpoint, "CHECKPOINT_DISABLE": "1"}


def synth(map_path: Path, endpoint: str) -> list[str]:
    r = run(["node", str(ROOT / "dist" / "main.js")], cwd=ROOT, env={**tf_env(endpoint), "ACCOUNT_MAP": str(map_path), "CDKTF_OUTDIR": str(OUT)})
    if r.returncode != 0:
        raise Failure(f"synth failed: {r.stderr}")
    # The stacks of this map are the manifest's; a folder left by an earlier map
    # (the onboarding's qa, before an independent phase) goes, so that plans and
    # checks see this map alone. State lives beside the output folder, not in it.
    stacks = sorted(json.loads((OUT / "manifest.json").read_text())["stacks"])
    for left in (OUT / "stacks").iterdir():
        if left.name not in stacks:
            shutil.rmtree(left)
    return stacks


def terraform(stack: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    r = run(["terraform", *args, "-input=false", "-no-color"], cwd=OUT / "stacks" / stack, env=env)
    if r.returncode != 0:
        raise Failure(f"terraform {args[0]} {stack} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def each_stack(stacks: list[str], fn) -> None:
    with ThreadPoolExecutor(PARALLEL) as pool:
        for f in [pool.submit(fn, s) for s in stacks]:
            f.result()


def apply_all(stacks: list[str], env: dict[str, str]) -> None:
    """Init every stack, one at a time, then apply them in parallel.

    With a shared plugin cache, an init can remove and re-create the cache entry
    (two inits at once failed with "mkdir ...: file exists"; an apply beside an init
    with "no package ... cached in .terraform/providers"), so no init runs beside
    anything else."""
    for stack in stacks:
        terraform(stack, env, "init")

    def apply(stack: str) -> None:
        terraform(stack, env, "apply", "-auto-approve")
        log(f"applied {stack}")
    each_stack(stacks, apply)


def destroy_all(stacks: list[str], env: dict[str, str]) -> None:
    each_stack(stacks, lambda s: terraform(s, env, "destroy", "-auto-approve"))


@contextmanager
def deployed(name: str, map_path: Path, endpoint: str, env: dict[str, str], stacks: list[str], checks):
    """An independent phase's deploy: synthesize the map (its stacks exactly `stacks`),
    apply every stack, run `checks()` (the phase's look through the emulator's API),
    plan again with no changes; yields what `checks` returned, for the phase to act
    on, and destroys every stack however the phase ends. A failed apply destroys
    nothing: the run stops there, with the emulator."""
    got = synth(map_path, endpoint)
    check(got == stacks, f"{name}: one stack per account: {got}")
    apply_all(got, env)
    try:
        found = checks()
        check(all_zero(plan_summary(env)), f"{name}: plan again: no changes in any stack")
        yield found
    finally:
        destroy_all(got, env)


def plan_summary(env: dict[str, str]) -> dict[str, dict]:
    """The reviewers' summary (npm run plan), as JSON."""
    out = WORK / "plan.json"
    r = run(["bash", str(ROOT / "scripts" / "plan.sh"), "--out", str(OUT), "--parallel", str(PARALLEL), "--json", str(out)], cwd=ROOT, env=env)
    print(r.stdout, flush=True)
    if r.returncode != 0:
        raise Failure(f"plan failed:\n{r.stdout}\n{r.stderr}")
    return {s["stack"]: s for s in json.loads(out.read_text())}


def stack_json(stack: str) -> dict:
    return json.loads((OUT / "stacks" / stack / "cdk.tf.json").read_text())


# ------------------------------------------------------------------------- checks


def expected_in(stack: str) -> dict:
    tf = stack_json(stack)
    res = tf["resource"]
    provider = tf["provider"]["aws"][0]
    return {
        "account": provider["allowed_account_ids"][0],
        "deploy_role": provider["assume_role"][0]["role_arn"].split("/")[-1],
        "roles": sorted(r["name"] for r in res.get("aws_iam_role", {}).values()),
        "groups": sorted(g["name"] for g in res.get("aws_iam_group", {}).values()),
        "policies": sorted(p["name"] for p in res.get("aws_iam_policy", {}).values()),
        "buckets": sorted(b["bucket"] for b in res.get("aws_s3_bucket", {}).values()),
        "bucket_policies": {k: json.loads(v["policy"].replace("$${", "${")) for k, v in res.get("aws_s3_bucket_policy", {}).items()},
        "trust": {r["name"]: json.loads(r["assume_role_policy"]) for r in res.get("aws_iam_role", {}).values()},
    }


def actual_in(endpoint: str, account: str, deploy_role: str) -> dict:
    s = session(endpoint, account, deploy_role)
    iam, s3 = s.client("iam", endpoint_url=endpoint, verify=False), s.client("s3", endpoint_url=endpoint, verify=False)
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    return {
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "groups": sorted(g["GroupName"] for g in iam.list_groups()["Groups"]),
        "policies": sorted(p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]),
        "buckets": buckets,
        "bucket_policies": {b: json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]) for b in buckets},
        "trust": {r["RoleName"]: r["AssumeRolePolicyDocument"] for r in iam.list_roles()["Roles"]},
        "identity": s.client("sts", endpoint_url=endpoint, verify=False).get_caller_identity()["Account"],
    }


def check_accounts(endpoint: str, stacks: list[str]) -> None:
    for stack in stacks:
        want = expected_in(stack)
        got = actual_in(endpoint, want["account"], want["deploy_role"])
        check(got["identity"] == want["account"], f"{stack}: the provider's role session is in account {want['account']}")
        for key in ("roles", "groups", "policies", "buckets"):
            check(got[key] == want[key], f"{stack}: {key} in account {want['account']} are exactly {want[key]}")
        for bucket, policy in want["bucket_policies"].items():
            check(got["bucket_policies"].get(bucket) == policy, f"{stack}: bucket policy of {bucket} is the synthesized one")
        for role, trust in want["trust"].items():
            check(got["trust"].get(role) == trust, f"{stack}: trust policy of {role} is the synthesized one")


def check_empty(endpoint: str, accounts: dict[str, str]) -> None:
    for account, deploy_role in accounts.items():
        got = actual_in(endpoint, account, deploy_role)
        left = {k: got[k] for k in ("roles", "groups", "policies", "buckets") if got[k]}
        check(not left, f"account {account} is empty after destroy")


def all_zero(summary: dict[str, dict]) -> bool:
    return all(not (s["add"] or s["change"] or s["destroy"] or s["replace"]) for s in summary.values())


# -------------------------------------------------------------------------- users


class Users:
    """IAM users created outside Terraform to act as people; removed before destroy."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.made: list[tuple[str, str, str, str]] = []  # account, deploy role, user, group

    def person(self, account: str, deploy_role: str, user: str, group: str) -> boto3.Session:
        iam = session(self.endpoint, account, deploy_role).client("iam", endpoint_url=self.endpoint, verify=False)
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName=group, UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        self.made.append((account, deploy_role, user, group))
        return boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name=REGION)

    def remove(self) -> None:
        for account, deploy_role, user, group in self.made:
            iam = session(self.endpoint, account, deploy_role).client("iam", endpoint_url=self.endpoint, verify=False)
            for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=user, AccessKeyId=k["AccessKeyId"])
            iam.remove_user_from_group(GroupName=group, UserName=user)
            iam.delete_user(UserName=user)
        self.made.clear()


def empty_bucket(s3, bucket: str) -> None:
    versions = s3.list_object_versions(Bucket=bucket)
    for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])


def review_unused(endpoint: str, map_path: Path) -> dict[str, str]:
    """The unused-access review against the emulator, right after the users acted: exit 0, and a grant whose grantee was used is not listed."""
    r = run(["node", str(ROOT / "dist" / "access.js"), "--unused", "--json", "--map", str(map_path), "--endpoint", endpoint], cwd=ROOT, env=tf_env(endpoint))
    check(r.returncode == 0, "access --unused exits 0" + ("" if r.returncode == 0 else f" (exit {r.returncode}: {r.stderr.strip()[-400:]})"))
    unused = json.loads(r.stdout)["unused"]
    pairs = {(u["caller"], u["target"]): u["why"] for u in unused}
    for (caller, target), why in sorted(pairs.items()):
        log(f"unused: {caller} -> {target} ({why})")
    # alice assumed UpdateProdApp and wrote with it a moment ago: that grant is used.
    check(("dev/developers", "prod/role/UpdateProdApp") not in pairs, "access --unused: dev developers -> UpdateProdApp, which alice assumed and used, is not listed")
    check(pairs.get(("staging/admins", "prod/role/StageRole")) == "prod/role/StageRole never used", "access --unused: staging admins -> StageRole, never assumed, is listed")
    # tina, a staging tester, read the prod bucket with her access key: her group's grant is used.
    check(("staging/testers", "prod/bucket/production-test-bucket-101") not in pairs, "access --unused: the testers' read of the prod bucket is used (tina's key) and not listed")
    # Nobody is in staging's developers group: its grant on the same bucket is listed.
    check(pairs.get(("staging/developers", "prod/bucket/production-test-bucket-101")) == "staging/developers has no members",
          "access --unused: the staging developers' grant is listed (the group has no members)")
    return {"unused": f"{len(unused)} declared grants listed as unused right after the users acted"}


def access_profiles(map_path: Path) -> configparser.ConfigParser:
    """Runs the access gate on the deployed stacks and returns the profiles of its aws-config."""
    r = run(["node", str(ROOT / "dist" / "access.js"), "--out", str(OUT), "--map", str(map_path), "--write-to", str(WORK / "access")], cwd=ROOT, env=os.environ.copy())
    print(r.stdout, flush=True)
    if r.returncode != 0:
        raise Failure(f"the access gate failed on the deployed stacks:\n{r.stdout}\n{r.stderr}")
    check("access: verdict: clean" in r.stdout, "access gate: the deployed stacks allow exactly what the map declares")
    profiles = configparser.ConfigParser(interpolation=None)
    profiles.read(WORK / "access" / "aws-config")
    return profiles


def act_as_users(endpoint: str, users: Users, profiles: configparser.ConfigParser) -> dict[str, str]:
    findings: dict[str, str] = {}
    prod_admin = session(endpoint, "111111111111", "TerraformDeployer")
    prod_s3 = prod_admin.client("s3", endpoint_url=endpoint, verify=False)
    bucket = "production-test-bucket-101"

    # moto 5.2.5 evaluates bucket policies, but a statement whose action and principal
    # match and whose condition does not hold comes out as an explicit deny whatever
    # its effect (moto/iam/access_control.py, is_action_permitted). Our TLS-only Deny
    # therefore refuses every object request, even over TLS. Record it, then lift the
    # policy in the emulator for the user actions and put it back before destroy.
    try:
        prod_s3.put_object(Bucket=bucket, Key="probe.txt", Body=b"x")
        findings["bucket_policy"] = "moto let an object PUT through the TLS-only Deny over TLS, as AWS does"
    except ClientError as e:
        findings["bucket_policy"] = f"moto refused an object PUT over TLS ({e.response['Error']['Code']}): its evaluator turns the TLS-only Deny's unmet condition into a deny"
    log(findings["bucket_policy"])
    policy = prod_s3.get_bucket_policy(Bucket=bucket)["Policy"]
    prod_s3.delete_bucket_policy(Bucket=bucket)

    # UpdateProdApp's customer policy names prod-app-artifacts, a bucket outside the map.
    prod_s3.create_bucket(Bucket="prod-app-artifacts", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    prod_s3.put_object(Bucket="production-test-bucket-101", Key="reports/latest.txt", Body=b"prod report")

    # alice uses the profile the access report generated for dev developers, as a person would.
    profile = profiles["profile prod-UpdateProdApp"]
    check(profile["source_profile"] == "dev" and "mfa_serial" in profile, "the generated profile prod-UpdateProdApp: source_profile dev, with mfa_serial")
    alice = users.person("333333333333", "OrganizationAccountAccessRole", "alice", "developers")
    creds = alice.client("sts", endpoint_url=endpoint, verify=False).assume_role(
        RoleArn=profile["role_arn"], RoleSessionName=profile["role_session_name"].replace("<your-user>", "alice"),
        SerialNumber=profile["mfa_serial"].replace("<your-user>", "alice"), TokenCode="123456")["Credentials"]
    as_role = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name=REGION)
    who = as_role.client("sts", endpoint_url=endpoint, verify=False).get_caller_identity()["Arn"]
    check(who.startswith("arn:aws:sts::111111111111:assumed-role/UpdateProdApp/"), f"dev developer alice assumed UpdateProdApp in prod ({who})")
    as_role.client("s3", endpoint_url=endpoint, verify=False).put_object(Bucket="prod-app-artifacts", Key="app/build-42.zip", Body=b"zip")
    check(prod_s3.get_object(Bucket="prod-app-artifacts", Key="app/build-42.zip")["Body"].read() == b"zip",
          "as UpdateProdApp, alice wrote prod-app-artifacts/app/build-42.zip")

    tina = users.person("222222222222", "OrganizationAccountAccessRole", "tina", "testers")
    tina_s3 = tina.client("s3", endpoint_url=endpoint, verify=False)
    body = tina_s3.get_object(Bucket="production-test-bucket-101", Key="reports/latest.txt")["Body"].read()
    check(body == b"prod report", "staging tester tina read production-test-bucket-101/reports/latest.txt")

    # The map grants testers read only. Does the emulator refuse a delete?
    try:
        tina_s3.delete_object(Bucket="production-test-bucket-101", Key="reports/latest.txt")
        findings["iam"] = "not enforced: moto let a staging tester delete a prod object the map grants only read on"
    except ClientError as e:
        findings["iam"] = f"enforced: moto refused the tester's delete ({e.response['Error']['Code']})"
    log(f"identity policies {findings['iam']}")

    empty_bucket(prod_s3, "prod-app-artifacts")
    prod_s3.delete_bucket(Bucket="prod-app-artifacts")
    empty_bucket(prod_s3, bucket)
    prod_s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    return findings


# --------------------------------------------------------------------------- main


def only() -> set[str]:
    """The names E2E_ONLY lists; empty for the whole run."""
    return {n for n in os.environ.get("E2E_ONLY", "").split(",") if n}


def runs_main() -> bool:
    """Whether this run holds the main sequence: the whole run, or E2E_ONLY names it."""
    return not only() or MAIN in only()


def independent_phases() -> list:
    """The phase_*.py modules beside this file, in name order; E2E_ONLY narrows them."""
    import importlib.util
    only_names = only()
    found = []
    for path in sorted(Path(__file__).parent.glob("phase_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(module)
    unknown = only_names - {m.NAME for m in found} - {MAIN}
    if unknown:
        raise SystemExit(f"e2e: E2E_ONLY names no phase: {', '.join(sorted(unknown))} (phases: {', '.join([MAIN] + [m.NAME for m in found])})")
    return [m for m in found if not only_names or m.NAME in only_names]


def main() -> int:
    extra = independent_phases()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    started = time.monotonic()
    moto = Moto()
    # Stop the emulator however this ends: exceptions and Ctrl-C through `finally`;
    # a SIGTERM (a CI timeout) at once, with the Terraform children, since worker
    # threads would otherwise go on with queued stacks before `finally` runs.
    def on_term(signum, _frame):
        for p in list(children):
            p.terminate()
        moto.stop()
        log(f"stopped by signal {signum}")
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    findings: dict[str, str] = {}
    try:
        env = tf_env(moto.endpoint)
        if runs_main():
            main_sequence(moto, env, findings)
        if run_independent(extra, findings, moto.endpoint, env) != 0:
            return 1
    except Failure as f:
        log(f"FAIL {f}")
        return 1
    finally:
        moto.stop()
        total = time.monotonic() - started
        timings.append(("total", total))
        log("wall time: " + ", ".join(f"{name} {secs:.0f}s" for name, secs in timings))
        (WORK / "timings.json").write_text(json.dumps({"phases": dict(timings), **findings}, indent=2) + "\n")
    log("all phases passed")
    return 0


def main_sequence(moto: Moto, env: dict[str, str], findings: dict[str, str]) -> None:
    """Phases 1 to 5: deploy, re-plan, onboard, users, destroy."""
    users = Users(moto.endpoint)
    with phase("deploy"):
        stacks = synth(EXAMPLE_MAP, moto.endpoint)
        check(stacks == ["dev", "prod", "staging"], f"one stack per account: {stacks}")
        apply_all(stacks, env)
        check_accounts(moto.endpoint, stacks)
    with phase("re-plan"):
        check(all_zero(plan_summary(env)), "plan again: no changes in any stack")
    with phase("onboard"):
        qa_map = WORK / "accounts-with-qa.yaml"
        qa_map.write_text(EXAMPLE_MAP.read_text() + QA_BLOCK)
        stacks = synth(qa_map, moto.endpoint)
        summary = plan_summary(env)
        qa_resources = sum(len(v) for v in stack_json("qa")["resource"].values())
        check(sorted(summary["qa"]["add"]) == sorted(
            f"{t}.{n}" for t, byname in stack_json("qa")["resource"].items() for n in byname), f"qa: the plan adds its {qa_resources} resources")
        check(summary["dev"]["change"] == ["aws_iam_group_policy.developers"] and not summary["dev"]["add"], "dev: only the developers' policy changes")
        check(summary["staging"]["change"] == ["aws_iam_group_policy.testers"] and not summary["staging"]["add"], "staging: only the testers' policy changes")
        check(all_zero({"prod": summary["prod"]}), "prod: no changes")
        check(not any(s["destroy"] or s["replace"] for s in summary.values()), "no destroys or replacements")
        apply_all(stacks, env)
        check_accounts(moto.endpoint, stacks)
        check(all_zero(plan_summary(env)), "plan again after onboarding: no changes")
    with phase("users"):
        findings.update(act_as_users(moto.endpoint, users, access_profiles(qa_map)))
        # Before the people are removed: their keys' last use is what the review reads.
        findings.update(review_unused(moto.endpoint, qa_map))
        users.remove()
    with phase("destroy"):
        destroy_all(stacks, env)
        check_empty(moto.endpoint, {expected_in(s)["account"]: expected_in(s)["deploy_role"] for s in stacks})


def run_independent(modules: list, findings: dict[str, str], endpoint: str, env: dict[str, str]) -> int:
    """Each independent phase in turn; what one records goes into the run's timings.json."""
    me = sys.modules[__name__]
    for module in modules:
        with phase(module.NAME):
            findings.update(module.run(me, endpoint, env) or {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
