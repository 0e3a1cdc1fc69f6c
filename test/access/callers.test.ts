/**
 * GitHub Actions, IAM Identity Center and service callers (test/fixtures/good/callers.yaml):
 * both halves of every form, evaluated from the synthesized stacks with the same
 * evaluator as every other caller, each probe denied, and a loosened trust caught.
 */
import { readFileSync } from "node:fs";
import type { Analysis } from "../../access/analyze";
import { conditionText, reaches, renderAwsConfig } from "../../access/report";
import type { Model } from "../../config/model";
import { plan, synth } from "../helpers";
import { analyzed, sid, synthesized, withPolicy } from "./fixture";

const FILE = "test/fixtures/good/callers.yaml";
const text = readFileSync(FILE, "utf8");

let model: Model;
let outdir: string;
let clean: Analysis;
beforeAll(async () => {
  ({ model, outdir } = await synthesized(text, FILE));
  clean = await analyzed(model, outdir);
});

test("GIVEN every caller form WHEN the stacks are evaluated THEN exactly the declared callers get in, under their conditions", () => {
  expect(reaches(clean.access).map((r) => `${r.caller} → ${r.target}: ${r.summary} [${conditionText(r)}]`)).toEqual([
    "dev/sso/Developer → prod/bucket/acme-prod-artifacts-callers: read [principal ARN, TLS]",
    "github/acme/app@env:production → prod/role/Deploy: assume [none]",
    "github/acme/infra@main → prod/role/Deploy: assume [none]",
    "github/acme/infra@release/v2 → prod/role/Deploy: assume [none]",
    "prod/role/Deploy → prod/bucket/acme-prod-artifacts-callers: read-write [TLS]",
    "prod/sso/Engineer_Admin → prod/role/Operator: assume [principal ARN]",
    "service/ec2.amazonaws.com → staging/role/Instance: assume [none]",
    "service/states.amazonaws.com → staging/role/StateMachine: assume [none]",
    "staging/sso/Developer → prod/role/Operator: assume [principal ARN]",
  ]);
  expect(clean.verdict.differences).toEqual([]);
  expect(clean.verdict.ok).toBe(true);
});

test("every probe of the new callers is asked and denied", () => {
  const asked = Object.fromEntries(clean.verdict.probes.filter((p) => /^(github|sso|service)-/.test(p.probe)).map((p) => [p.probe, `${p.denied}/${p.requests}`]));
  expect(asked).toEqual({
    "github-other-repository": "3/3",
    "github-other-branch": "3/3",
    "github-pull-request": "3/3",
    "github-wrong-audience": "3/3",
    "sso-other-permission-set": "6/6",
    "sso-unassigned-account": "6/6",
    "service-other-account": "1/1",
  });
});

