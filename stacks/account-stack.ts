/**
 * One Terraform stack per account, built only from that account's plan: no file
 * or environment access, no policy written here (they come finished from the plan).
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPoliciesExclusive } from "@cdktf/provider-aws/lib/iam-group-policies-exclusive";
import { IamGroupPolicy } from "@cdktf/provider-aws/lib/iam-group-policy";
import { IamGroupPolicyAttachmentsExclusive } from "@cdktf/provider-aws/lib/iam-group-policy-attachments-exclusive";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePoliciesExclusive } from "@cdktf/provider-aws/lib/iam-role-policies-exclusive";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamRolePolicyAttachmentsExclusive } from "@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive";
import { TerraformElement, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { Account, StateBackend } from "../config/model";
import { addBackend } from "./backend";
import { byCodePoint } from "../config/order";
import { toJson as policyJson, type PolicyDocument } from "../policies/document";
import { tfLiteral, tfLiterals } from "./literal";
import { type AccountPlan, resourcePlans, type RolePlan } from "../policies/plan";
import { KINDS } from "../resources";
import { KMS_KEYS, OWN_KEYS } from "../config/imports";
import { BUILDERS, type BuildContext } from "../resources/stacks";
import { switchRoleUrl, tfName } from "./names";
import { buildCallers } from "./callers-stack";
import { type BaselineBuilt, buildBaseline } from "./baseline-stack";

/** Name of the one inline policy the program manages on each group and role. */
export const INLINE_POLICY_NAME = "cross-account-access";

/** Session name the deployer's provider uses, visible in CloudTrail. */
export const DEPLOY_SESSION_NAME = "cross-account-bootstrap";

export interface AccountStackProps {
  readonly plan: AccountPlan;
  readonly state: StateBackend;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Points every provider at an AWS API emulator (e.g. moto) instead of AWS. Only
   * for dry runs; a normal synth leaves it undefined and the output holds no trace of it.
   */
  readonly localEndpoint?: string;
  /**
   * Import records of this account (`section/name` → id, config/imports.ts): each
   * such resource gets a Terraform import block, so the next plan adopts the
   * existing resource instead of creating it.
   */
  readonly imports?: ReadonlyMap<string, string>;
}

/** `depends_on` these resources, or nothing when there are none. */
const after = (resources: readonly TerraformResource[]) => (resources.length > 0 ? { dependsOn: [...resources] } : {});

/** A policy as the literal JSON string Terraform will send to AWS unchanged. */
const toJson = (doc: PolicyDocument): string => tfLiteral(policyJson(doc));

/**
 * Provider settings for an emulator: its endpoint for the services we use,
 * path-style S3, no instance metadata, and for an https endpoint no certificate
 * check (emulators serve self-signed certificates; buckets refuse plain HTTP).
 */
export function localProviderSettings(endpoint: string) {
  return {
    endpoints: [{ iam: endpoint, ...Object.fromEntries(KINDS.map((k) => [k.access.service, endpoint])), sts: endpoint, ssoadmin: endpoint, identitystore: endpoint, cloudtrail: endpoint, events: endpoint, resourcegroupstaggingapi: endpoint }],
    s3UsePathStyle: true,
    skipMetadataApiCheck: "true",
    ...(endpoint.startsWith("https:") ? { insecure: true } : {}),
  };
}

/** Everything one account holds: providers, backend, customer policies, roles, groups, each kind's resources, outputs. */
export class AccountStack extends TerraformStack {
  private readonly providers = new Map<string, AwsProvider>();
  private readonly account: Account;
  private readonly imports: ReadonlyMap<string, string>;

