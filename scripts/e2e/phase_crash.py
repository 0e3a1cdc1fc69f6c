"""A deploy killed half way, against moto: `terraform apply` of the example map's
prod stack is killed (SIGKILL, no chance to clean up) as soon as its first
"Creation complete" line appears. What the kill left is checked through the
emulator's API: nothing the map does not declare, and everything that exists is
as declared (trust policies, inline policies, attachments; a bucket policy only
on a bucket whose public access block is on). Then apply again: it converges (no
duplicate, nothing created twice, nothing left over), `npm run plan` is empty,
the deployed account equals the synthesized stack, and the access gate on the
synthesized stacks is clean. Destroy, and check that nothing is left.

A resource created before the kill can exist in AWS without being in the state:
its creation was under way (the provider had not returned), or it completed
after Terraform last wrote the state (at most every 20 s during an apply). Named
resources cannot be created twice, so the recovery is the product's own path, as
the README gives it: `npm run adopt -- prod` (it must find exactly what exists
but is not in the state, read here through the emulator's API and `terraform
state list`, and record it beside a copy of the map; it applies nothing, checked
through the API), synth, and the normal apply, which imports the records. After
it, `npm run adopt -- prod` again finds nothing and drops the records, which the
deploy made no-ops (the resources are in the state)."""
from __future__ import annotations

import json
import shutil
import subprocess
import time

from botocore.exceptions import ClientError

NAME = "crash"
STACK, PROD, DEPLOY = "prod", "111111111111", "TerraformDeployer"


def _apply_killed(e2e, env: dict[str, str]) -> tuple[list[str], float]:
    """terraform apply, SIGKILLed at its first "Creation complete" line: the lines it printed, and when it died."""
    cmd = ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"]
    lines: list[str] = []
    start = time.monotonic()
    with subprocess.Popen(cmd, cwd=e2e.OUT / "stacks" / STACK, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1) as p:
        e2e.children.add(p)
        try:
            for line in p.stdout:
                lines.append(line.rstrip("\n"))
                if ": Creation complete after " in line:
                    p.kill()
                    break
            p.wait(timeout=60)
        finally:
            e2e.children.discard(p)
    if p.returncode != -9:
        raise e2e.Failure(f"terraform apply {STACK} was not killed mid-way (exit {p.returncode}):\n" + "\n".join(lines[-40:]))
    return lines, time.monotonic() - start


def _policy(text: str) -> dict:
    return json.loads(text.replace("$${", "${"))


def _declared(e2e) -> dict:
    """What the synthesized prod stack declares, by name."""
    res = e2e.stack_json(STACK)["resource"]
    roles = {r["name"]: r for r in res.get("aws_iam_role", {}).values()}
    policies = {p["name"]: f"arn:aws:iam::{PROD}:policy/{p['name']}" for p in res.get("aws_iam_policy", {}).values()}
    by_address = {f"aws_iam_policy.{k}": policies[v["name"]] for k, v in res.get("aws_iam_policy", {}).items()}

    def owner(ref: str) -> str:
        # "${aws_iam_role.StageRole.name}" -> the role's name in the map.
        kind, address, _ = ref[2:-1].split(".")
        return res[kind][address]["name"]

    inline: dict[tuple[str, str], dict] = {}
    for kind, key in (("aws_iam_role_policy", "role"), ("aws_iam_group_policy", "group")):
        for p in res.get(kind, {}).values():
            inline[(owner(p[key]), p["name"])] = _policy(p["policy"])
    attached: dict[str, set[str]] = {name: set() for name in roles}
    for a in res.get("aws_iam_role_policy_attachment", {}).values():
        arn = a["policy_arn"]
        attached[owner(a["role"])].add(by_address.get(arn[2:-1].rsplit(".", 1)[0], arn) if arn.startswith("${") else arn)
    return {
        "roles": {n: _policy(r["assume_role_policy"]) for n, r in roles.items()},
        "groups": sorted(g["name"] for g in res.get("aws_iam_group", {}).values()),
        "policies": sorted(policies),
        "buckets": {b["bucket"]: _policy(res["aws_s3_bucket_policy"][name]["policy"]) for name, b in res.get("aws_s3_bucket", {}).items()},
        "inline": inline,
        "attached": attached,
    }


