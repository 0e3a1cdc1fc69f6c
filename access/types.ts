/**
 * The vocabulary of the access report: what is read back from synthesized stacks,
 * who may call, what may be called, what the evaluator found and what the map
 * declared. Types only; every module of access/ speaks in these.
 */
import type { KindId, Section } from "../resources";

/** An IAM statement read back from a stack. Loosely typed: a broken or hand-edited stack may hold anything. */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A policy document read back from a stack. */
export interface PolicyJson {
  readonly Version?: string;
  readonly Statement?: StatementJson | readonly StatementJson[];
}

/** One policy document of a stack and the Terraform address that holds it. */
export interface PolicyText {
  readonly stack: string;
  /** Terraform address, e.g. `aws_iam_group_policy.developers`. */
  readonly address: string;
  /** What the document is, e.g. `inline policy`, `trust policy`, `customer managed policy read-write-x`. */
  readonly label: string;
  readonly document: PolicyJson;
  /** Characters not counting whitespace, as AWS counts them against quotas. */
  readonly size: number;
}

/** A managed policy attached to a group or role. */
export interface Attachment {
  readonly address: string;
  readonly policyArn: string;
  readonly policyName: string;
  /** The document when it is a customer managed policy of the same stack; undefined for AWS managed (not evaluated). */
  readonly customer?: PolicyText;
}

/** An IAM group of a stack. */
export interface GroupEntity {
  readonly kind: "group";
  readonly stack: string;
  readonly accountId: string;
  readonly name: string;
  readonly arn: string;
  readonly address: string;
  readonly inline: readonly PolicyText[];
  readonly attachments: readonly Attachment[];
}

/** An IAM role of a stack. */
export interface RoleEntity {
  readonly kind: "role";
  readonly stack: string;
  readonly accountId: string;
  readonly name: string;
  readonly arn: string;
  readonly address: string;
  /** Undefined only when the stack's trust policy could not be read (listed as a problem). */
  readonly trust?: PolicyText;
  readonly inline: readonly PolicyText[];
  readonly attachments: readonly Attachment[];
  readonly maxSessionSeconds?: number;
  /** From the stack's `roles` output when present. */
  readonly switchRoleUrl?: string;
}

/** A shareable resource of a stack (a bucket, ...), of the kind whose id is `kind`. */
export interface ResourceEntity {
  readonly kind: KindId;
  readonly stack: string;
  readonly accountId: string;
  readonly name: string;
  readonly arn: string;
  readonly address: string;
  readonly policy?: PolicyText;
  /** Its region, from its provider. */
  readonly region?: string;
  /** The customer managed key of its own (a kind's `key`): the key's address and policy. */
  readonly key?: { readonly address: string; readonly policy?: PolicyText };
}

/** Everything one synthesized stack holds that grants or gates access. */
export type StackInventory = {
  readonly name: string;
  readonly accountId: string;
  readonly groups: readonly GroupEntity[];
  readonly roles: readonly RoleEntity[];
  /** Customer managed policies (`aws_iam_policy`). */
  readonly policies: readonly PolicyText[];
  /** Identity Center permission sets, in the stack that administers Identity Center. */
  readonly permissionSets?: readonly PermissionSetEntity[];
} & StackResources;

/** A stack's shareable resources, one list per kind under its section name (`buckets`); `entities()` reads them all. */
export type StackResources = { readonly [S in Section]?: readonly ResourceEntity[] };

/** Something in a stack that could not be read as expected. */
export interface Problem {
  readonly stack: string;
  readonly address: string;
  readonly message: string;
}

/** Every stack of an output folder, in name order. */
export interface Inventory {
  readonly stacks: readonly StackInventory[];
  readonly problems: readonly Problem[];
}

/** Kinds of caller: the map's groups and roles, accounts and principals outside it, AWS services. */
/** `github`: GitHub Actions workflows through an account's OIDC provider; `sso`: people with an Identity Center permission set in an account. */
export type CallerKind = "group" | "role" | "external" | "principal" | "service" | "outsider" | "github" | "sso";

/** A caller as the evaluator sees it: the request principal, its identity policies and what context it can present. */
export interface CallerSpec {
  /** Map-style reference: `staging/developers`, `dev/role/ci-runner`, `external/acme-monitoring`, `service/ec2.amazonaws.com`, `account/999999999999`. */
  readonly id: string;
  readonly kind: CallerKind;
  readonly stack?: string;
  readonly accountId?: string;
  /** The group's or role's ARN, or the principal named in a policy. */
  readonly arn?: string;
  /** The request principal: an IAM user in the group, a session of the role, a service name. */
  readonly principal: string;
  /** `aws:PrincipalArn` of its requests. */
  readonly principalArn?: string;
  /** Identity policies from the stacks, evaluated. */
  readonly identity: readonly PolicyText[];
  /** AWS managed policy ARNs attached: listed, never evaluated. */
  readonly managed: readonly string[];
  /** Its identity policies live outside these stacks: assumed to allow everything, so the resource half alone decides. */
  readonly identityOutside: boolean;
  /** External ids it may present to `sts:AssumeRole`. */
  readonly externalIds: readonly string[];
  /** In the map's organization (adds `aws:PrincipalOrgID` when the map names one). */
  readonly inOrganization: boolean;
  /** A web-identity caller's token claims (`token.actions.githubusercontent.com:aud`, `:sub`), sent with `sts:AssumeRoleWithWebIdentity`. */
  readonly webIdentity?: Readonly<Record<string, string>>;
  /** `aws:SourceAccount` a service sends when it acts for an account. */
  readonly sourceAccount?: string;
}

