"""GitHub Actions, IAM Identity Center and service callers against moto: find the
emulator's Identity Center instance in the management account, create there the
identity store group the map assigns, write its instance ARN and identity store id
into a copy of test/fixtures/e2e/callers.yaml, deploy it, check the OIDC provider,
the roles' trust, the permission set (its session duration, managed and inline
policies) and its assignments through the emulator's API, re-plan empty, record
what moto does not check, destroy, and check that nothing is left.

moto 5.2.5 lacks sso-admin's ListTagsForResource, which the provider calls after
creating a permission set: the management stack's apply is interrupted and the
error recorded; the attachments, inline policy and assignments, which depend on
the set, are then not created, and only the stacks that applied are re-planned.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess

from botocore.exceptions import ClientError

NAME = "callers"
PROD, DEV, MANAGEMENT = "111111111111", "333333333333", "444444444444"
DEPLOY = "OrganizationAccountAccessRole"
GROUP, SET = "Engineering", "Developer"
PLACEHOLDER_INSTANCE, PLACEHOLDER_STORE = "arn:aws:sso:::instance/ssoins-0000000000000000", "d-0000000000"
# AWS's form of an identity store id, which the map's schema checks (config/schema.ts).
STORE_FORM = re.compile(r"^d-[0-9a-f]{10}$")
# Used when moto's own id is not of that form: moto keeps groups under any id it is given.
STORE_STANDIN = "d-00000e2e00"
OIDC_HOST = "token.actions.githubusercontent.com"


def _identity_center(e2e, endpoint: str, findings: dict[str, str]) -> tuple[str, str]:
    """The management account's instance as moto lists it, and the identity store id to use."""
    sso = e2e.session(endpoint, MANAGEMENT, DEPLOY).client("sso-admin", endpoint_url=endpoint, verify=False)
    instances = sso.list_instances()["Instances"]
    e2e.check(len(instances) == 1, f"callers: moto lists one Identity Center instance in the management account: {instances}")
    instance, store = instances[0]["InstanceArn"], instances[0]["IdentityStoreId"]
    findings["sso_instance"] = f"moto creates one Identity Center instance per account by itself ({instance}, identity store {store}); CreateInstance is not needed"
    if not STORE_FORM.match(store):
        findings["identity_store_id"] = (f"moto's identity store id {store} is not of AWS's form d-<10 hex digits>, which the map's schema requires; "
                                         f"the run uses {STORE_STANDIN}, under which moto keeps the groups the run creates (it ties no identity store to an instance)")
        store = STORE_STANDIN
    for k in ("sso_instance", "identity_store_id"):
        if k in findings:
            e2e.log(f"callers: {findings[k]}")
    return instance, store


# The stacks in the order they are applied: the management stack last, so that what
# moto cannot serve there leaves the others checked.
ORDER = ["dev", "prod", "management"]


# How long an apply may take before it is interrupted: moto answers an action it
# lacks with a 500, which the provider retries for many minutes.
APPLY_SECONDS = 120


def _apply_bounded(e2e, stack: str, env: dict[str, str]) -> None:
    """terraform apply, interrupted (SIGINT: Terraform stops and saves its state) after APPLY_SECONDS."""
    cmd = ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"]
    with subprocess.Popen(cmd, cwd=e2e.OUT / "stacks" / stack, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        e2e.children.add(p)
        try:
            try:
                out, err = p.communicate(timeout=APPLY_SECONDS)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=120)
                err = f"interrupted after {APPLY_SECONDS} s\n{err}"
        finally:
            e2e.children.discard(p)
    if p.returncode != 0:
        raise e2e.Failure(f"terraform apply {stack} failed:\n{out[-3000:]}\n{err[-3000:]}")