def _deployed(e2e, endpoint: str) -> dict:
    """What prod holds in the emulator, read through its API."""
    s = e2e.session(endpoint, PROD, DEPLOY)
    iam, s3 = s.client("iam", endpoint_url=endpoint, verify=False), s.client("s3", endpoint_url=endpoint, verify=False)
    roles = {r["RoleName"]: r["AssumeRolePolicyDocument"] for r in iam.list_roles()["Roles"]}
    groups = sorted(g["GroupName"] for g in iam.list_groups()["Groups"])
    inline: dict[tuple[str, str], dict] = {}
    for role in roles:
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            inline[(role, name)] = json.loads(doc) if isinstance(doc, str) else doc
    for group in groups:
        for name in iam.list_group_policies(GroupName=group)["PolicyNames"]:
            doc = iam.get_group_policy(GroupName=group, PolicyName=name)["PolicyDocument"]
            inline[(group, name)] = json.loads(doc) if isinstance(doc, str) else doc
    buckets: dict[str, dict] = {}
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
        except ClientError:
            policy = None
        try:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        except ClientError:
            block = {}
        buckets[name] = {"policy": policy, "blocked": bool(block) and all(block.values())}
    return {
        "roles": roles,
        "groups": groups,
        "policies": sorted(p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]),
        "buckets": buckets,
        "inline": inline,
        "attached": {r: {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r)["AttachedPolicies"]} for r in roles},
    }


def _at_most_declared(e2e, got: dict, want: dict, when: str) -> None:
    """Everything that exists is declared and exactly as declared; nothing grants more than the map."""
    e2e.check(set(got["roles"]) <= set(want["roles"]) and all(got["roles"][r] == want["roles"][r] for r in got["roles"]),
              f"crash {when}: every role that exists is declared, with the synthesized trust ({sorted(got['roles'])})")
    e2e.check(set(got["groups"]) <= set(want["groups"]) and set(got["policies"]) <= set(want["policies"]),
              f"crash {when}: every group and customer policy that exists is declared ({got['groups']}, {got['policies']})")
    e2e.check(all(k in want["inline"] and got["inline"][k] == want["inline"][k] for k in got["inline"]),
              f"crash {when}: every inline policy that exists is the synthesized one ({sorted(got['inline'])})")
    e2e.check(all(got["attached"][r] <= want["attached"].get(r, set()) for r in got["attached"]),
              f"crash {when}: every attachment that exists is declared ({ {r: sorted(a) for r, a in got['attached'].items() if a} })")
    e2e.check(set(got["buckets"]) <= set(want["buckets"]), f"crash {when}: every bucket that exists is declared ({sorted(got['buckets'])})")
    for name, b in got["buckets"].items():
        if b["policy"] is not None:
            e2e.check(b["blocked"] and b["policy"] == want["buckets"][name],
                      f"crash {when}: {name} has a policy only with its public access block on, and it is the synthesized one")


