/**
 * The resolved account map: every name checked, every reference turned into the
 * entity it names, every default applied. Stacks and policies read only this.
 */
import type { ResourceKind } from "../resources/kind";
import type { Section } from "../resources";
import type { Located } from "./errors";
import type { ImportRecord } from "./imports";

/** Seconds, already range-checked (3,600 to 43,200). */
export type Seconds = number;

/** An access level of a resource kind (`read`, `read-write` for buckets); the kind lists its levels. */
export type AccessLevel = string;

/** An account's own fields. */
export interface AccountBase {
  readonly name: string;
  readonly id: string;
  /** Home region: the account's own, else `defaults.region`. */
  readonly region: string;
  /** Role the deployer assumes in this account. */
  readonly deployRoleArn: string;
  readonly groups: readonly Group[];
  readonly roles: readonly Role[];
  readonly policies: readonly CustomerPolicy[];
  readonly at: Located;
}

/** An account's shareable resources, one list per kind under its section name (`buckets`). */
export type AccountResources = { readonly [S in Section]: readonly SharedResource[] };

/** An account declared under `accounts`, with its shareable resources. */
export type Account = AccountBase & AccountResources;

/** An IAM group the program manages; people are added to it outside this program. */
export interface Group {
  readonly kind: "group";
  readonly name: string;
  readonly account: Account;
  readonly arn: string;
  readonly at: Located;
}

/** A cross-account role. */
export interface Role {
  readonly kind: "role";
  readonly name: string;
  readonly account: Account;
  readonly arn: string;
  readonly maxSessionSeconds: Seconds;
  /** Full ARNs of AWS managed policies to attach. */
  readonly managedPolicyArns: readonly string[];
  /** Customer managed policies of the same account to attach. */
  readonly customerPolicies: readonly CustomerPolicy[];
  /** Who may assume this role, each with whether MFA is required of it. */
  readonly callers: readonly Caller[];
  readonly at: Located;
}

/** An account outside the map (vendor, partner) that may assume roles with an external id. */
export interface ExternalAccount {
  readonly kind: "external";
  readonly name: string;
  readonly id: string;
  readonly externalId: string;
  readonly at: Located;
}

/** An AWS service principal such as `ec2.amazonaws.com`. */
export interface ServicePrincipal {
  readonly kind: "service";
  readonly service: string;
}

/**
 * GitHub Actions workflows of one repository, on one branch or bound to one
 * environment: `github/<owner>/<repo>@<branch>`, `github/<owner>/<repo>@env:<environment>`.
 */
export interface GithubCaller {
  readonly kind: "github";
  readonly owner: string;
  readonly repo: string;
  readonly branch?: string;
  readonly environment?: string;
  /** The token's `sub` claim: `repo:<owner>/<repo>:ref:refs/heads/<branch>` or `repo:<owner>/<repo>:environment:<environment>`. */
  readonly subject: string;
}

/** An IAM Identity Center permission set of `identityCenter.permissionSets`. */
export interface PermissionSet {
  readonly kind: "permission-set";
  readonly name: string;
  /** The account that administers Identity Center: the set is written in its stack. */
  readonly account: Account;
  readonly sessionSeconds: Seconds;
  readonly managedPolicyArns: readonly string[];
  /** Identity Center groups (display names) and the accounts each is given the set in. */
  readonly assignments: readonly { readonly group: string; readonly accounts: readonly Account[]; readonly at: Located }[];
  readonly at: Located;
}

/** People signed in through IAM Identity Center with a permission set, in one account: `<account>/sso/<PermissionSet>`. */
export interface SsoCaller {
  readonly kind: "sso";
  readonly permissionSet: PermissionSet;
  readonly account: Account;
  /** `aws:PrincipalArn` pattern (ArnLike) of the set's reserved role in the account. */
  readonly principalArnPattern: string;
}

/** The optional `identityCenter` block. */
export interface IdentityCenter {
  readonly account: Account;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** In name order. */
  readonly permissionSets: readonly PermissionSet[];
  readonly at: Located;
}