  constructor(scope: Construct, props: AccountStackProps) {
    const { plan, state, tags } = props;
    const account = plan.account;
    super(scope, account.name);
    this.account = account;
    this.imports = props.imports ?? new Map();
    addBackend(this, state, props.localEndpoint);
    this.provider(account.region, tags, props.localEndpoint);
    const resources = resourcePlans(plan);
    for (const r of resources) this.provider(r.resource.region, tags, props.localEndpoint);

    const customerPolicies = new Map(
      plan.policies.map(({ policy, document }) => [
        policy,
        this.adopted(this.named(new IamPolicy(this, `policy_${tfName(policy.name)}`, { provider: this.home, name: policy.name, policy: toJson(document) }), policy.name), "policies", policy.name),
      ]),
    );
    for (const rolePlan of plan.roles) this.role(rolePlan, customerPolicies);
    const groups = new Map<string, IamGroup>();
    const groupInline = new Map<string, TerraformResource[]>();
    for (const { group, inlinePolicy } of plan.groups) {
      const g = this.adopted(this.named(new IamGroup(this, `group_${tfName(group.name)}`, { provider: this.home, name: group.name }), group.name), "groups", group.name);
      groups.set(group.name, g);
      groupInline.set(
        group.name,
        inlinePolicy
          ? [
              this.named(
                new IamGroupPolicy(this, `group-policy_${tfName(group.name)}`, { provider: this.home, group: g.name, name: INLINE_POLICY_NAME, policy: toJson(inlinePolicy) }),
                group.name,
              ),
            ]
          : [],
      );
    }
    const recordsUnder = (sectionName: string) => new Map([...this.imports].filter(([k]) => k.startsWith(`${sectionName}/`)).map(([k, id]) => [k.slice(sectionName.length + 1), id]));
    const keyOnly = recordsUnder(KMS_KEYS);
    const ownKeys = recordsUnder(OWN_KEYS);
    for (const entry of resources) {
      const ctx: BuildContext = {
        scope: this,
        provider: this.providers.get(entry.resource.region)!,
        named: (e, ...names) => this.named(e, ...names),
        json: toJson,
        importId: this.imports.get(`${entry.kind.section}/${entry.resource.name}`),
        stack: this.account.name,
        importKeyOnly: keyOnly,
        importOwnKey: ownKeys,
      };
      BUILDERS[entry.kind.id as keyof typeof BUILDERS](ctx, entry);
    }

    let baseline: BaselineBuilt | undefined;
    if (plan.baseline) {
      const named = <T extends TerraformElement>(e: T, ...names: string[]) => this.named(e, ...names);
      const provider = (region: string) => this.provider(region, tags, props.localEndpoint);
      baseline = buildBaseline({ scope: this, home: this.home, provider, named, json: toJson, groups, inlinePolicyName: INLINE_POLICY_NAME, stack: this.account.name }, plan.baseline);
    }
    for (const { role, name, inline } of baseline?.roles ?? []) this.exclusive("role", role.name, name, inline, [], []);
    // A group's managed policy attachment is the baseline's self-service MFA policy, or none: the list makes any attachment added by hand drift.
    for (const [name, g] of groups) {
      const mfa = baseline?.groupAttachments.get(name);
      this.exclusive("group", g.name, name, groupInline.get(name) ?? [], mfa ? [mfa.policyArn] : [], mfa ? [mfa.attachment] : []);
    }

    buildCallers({ scope: this, provider: this.home, named: (e, ...names) => this.named(e, ...names), json: toJson }, plan);

    new TerraformOutput(this, "roles", {
      description: "Each role's ARN and console switch-role link, by role name",
      value: Object.fromEntries(
        plan.roles.map(({ role }) => [role.name, { arn: role.arn, switch_role_url: switchRoleUrl(account.name, account.id, role.name) }]),
      ),
    });

    // Invariant: a resource without an explicit provider would silently use the
    // default credentials' account; allowed_account_ids guards only aliased providers.
    this.node.addValidation({
      validate: () =>
        this.node
          .findAll()
          .filter((c): c is TerraformResource => c instanceof TerraformResource && c.provider === undefined)
          .map((r) => `resource ${r.node.path} names no provider`),
    });
  }

  /** The account's home-region provider. */
  private get home(): AwsProvider {
    return this.providers.get(this.account.region)!;
  }

  /** The provider for a region, created on first use; the home region's is aliased after the account. */
  private provider(region: string, tags: Readonly<Record<string, string>>, localEndpoint?: string): AwsProvider {
    const existing = this.providers.get(region);
    if (existing) return existing;
    const account = this.account;
    const alias = this.providers.size === 0 ? account.name : `${account.name}_${region}`;
    const provider = new AwsProvider(this, `provider_${alias}`, {
      alias,
      region,
      assumeRole: [{ roleArn: account.deployRoleArn, sessionName: DEPLOY_SESSION_NAME }],
      // Refuses to apply this stack with credentials for any other account.
      allowedAccountIds: [account.id],
      ...(Object.keys(tags).length > 0 ? { defaultTags: [{ tags: tfLiterals(tags) }] } : {}),
      ...(localEndpoint ? localProviderSettings(localEndpoint) : {}),
    });
    this.providers.set(region, provider);
    return provider;
  }