/** An IAM Identity Center permission set of a stack: its inline policy and the accounts it is assigned to. */
export interface PermissionSetEntity {
  readonly stack: string;
  readonly name: string;
  readonly address: string;
  readonly inline?: PolicyText;
  readonly managed: readonly string[];
  /** Account ids of its assignments. */
  readonly accounts: readonly string[];
}

/** One request a target is probed with: an action on a concrete resource ARN. */
export interface TargetAction {
  readonly action: string;
  readonly resource: string;
  /**
   * The resource's own key's policy, when the request is one on that key (kms:Decrypt
   * of a KMS-encrypted bucket's objects): the document evaluated instead of the
   * target's policy, the third one beside the identity half and the resource policy.
   * KMS endpoints take only TLS, so such requests are not probed over plain HTTP.
   */
  readonly keyPolicy?: PolicyText;
  /** Request context the service sets for this request (kms:ViaService, kms:ResourceAliases, an encryption context). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** Something a caller may reach: a role to assume, a bucket, or a resource outside the stacks. */
export interface TargetSpec {
  /** `prod/role/StageRole`, `prod/bucket/production-test-bucket-101`, `resource/arn:aws:s3:::x/*`. */
  readonly id: string;
  /** A role, a resource of a kind (its id), or a resource outside the stacks. */
  readonly kind: "role" | KindId | "resource";
  readonly stack?: string;
  /** Undefined for resources outside the stacks: they are evaluated in the caller's account, identity half only. */
  readonly accountId?: string;
  readonly name: string;
  readonly arn: string;
  readonly address?: string;
  /** Trust policy or resource policy. */
  readonly policy?: PolicyText;
  readonly actions: readonly TargetAction[];
}

/** The conditions under which an allowed request is allowed. */
export interface AccessConditions {
  /** Denied without MFA (false and absent). */
  readonly mfa: boolean;
  /** Denied without this external id (absent and wrong). */
  readonly externalId?: string;
  /** Resources of a TLS-only kind (S3) only: denied over plain HTTP. */
  readonly tls?: boolean;
  /** Denied without `aws:PrincipalArn`: the policy names this caller's ARN (a role trusted through its account's root). */
  readonly principalArn?: string;
  /** Denied without `aws:PrincipalOrgID`: the policy requires this organization. */
  readonly organizationId?: string;
}

/** One allowed request, found by evaluating both halves. */
export interface Access extends AccessConditions {
  readonly caller: string;
  readonly target: string;
  readonly action: string;
}

/** One grant the map declares: a caller, a target and the actions it should be allowed. */
export interface Intent {
  readonly caller: string;
  readonly target: string;
  /** Action names; customer managed policies may hold patterns (`s3:Get*`). */
  readonly actions: readonly string[];
  readonly mfa: boolean;
  readonly externalId?: string;
  /** `<file>:<line> <path>` of the declaration. */
  readonly declaredAt: string;
  /** `assumableBy`, `grants read`, `policy read-write-x`. */
  readonly what: string;
}

/** A way effective access departs from the map. */
export interface Difference {
  readonly kind: "missing" | "undeclared" | "condition" | "probe" | "attachment" | "stack" | "error";
  readonly caller?: string;
  readonly target?: string;
  readonly actions: readonly string[];
  readonly message: string;
}

/** One denial a probe expects. */
export interface ProbeCase {
  readonly probe: ProbeKind;
  readonly caller: string;
  readonly target: string;
  readonly action: string;
  /** The context that differs from the caller's best: `MFA false`, `no external id`, `plain HTTP`. */
  readonly context: string;
}

/** The probes of the map's grants, and each kind's own (`read-only-write`, `bucket-change`, `plain-http` for buckets). */
export type ProbeKind = "unknown-account" | "ungranted-group" | "no-mfa" | "external-id" | KindProbeId;

/** A probe id a kind declares (resources/<kind>.ts). */
export type KindProbeId = string & {};

/** All cases of one probe and the ones that were not denied. */
export interface ProbeSummary {
  readonly probe: ProbeKind;
  readonly title: string;
  readonly requests: number;
  readonly denied: number;
  /** Distinct caller → target pairs probed. */
  readonly pairs: readonly string[];
  readonly failures: readonly ProbeCase[];
}

/** The gate's answer. */
export interface Verdict {
  readonly ok: boolean;
  readonly differences: readonly Difference[];
  readonly probes: readonly ProbeSummary[];
}

/** A lint finding on a synthesized resource. */
export interface Finding {
  readonly severity: "error" | "warning" | "info";
  readonly rule: string;
  readonly stack: string;
  /** Terraform address. */
  readonly resource: string;
  readonly message: string;
  readonly fix: string;
}