def _state_list(e2e, env: dict[str, str]) -> list[str]:
    """The addresses the stack's state records (`terraform state list` takes no -input)."""
    r = e2e.run(["terraform", "state", "list", "-no-color"], cwd=e2e.OUT / "stacks" / STACK, env=env)
    if r.returncode != 0 and "No state file was found" in r.stderr:
        return []
    if r.returncode != 0:
        raise e2e.Failure(f"terraform state list {STACK} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout.split()


def _orphans(e2e, env: dict[str, str], got: dict) -> list[tuple[str, str]]:
    """Named resources that exist in the emulator but not in the state: (address, import id)."""
    listed = _state_list(e2e, env)
    res = e2e.stack_json(STACK)["resource"]
    found = []
    for kind, key, present in (("aws_iam_role", "name", got["roles"]), ("aws_iam_group", "name", got["groups"]),
                               ("aws_iam_policy", "name", got["policies"]), ("aws_s3_bucket", "bucket", got["buckets"])):
        for address, r in res.get(kind, {}).items():
            if r[key] in present and f"{kind}.{address}" not in listed:
                found.append((f"{kind}.{address}", f"arn:aws:iam::{PROD}:policy/{r[key]}" if kind == "aws_iam_policy" else r[key]))
    return found


def _adopt(e2e, env: dict[str, str], map_path) -> subprocess.CompletedProcess:
    """`npm run adopt -- prod` (scripts/adopt.sh, what it runs) on the copy of the map; its output printed."""
    r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "adopt.sh"), STACK, "--out", str(e2e.OUT)], cwd=e2e.ROOT, env={**env, "ACCOUNT_MAP": str(map_path)})
    print(r.stdout, flush=True)
    print(r.stderr, flush=True)
    return r


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    # A copy of the example map: adopt writes its records beside the map it reads.
    work = e2e.WORK / "crash"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    map_path = work / "accounts.yaml"
    map_path.write_text(e2e.EXAMPLE_MAP.read_text())
    records = work / "accounts.imports.yaml"
    stacks = e2e.synth(map_path, endpoint)
    e2e.check(stacks == ["dev", "prod", "staging"], f"crash: one stack per account: {stacks}")
    want = _declared(e2e)
    e2e.terraform(STACK, env, "init")
    try:
        lines, seconds = _apply_killed(e2e, env)
        done = [l.split(":")[0] for l in lines if ": Creation complete after " in l]
        started = [l.split(":")[0] for l in lines if l.endswith(": Creating...")]
        e2e.log(f"crash: terraform apply {STACK} killed (SIGKILL) after {seconds:.0f} s: {len(done)} creation complete ({', '.join(done)}), {len(started)} started")
        recorded = _state_list(e2e, env)
        e2e.log(f"crash: the state records {len(recorded)} resources: {', '.join(recorded)}")
        # Terraform writes the state during an apply at most every 20 s (and at its end, or on SIGINT):
        # what completed since the last write is not recorded. Seen, not assumed: recorded here.
        findings["crash_state"] = f"reported complete: {done}; in the state after the kill: {recorded}"
        e2e.log(f"crash: {findings['crash_state']}")

        got = _deployed(e2e, endpoint)
        _at_most_declared(e2e, got, want, "after the kill")
        orphans = _orphans(e2e, env, got)
        findings["crash_kill"] = (f"apply killed after {len(done)} creation complete, {len(started)} started; state held {len(recorded)}; "
                                  f"created but not in state: {[a for a, _ in orphans] or 'none'}")
        e2e.log(f"crash: {findings['crash_kill']}")
        # In flight at the kill: created in AWS, never recorded. Named resources cannot be created a
        # second time: the product's recovery is adopt (it records them beside the map), then the deploy.
        r = _adopt(e2e, env, map_path)
        e2e.check(r.returncode == 0, f"crash: npm run adopt -- {STACK} after the kill exits 0 ({r.returncode}; {r.stderr.strip()[-800:]})")
        _at_most_declared(e2e, _deployed(e2e, endpoint), want, "after adopt (it applies nothing)")
        e2e.check(_state_list(e2e, env) == recorded, "crash: adopt left the state as the kill left it (it plans, never applies)")
        e2e.synth(map_path, endpoint)
        imports = sorted(i["to"] for i in e2e.stack_json(STACK).get("import", []))
        e2e.check(imports == sorted(a for a, _ in orphans),
                  f"crash: adopt recorded exactly what exists but is not in the state, and the stack imports it ({imports}; {[a for a, _ in orphans]})")
        findings["crash_adopt"] = f"adopt recorded: {imports or 'nothing'}"
        e2e.log(f"crash: {findings['crash_adopt']}")

        e2e.terraform(STACK, env, "init")
        e2e.terraform(STACK, env, "apply", "-auto-approve")
        e2e.log(f"applied {STACK} again, importing what adopt recorded")
        r = e2e.run(["bash", str(e2e.ROOT / "scripts" / "plan.sh"), STACK, "--out", str(e2e.OUT), "--json", str(e2e.WORK / "plan-crash.json")], cwd=e2e.ROOT, env=env)
        print(r.stdout, flush=True)
        if r.returncode != 0:
            raise e2e.Failure(f"plan failed:\n{r.stdout}\n{r.stderr}")
        e2e.check(e2e.all_zero({s["stack"]: s for s in json.loads((e2e.WORK / "plan-crash.json").read_text())}), f"crash: plan of {STACK} after the re-run: no changes")

        got = _deployed(e2e, endpoint)
        _at_most_declared(e2e, got, want, "after the re-run")
        e2e.check(sorted(got["roles"]) == sorted(want["roles"]) and got["groups"] == want["groups"] and got["policies"] == want["policies"]
                  and sorted(got["buckets"]) == sorted(want["buckets"]), "crash: after the re-run, each declared role, group, policy and bucket exists once")
        e2e.check(got["inline"] == want["inline"] and got["attached"] == want["attached"],
                  "crash: after the re-run, the inline policies and attachments are exactly the synthesized ones")
        e2e.check_accounts(endpoint, [STACK])
        r = _adopt(e2e, env, map_path)
        e2e.check(r.returncode == 0 and f"adopt: {STACK}: nothing declared exists outside the state" in r.stdout,
                  f"crash: adopt again after the deploy finds nothing to adopt ({r.returncode}; {r.stdout.strip()[-400:]} {r.stderr.strip()[-400:]})")
        if imports:
            e2e.check(not records.exists() and " dropped, in the state now (a deploy imported " in r.stdout and "adopt: no records left: removed" in r.stdout,
                      f"crash: adopt again after the deploy dropped {STACK}'s records (no-ops once imported) and removed the file")
        e2e.synth(map_path, endpoint)
        e2e.check(e2e.stack_json(STACK).get("import", []) == [], "crash: the stack imports nothing any more")
        e2e.access_profiles(e2e.EXAMPLE_MAP)
    finally:
        e2e.destroy_all([STACK], env)
    e2e.check_empty(endpoint, {PROD: DEPLOY})
    return findings