test("a trust loosened to every workflow of the repository fails the gate: the pull-request probe is not denied", async () => {
  const broken = withPolicy(outdir, "prod aws_iam_role.Deploy", (doc) => {
    const s = sid(doc, "TrustGithubActions");
    s.Condition = { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/infra:*" } };
  }, "assume_role_policy");
  const a = await analyzed(model, broken);
  expect(a.verdict.ok).toBe(false);
  expect(a.verdict.differences.map((d) => d.message)).toEqual(
    expect.arrayContaining([
      // The stacks now trust a subject pattern, not the three declared callers: each is missing, the pattern is undeclared, and pull requests get in.
      expect.stringContaining("github/acme/infra@main → prod/role/Deploy: sts:AssumeRoleWithWebIdentity declared"),
      expect.stringContaining("github/repo:acme/infra:* → prod/role/Deploy: sts:AssumeRoleWithWebIdentity allowed, but the map declares no such grant"),
      'probe "github-pull-request" not denied: github/repo:acme/infra:* → prod/role/Deploy: sts:AssumeRoleWithWebIdentity (sub repo:acme/infra:pull_request)',
    ]),
  );
});

test("the SSO pattern without its exact suffix lets Engineer_Admin's sessions match Engineer's: caught", async () => {
  const broken = withPolicy(outdir, "prod aws_iam_role.Operator", (doc) => {
    const s = sid(doc, "TrustSsoStagingDeveloper");
    s.Condition = { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::100000000003:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Developer_*" } };
  }, "assume_role_policy");
  const a = await analyzed(model, broken);
  expect(a.verdict.differences.map((d) => d.message)).toEqual(expect.arrayContaining([expect.stringContaining('probe "sso-other-permission-set" not denied: staging/sso/Developer → prod/role/Operator')]));
});

test("aws-config: an sso-session, one SSO profile per set and account, role profiles sourced from them, and the GitHub role ARNs", () => {
  const config = renderAwsConfig(clean);
  expect(config).toContain("[sso-session identity-center]\nsso_start_url = https://<your-start-url>.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access");
  expect(config).toContain("[profile staging-sso-Developer]\nsso_session = identity-center\nsso_account_id = 100000000003\nsso_role_name = Developer\nregion = us-east-1");
  expect(config).toContain("[profile prod-Operator-as-staging-sso-Developer]\nrole_arn = arn:aws:iam::100000000002:role/Operator\nsource_profile = staging-sso-Developer");
  expect(config).toContain("# github/acme/infra@main: GitHub Actions, no profile; in the workflow (permissions: id-token: write), aws-actions/configure-aws-credentials with\n#   role-to-assume: arn:aws:iam::100000000002:role/Deploy");
  expect(config).not.toMatch(/sso-Developer[\s\S]*mfa_serial/);
});

describe("both halves, from one declaration", () => {
  test("GIVEN github callers of one role THEN one Federated statement lists their subjects; the account gets one OIDC provider", async () => {
    const { plans } = await plan(text, FILE);
    const prod = plans.find((p) => p.account.name === "prod")!;
    expect(prod.githubOidcProvider).toBe(true);
    expect(prod.roles.find((r) => r.role.name === "Deploy")!.trustPolicy.Statement).toEqual([
      {
        Sid: "TrustGithubActions",
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::100000000002:oidc-provider/token.actions.githubusercontent.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:acme/app:environment:production", "repo:acme/infra:ref:refs/heads/main", "repo:acme/infra:ref:refs/heads/release/v2"],
          },
        },
      },
    ]);
    expect(plans.filter((p) => p.githubOidcProvider).map((p) => p.account.name)).toEqual(["prod"]);
    const stacks = await synth(text);
    expect(stacks.prod.resource.aws_iam_openid_connect_provider).toEqual({
      github: expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"], provider: "aws.prod" }),
    });
  });

  test("GIVEN <account>/sso/<Set> THEN the trust names the account's root narrowed to the reserved role, and the identity half is in the set's inline policy", async () => {
    const { plans } = await plan(text, FILE);
    const prod = plans.find((p) => p.account.name === "prod")!;
    expect(prod.roles.find((r) => r.role.name === "Operator")!.trustPolicy.Statement[1]).toEqual({
      Sid: "TrustSsoStagingDeveloper",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::100000000003:root" },
      Action: "sts:AssumeRole",
      Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::100000000003:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Developer_????????????????" } },
    });
    const management = plans.find((p) => p.account.name === "management")!;
    const developer = management.identityCenter!.permissionSets.find((p) => p.set.name === "Developer")!;
    expect(developer.inlinePolicy!.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["AssumeRoles", "sts:AssumeRole", "arn:aws:iam::100000000002:role/Operator"],
      ["ReadObjects", ["s3:GetObject", "s3:GetObjectVersion"], "arn:aws:s3:::acme-prod-artifacts-callers/*"],
      ["ListBuckets", ["s3:ListBucket", "s3:GetBucketLocation"], "arn:aws:s3:::acme-prod-artifacts-callers"],
    ]);
    const stacks = await synth(text);
    const m = stacks.management.resource;
    expect(m.aws_ssoadmin_permission_set.Developer).toEqual(expect.objectContaining({ name: "Developer", session_duration: "PT8H", instance_arn: "arn:aws:sso:::instance/ssoins-1234567890abcdef" }));
    expect(Object.keys(m.aws_ssoadmin_account_assignment)).toEqual(["Developer__Engineering__dev", "Developer__Engineering__staging", "Engineer_Admin__Platform__prod"]);
    expect(m.aws_ssoadmin_account_assignment.Developer__Engineering__dev).toEqual(
      expect.objectContaining({ principal_id: "${data.aws_identitystore_group.Engineering.group_id}", principal_type: "GROUP", target_id: "100000000004", target_type: "AWS_ACCOUNT" }),
    );
    expect(stacks.management.data?.aws_identitystore_group.Engineering.alternate_identifier).toEqual({ unique_attribute: { attribute_path: "DisplayName", attribute_value: "Engineering" } });
  });

  test("GIVEN a service that sends aws:SourceAccount THEN its trust names the role's account; EC2, which sends none, is unchanged", async () => {
    const { plans } = await plan(text, FILE);
    const staging = plans.find((p) => p.account.name === "staging")!;
    const trust = (name: string) => staging.roles.find((r) => r.role.name === name)!.trustPolicy.Statement[0].Condition;
    expect(trust("StateMachine")).toEqual({ StringEquals: { "aws:SourceAccount": "100000000003" } });
    expect(trust("Instance")).toBeUndefined();
  });
});