/** Anything that may be granted access. Groups and roles are in the map; the others are outside it. */
export type Principal = Group | Role | ExternalAccount | ServicePrincipal | GithubCaller | SsoCaller;

/** What a resource's `grants` may name: a group, a role, or a permission set in an account. */
export type Grantee = Holder | SsoCaller;

/** Where the identity half of a grant is written: a group's or role's inline policy, or a permission set's. */
export type IdentityHolder = Holder | PermissionSet;

/** A principal of the map that holds identity policies: the identity half of a grant lands on it. */
export type Holder = Group | Role;

/** One entry of a role's `assumableBy`. */
export interface Caller {
  readonly principal: Principal;
  /** True when the caller is a group (people) and MFA is required for this role. */
  readonly requireMfa: boolean;
  /** The reference as written, e.g. `dev/developers`. */
  readonly ref: string;
  readonly at: Located;
}

/** A shareable resource (a bucket, ...) of one kind, and who may use it. */
export interface SharedResource {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly account: Account;
  readonly region: string;
  readonly arn: string;
  /** Encrypted with a customer managed key of its own (its kind's `key`: a bucket with `encryption: kms`, every secret). */
  readonly ownKey: boolean;
  readonly grants: readonly ResourceGrant[];
  readonly at: Located;
}

/** One entry of a resource's `grants`. */
export interface ResourceGrant {
  readonly grantee: Grantee;
  readonly level: AccessLevel;
  /** True when the grantee is a group (people) and MFA is required. */
  readonly requireMfa: boolean;
  readonly ref: string;
  readonly at: Located;
}

/** One statement of a customer managed policy, as declared. */
export interface PolicyStatementSpec {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** A customer managed policy under `accounts.<account>.policies`. */
export interface CustomerPolicy {
  readonly name: string;
  readonly account: Account;
  readonly arn: string;
  readonly statements: readonly PolicyStatementSpec[];
  /** Set with `allowWildcards: true`: service-wide actions (`s3:*`, `*`) are then allowed. */
  readonly allowWildcards: boolean;
  readonly at: Located;
  /** Path of the statement list in the map, for locating problems in it. */
  readonly statementsPath: readonly string[];
}

/** A role of `baseline.audit.alertOn`: each assumption of it raises an alert. */
export interface AlertOn {
  readonly role: Role;
  /** The reference as written, `prod/role/StageRole`. */
  readonly ref: string;
  readonly at: Located;
}

/** `baseline.audit`: the account that keeps the trail's bucket and the alert topics, and the roles alerted on. */
export interface Audit {
  readonly account: Account;
  /** In reference order (code point). */
  readonly alertOn: readonly AlertOn[];
  readonly at: Located;
}

/** The `baseline` block with its defaults applied. */
export interface Baseline {
  /** `strict`: the CIS password policy in every account that has groups; `none`: no password policy is written. */
  readonly passwordPolicy: "strict" | "none";
  /** Every group gets the self-service MFA policy. */
  readonly selfServiceMfa: boolean;
  readonly audit?: Audit;
  readonly at: Located;
}

/** Where Terraform keeps state. */
export type StateBackend =
  | { readonly backend: "local" }
  | { readonly backend: "s3"; readonly bucket: string; readonly region: string; readonly roleArn?: string }
  /** HCP Terraform or Terraform Enterprise: one workspace per stack, `<workspacePrefix><stack>`; hostname absent means app.terraform.io. */
  | { readonly backend: "cloud"; readonly organization: string; readonly workspacePrefix: string; readonly hostname?: string };

/** The whole resolved map. Accounts are in name order. */
export interface Model {
  readonly file: string;
  readonly accounts: readonly Account[];
  readonly externals: readonly ExternalAccount[];
  readonly organizationId?: string;
  readonly state: StateBackend;
  /** Tags added to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** The `identityCenter` block, when the map has one. */
  readonly identityCenter?: IdentityCenter;
  /** Resources that exist and that the next plan imports (`<map>.imports.yaml`, config/imports.ts); none when absent. */
  readonly imports?: readonly ImportRecord[];
  /** The `baseline` block, when the map has one: without it none of the baseline is written. */
  readonly baseline?: Baseline;
}
