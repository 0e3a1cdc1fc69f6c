/**
 * What makes a kind of shareable resource (bucket, queue, topic, secret, key):
 * one descriptor per kind, one module per descriptor. The layers (resolve, the
 * grant, the plan, the size checks, the stacks and the access report) loop over
 * the registry (`resources/index.ts`) and read only these fields; none of them
 * names a kind. Pure data and functions: the stack resources are built by the
 * kind's builder (`resources/stacks.ts`), so that reading a map never loads cdktf.
 */
import type { Holder, SharedResource } from "../config/model";
import type { Statement } from "../policies/document";

/**
 * One ARN form of a resource and the actions each level grants on it, like
 * aws-cdk's `aws-s3/lib/perms.ts`: S3 has two (objects `arn:aws:s3:::b/*`, the
 * bucket `arn:aws:s3:::b`), most kinds one. The grant writes one statement per
 * form on each half; a form whose list is empty for a level is left out.
 */
export interface ArnForm {
  /** The resource string of this form, from the resource's ARN. */
  readonly arn: (resourceArn: string) => string;
  /** Actions per access level, in the order they are written. */
  readonly actions: Readonly<Record<string, readonly string[]>>;
  /** Sid of the identity-half statement, before the `WithMfa` suffix. */
  readonly identitySid: (level: string) => string;
  /** Sid of the resource-half statement, before the principal's part (`People`, `RoleDevCi`). */
  readonly resourceSid: (level: string) => string;
}

/** A denial probe of the access report that belongs to a kind; `id` appears in report.json. */
export interface KindProbe {
  readonly id: string;
  readonly title: string;
}

/** How the access report finds, probes and lints a kind in synthesized stacks. */
export interface KindAccess {
  /** The Terraform resource type of the resource, and the attribute holding its name. */
  readonly resourceType: string;
  readonly nameAttribute: string;
  /**
   * Where its resource policy is: a resource of `type` whose `link` attribute refers
   * to the resource (`${aws_s3_bucket.x.id}`), the document in `attribute`; without
   * `type`, the document is the resource's own `attribute`.
   */
  readonly policy: { readonly type?: string; readonly link?: string; readonly attribute: string };
  /** The service prefix of its actions (`s3`): actions of it that any policy mentions are probed too. */
  readonly service: string;
  /** Actions no level grants (changing the resource, its policy, deleting it): every caller must be denied them. */
  readonly changes: readonly string[];
  /**
   * The ARN a probe of an action uses, from the resource types the action takes
   * (AWS's service reference), or undefined when the action does not apply to it.
   */
  readonly probeArn: (resourceArn: string, resourceTypes: readonly string[], probeName: string) => string | undefined;
  /** Its policy refuses requests without TLS: probed, and reported as a condition. */
  readonly tlsOnly: boolean;
  /** The probes of this kind: a grantee using another level's actions, anybody changing the resource, plain HTTP (when `tlsOnly`). */
  readonly probes: { readonly otherLevel: KindProbe; readonly change: KindProbe; readonly plainHttp?: KindProbe };
  /** Report wording: how the levels read (`` `read` and `read-write` are the bucket levels of the map (…)``). */
  readonly levelsNote: string;
  /** Lint: a resource string that names every resource of the kind (a wildcard in a bucket name). */
  readonly wildcardResource?: RegExp;
  /** Lint wording: the ARNs to name instead of a wildcard (`arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*`). */
  readonly arnExample: string;
}

/** One shareable resource kind. `S` is the map's section name, `I` the id segment of its targets. */
export interface ResourceKind<S extends string = string, I extends string = string> {
  /** The section under `accounts.<name>` (`buckets`); also the key of the model's and plans' lists. */
  readonly section: S;
  /** The target id segment (`bucket` in `prod/bucket/<name>`), and the key of a plan entry's resource. */
  readonly id: I;
  /** The resource in words (`bucket`), for messages. */
  readonly noun: string;
  /** Its resource policy in words (`bucket policy`). */
  readonly policyName: string;
  /** The report's phrase for that policy (`the bucket's policy`). */
  readonly policyPhrase: string;
  /** What is wrong with a name, or undefined (the schema reports it; this is for others that need the rule). */
  readonly nameProblem: (name: string) => string | undefined;
  /** Names are global (S3): the hint when two accounts declare the same one. Undefined: names are per account. */
  readonly globalNames?: string;
  /** The levels in the order the map documents them; their actions are the forms' lists. */
  readonly levels: readonly string[];
  readonly forms: readonly ArnForm[];
  /** The ARN of a resource. */
  readonly arn: (name: string, accountId: string, region: string) => string;
  /**
   * The resource policy's quota (characters not counting whitespace) and, where AWS
   * has them, its limits on statements, principals, condition keys and actions per statement (SQS).
   */
  readonly quota: {
    readonly characters: number;
    readonly statements?: number;
    readonly principals?: number;
    readonly conditions?: number;
    readonly actionsPerStatement?: number;
  };
  /** Hint when the resource policy is over its quota. */
  readonly quotaHint: string;
  /**
   * Merges the resource policy's statements before the document is assembled, where
   * the kind's quota needs fewer statements (SQS: role grantees of one level in one
   * statement, policies/merge.ts); absent, the statements stay one per grantee.
   */
  readonly mergeStatements?: (statements: readonly Statement[]) => Statement[];
  /** Statements every resource policy of the kind starts with (S3: the TLS-only deny). */
  readonly baseStatements: (resource: SharedResource) => readonly Statement[];
  /** Which callers may be granted it (of the map's holders); others are refused with `refusal`. */
  readonly grantees: readonly Holder["kind"][];
  /** The hint when a grant names a caller of another kind. */
  readonly refusal: string;
  readonly access: KindAccess;
}