  private role({ role, trustPolicy, inlinePolicy }: RolePlan, customerPolicies: ReadonlyMap<unknown, IamPolicy>): void {
    const name = tfName(role.name);
    const r = this.adopted(
      this.named(
        new IamRole(this, `role_${name}`, {
          provider: this.home,
          name: role.name,
          assumeRolePolicy: toJson(trustPolicy),
          maxSessionDuration: role.maxSessionSeconds,
        }),
        role.name,
      ),
      "roles",
      role.name,
    );
    const managed = role.managedPolicyArns.map((arn) => {
      const managedName = arn.slice("arn:aws:iam::aws:policy/".length);
      return this.named(
        new IamRolePolicyAttachment(this, `attach_${name}__aws__${tfName(managedName)}`, { provider: this.home, role: r.name, policyArn: arn }),
        role.name,
        "aws",
        managedName,
      );
    });
    const customer = role.customerPolicies.map((policy) =>
      this.named(
        new IamRolePolicyAttachment(this, `attach_${name}__${tfName(policy.name)}`, {
          provider: this.home,
          role: r.name,
          policyArn: customerPolicies.get(policy)!.arn,
        }),
        role.name,
        policy.name,
      ),
    );
    const inline = inlinePolicy
      ? [
          this.named(
            new IamRolePolicy(this, `role-policy_${name}`, { provider: this.home, role: r.name, name: INLINE_POLICY_NAME, policy: toJson(inlinePolicy) }),
            role.name,
          ),
        ]
      : [];
    this.exclusive("role", r.name, role.name, inline, [...role.managedPolicyArns, ...role.customerPolicies.map((p) => p.arn)], [...managed, ...customer]);
  }

  /**
   * Exclusive ownership of a role's or group's inline policies and managed policy
   * attachments: an inline policy or attachment added outside Terraform shows as
   * drift on the next refresh and is removed by the next apply. Written with an
   * empty list when the program writes none, so that every hand-added one is drift.
   * Each depends on the policies and attachments it lists, so that it never runs
   * before them (and never detaches a policy the same apply is about to attach).
   */
  private exclusive(
    of: "role" | "group",
    nameRef: string,
    name: string,
    inline: readonly TerraformResource[],
    policyArns: readonly string[],
    attachments: readonly TerraformResource[],
  ): void {
    const policyNames = inline.length > 0 ? [INLINE_POLICY_NAME] : [];
    const arns = [...policyArns].sort(byCodePoint);
    if (of === "role") {
      this.named(new IamRolePoliciesExclusive(this, `role-policies-exclusive_${tfName(name)}`, { provider: this.home, roleName: nameRef, policyNames, ...after(inline) }), name);
      this.named(
        new IamRolePolicyAttachmentsExclusive(this, `role-attachments-exclusive_${tfName(name)}`, { provider: this.home, roleName: nameRef, policyArns: arns, ...after(attachments) }),
        name,
      );
    } else {
      this.named(new IamGroupPoliciesExclusive(this, `group-policies-exclusive_${tfName(name)}`, { provider: this.home, groupName: nameRef, policyNames, ...after(inline) }), name);
      this.named(
        new IamGroupPolicyAttachmentsExclusive(this, `group-attachments-exclusive_${tfName(name)}`, { provider: this.home, groupName: nameRef, policyArns: arns, ...after(attachments) }),
        name,
      );
    }
  }

  /** Imports the existing resource when the account's records name it (an import block; config/imports.ts). */
  private adopted<T extends TerraformResource>(resource: T, sectionName: string, name: string): T {
    const id = this.imports.get(`${sectionName}/${name}`);
    if (id !== undefined) resource.importFrom(id, this.home);
    return resource;
  }

  /** Gives an element its readable Terraform address: `aws_iam_role.UpdateProdApp`, not a hashed construct path. */
  private named<T extends TerraformElement>(element: T, ...names: string[]): T {
    element.overrideLogicalId(tfName(...names));
    return element;
  }
}