def _apply(e2e, stacks: list[str], env: dict[str, str], findings: dict[str, str]) -> list[str]:
    """Init and apply each stack; what fails is recorded with its error, not retried. The stacks that applied."""
    for stack in stacks:
        e2e.terraform(stack, env, "init")
    applied = []
    for stack in sorted(stacks, key=ORDER.index):
        try:
            _apply_bounded(e2e, stack, env)
            applied.append(stack)
            e2e.log(f"applied {stack}")
        except e2e.Failure as f:
            errors = sorted({line.strip(" │") for line in str(f).splitlines() if "Error:" in line or "StatusCode" in line or "api error" in line})
            missing = sorted({line.strip() for line in (e2e.WORK / "moto.log").read_text().splitlines() if line.startswith("NotImplementedError")})
            findings[f"apply_{stack}"] = (f"not emulated: terraform apply of the {stack} stack failed: {' | '.join(errors[:4]) or str(f)[-600:]}; "
                                          f"moto answered with a 500: {' | '.join(missing) or 'no NotImplementedError in its log'}")
            e2e.log(f"callers: {findings[f'apply_{stack}']}")
    return applied


def run(e2e, endpoint: str, env: dict[str, str]) -> dict[str, str]:
    findings: dict[str, str] = {}
    instance, store = _identity_center(e2e, endpoint, findings)
    admin = e2e.session(endpoint, MANAGEMENT, DEPLOY)
    idstore = admin.client("identitystore", endpoint_url=endpoint, verify=False)
    group_id = idstore.create_group(IdentityStoreId=store, DisplayName=GROUP)["GroupId"]
    e2e.log(f"callers: identity store group {GROUP} is {group_id}")
    text = (e2e.ROOT / "test" / "fixtures" / "e2e" / "callers.yaml").read_text()
    e2e.check(PLACEHOLDER_INSTANCE in text and PLACEHOLDER_STORE in text, "callers: the fixture holds the placeholders the run replaces")
    map_path = e2e.WORK / "callers.yaml"
    map_path.write_text(text.replace(PLACEHOLDER_INSTANCE, instance).replace(PLACEHOLDER_STORE, store))
    stacks = e2e.synth(map_path, endpoint)
    e2e.check(stacks == ["dev", "management", "prod"], f"callers: one stack per account: {stacks}")
    applied = _apply(e2e, stacks, env, findings)
    try:
        e2e.check_accounts(endpoint, [s for s in applied if s != "management"])
        if "prod" in applied:
            iam = e2e.session(endpoint, PROD, DEPLOY).client("iam", endpoint_url=endpoint, verify=False)
            arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
            e2e.check(arns == [f"arn:aws:iam::{PROD}:oidc-provider/{OIDC_HOST}"], f"callers: prod holds GitHub's OIDC provider: {arns}")
            got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arns[0])
            e2e.check(got["ClientIDList"] == ["sts.amazonaws.com"] and got["Url"].endswith(OIDC_HOST), f"callers: the provider's audience and URL ({got['Url']}, {got['ClientIDList']})")
            trust = iam.get_role(RoleName="Deploy")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
            e2e.check(trust["Condition"]["StringEquals"][f"{OIDC_HOST}:sub"] == "repo:acme/infra:ref:refs/heads/main",
                      f"callers: Deploy trusts only acme/infra on main ({trust['Condition']})")
            # What moto checks of a web identity: a made-up token for the Deploy role.
            sts = e2e.boto3.client("sts", endpoint_url=endpoint, region_name=e2e.REGION, verify=False, aws_access_key_id="test", aws_secret_access_key="test")
            try:
                sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{PROD}:role/Deploy", RoleSessionName="e2e", WebIdentityToken="not-a-github-token")
                findings["web_identity"] = "not enforced: moto let a made-up web identity token assume prod/role/Deploy (no OIDC provider, audience or subject check)"
            except ClientError as e:
                findings["web_identity"] = f"refused ({e.response['Error']['Code']}) a made-up web identity token for prod/role/Deploy"
            e2e.log(f"callers: {findings['web_identity']}")
        if "dev" in applied:
            dev_trust = e2e.session(endpoint, DEV, DEPLOY).client("iam", endpoint_url=endpoint, verify=False).get_role(RoleName="StateMachine")["Role"]["AssumeRolePolicyDocument"]
            e2e.check(dev_trust["Statement"][0].get("Condition") == {"StringEquals": {"aws:SourceAccount": DEV}}, f"callers: StateMachine's trust names Step Functions' source account ({dev_trust})")
        if "management" not in applied:
            sso = admin.client("sso-admin", endpoint_url=endpoint, verify=False)
            sets = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
            held = [sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=a)["PermissionSet"] for a in sets]
            names = ", ".join(f"{p['Name']} {p.get('SessionDuration')}" for p in held)
            findings["sso_partial"] = (f"moto holds {len(held)} permission set(s) after the failed apply ({names}); "
                                       "the managed policy attachment, the inline policy and the assignments depend on the set's resource and were not created, so they are not checked in moto")
            e2e.log(f"callers: {findings['sso_partial']}")
        if "management" in applied:
            mgmt = e2e.stack_json("management")["resource"]
            sso = admin.client("sso-admin", endpoint_url=endpoint, verify=False)
            sets = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
            e2e.check(len(sets) == 1, f"callers: one permission set in the instance: {sets}")
            described = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=sets[0])["PermissionSet"]
            e2e.check(described["Name"] == SET and described.get("SessionDuration") == "PT8H", f"callers: permission set {SET}, 8 hours ({described})")
            managed = [p["Arn"] for p in sso.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=sets[0])["AttachedManagedPolicies"]]
            e2e.check(managed == ["arn:aws:iam::aws:policy/ReadOnlyAccess"], f"callers: {SET}'s managed policies: {managed}")
            want_inline = json.loads(next(iter(mgmt["aws_ssoadmin_permission_set_inline_policy"].values()))["inline_policy"])
            got_inline = json.loads(sso.get_inline_policy_for_permission_set(InstanceArn=instance, PermissionSetArn=sets[0])["InlinePolicy"])
            e2e.check(got_inline == want_inline, f"callers: {SET}'s inline policy is the synthesized one")
            for account in (DEV, PROD):
                assigned = sso.list_account_assignments(InstanceArn=instance, AccountId=account, PermissionSetArn=sets[0])["AccountAssignments"]
                e2e.check([(a["PrincipalType"], a["PrincipalId"]) for a in assigned] == [("GROUP", group_id)], f"callers: {GROUP} is assigned {SET} in {account}: {assigned}")
        if applied == stacks:
            e2e.check(e2e.all_zero(e2e.plan_summary(env)), "callers: plan again: no changes in any stack")
        else:
            # terraform() fails on exit code 2 (changes): each applied stack plans empty.
            for stack in applied:
                e2e.terraform(stack, env, "plan", "-detailed-exitcode")
                e2e.log(f"ok   callers: plan again: no changes in {stack}")
            findings["replan"] = f"plan again is empty for {', '.join(applied) or 'no stack'}; not for {', '.join(s for s in stacks if s not in applied)}, which did not apply"
    finally:
        e2e.destroy_all(applied, env)
        for stack in (s for s in stacks if s not in applied):
            # What the failed apply created, from its state; no refresh, which would read it back through the missing action.
            try:
                e2e.terraform(stack, env, "destroy", "-auto-approve", "-refresh=false")
            except e2e.Failure as f:
                findings[f"destroy_{stack}"] = f"terraform destroy -refresh=false of the {stack} stack failed: {str(f)[-400:]}"
                e2e.log(f"callers: {findings[f'destroy_{stack}']}")
    left = admin.client("sso-admin", endpoint_url=endpoint, verify=False).list_permission_sets(InstanceArn=instance)["PermissionSets"]
    e2e.check(not left, f"callers: no permission set left after destroy: {left}")
    left_oidc = e2e.session(endpoint, PROD, DEPLOY).client("iam", endpoint_url=endpoint, verify=False).list_open_id_connect_providers()["OpenIDConnectProviderList"]
    e2e.check(not left_oidc, f"callers: no OIDC provider left in prod: {left_oidc}")
    e2e.check_empty(endpoint, {PROD: DEPLOY, DEV: DEPLOY, MANAGEMENT: DEPLOY})
    # The group was made outside the map, as an organization's directory would hold it.
    idstore.delete_group(IdentityStoreId=store, GroupId=group_id)
    return findings
