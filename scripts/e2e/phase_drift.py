"""Drift against moto: deploy the example map's prod stack, then, as someone in the
console would, add an inline policy to the managed role StageRole and attach
AWS's AdministratorAccess to it through the emulator's API. `npm run drift`
must exit 2 and name both; a deploy removes them (the role owns its inline
policies and attachments exclusively), which the API shows; `npm run drift`
then exits 0 for prod. The stacks that were never deployed (dev, staging) are
named as not deployed and skipped. Destroy, and check that nothing is left."""
from __future__ import annotations

import json

NAME = "drift"
PROD = "111111111111"
DEPLOY = "TerraformDeployer"
ROLE, HAND_POLICY = "StageRole", "added-in-the-console"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _drift(e2e, env: dict[str, str], tag: str, *stacks: str) -> tuple[int, str, dict]:
    """npm run drift (over every synthesized stack, as a scheduled job runs it, or the named ones): its exit status, output and JSON."""
    out = e2e.WORK / f"drift-{tag}.json"
    r = e2e.run(["node", str(e2e.ROOT / "dist" / "drift.js"), *stacks, "--out", str(e2e.OUT), "--json", str(out)], cwd=e2e.ROOT, env=env)
    print(r.stdout, flush=True)
    if r.returncode == 1:
        raise e2e.Failure(f"drift failed:\n{r.stdout}\n{r.stderr}")
    return r.returncode, r.stdout, json.loads(out.read_text())


def _owned(iam) -> tuple[list[str], list[str]]:
    names = sorted(iam.list_role_policies(RoleName=ROLE)["PolicyNames"])
    arns = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"])
    return names, arns


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    stacks = e2e.synth(e2e.EXAMPLE_MAP, endpoint)
    e2e.check(stacks == ["dev", "prod", "staging"], f"drift: one stack per account: {stacks}")
    e2e.apply_all(["prod"], env)
    try:
        e2e.check_accounts(endpoint, ["prod"])
        iam = e2e.session(endpoint, PROD, DEPLOY).client("iam", endpoint_url=endpoint, verify=False)
        e2e.check(_owned(iam) == (["cross-account-access"], []), f"drift: {ROLE} holds only its own inline policy and no attachment")

        # By hand, as in the console.
        iam.put_role_policy(RoleName=ROLE, PolicyName=HAND_POLICY, PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        iam.attach_role_policy(RoleName=ROLE, PolicyArn=ADMIN)
        e2e.check(_owned(iam) == (sorted(["cross-account-access", HAND_POLICY]), [ADMIN]), f"drift: by hand, {ROLE} gained the inline policy {HAND_POLICY} and {ADMIN}")

        code, text, result = _drift(e2e, env, "after-hand-edit")
        e2e.check(code == 2, f"drift: npm run drift exits 2 (got {code})")
        prod = next(s for s in result["stacks"] if s["stack"] == "prod")
        rows = {d["address"]: d for d in prod["drifted"]}
        names = rows.get(f"aws_iam_role_policies_exclusive.{ROLE}", {}).get("attributes", [])
        arns = rows.get(f"aws_iam_role_policy_attachments_exclusive.{ROLE}", {}).get("attributes", [])
        e2e.check(any(a["attribute"] == "policy_names" and a["added"] == [HAND_POLICY] for a in names), f"drift: names the inline policy {HAND_POLICY} added to {ROLE}")
        e2e.check(any(a["attribute"] == "policy_arns" and a["added"] == [ADMIN] for a in arns), f"drift: names {ADMIN} attached to {ROLE}")
        e2e.check(f"+{HAND_POLICY}" in text and f"+{ADMIN}" in text and '"s3:*"' in text, "drift: the table shows both, and the hand-added policy's statement")
        e2e.check(sorted(result["notDeployed"]) == ["dev", "staging"], f"drift: the stacks never deployed are named and skipped: {result['notDeployed']}")
        e2e.check(sorted(rows) == [f"aws_iam_role_policies_exclusive.{ROLE}", f"aws_iam_role_policy_attachments_exclusive.{ROLE}"],
                  f"drift: nothing else is reported as drift: {sorted(rows)}")

        e2e.terraform("prod", env, "apply", "-auto-approve")
        e2e.check(_owned(iam) == (["cross-account-access"], []), f"drift: after the deploy, {ROLE} holds only its own inline policy again, and no attachment (through the API)")
        code, _, result = _drift(e2e, env, "after-deploy", "prod")
        e2e.check(code == 0 and all(not s["drifted"] for s in result["stacks"]), f"drift: after the deploy, npm run drift exits 0 (got {code})")
        findings["drift"] = f"a hand-added inline policy and {ADMIN} on {ROLE} were reported (exit 2) and removed by the next deploy (exit 0 after)"
    finally:
        e2e.destroy_all(["prod"], env)
    e2e.check_empty(endpoint, {PROD: DEPLOY})
    return findings
