/**
 * What makes a kind of shareable resource (bucket, queue, topic, secret, key):
 * one descriptor per kind, one module per descriptor. The layers (resolve, the
 * grant, the plan, the size checks, the stacks and the access report) loop over
 * the registry (`resources/index.ts`) and read only these fields; none of them
 * names a kind. Pure data and functions: the stack resources are built by the
 * kind's builder (`resources/stacks.ts`), so that reading a map never loads cdktf.
 */
import type { Holder, SharedResource } from "../config/model";
import type { ConditionBlock, Statement } from "../policies/document";

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
  /** The resource string of the resource-half statement when it is not the form's ARN (`*` in key and secret policies). */
  readonly policyResource?: string;
}

/**
 * The customer managed key that a resource of the kind is encrypted with, one per
 * resource (a bucket with `encryption: kms`, every secret). Its key policy is an
 * extra document of the resource's plan entry, with its own quota; each grant adds
 * a statement on the key to both halves, through the kind's service only.
 */
export interface KindKey {
  /** Whether a resource declared with this entry has a key of its own; asked once its grants are resolved (a topic has one when a publisher is in another account). */
  readonly has: (entry: Readonly<Record<string, unknown>>, resource: SharedResource) => boolean;
  /** The key's actions per level, in the order they are written. */
  readonly actions: Readonly<Record<string, readonly string[]>>;
  /** The key's alias, when it has one (`alias/<something>`). */
  readonly alias?: (name: string) => string;
  /** The service that uses the key for the grantee (`s3`), for `kms:ViaService`. */
  readonly service: string;
  /** What narrows an identity half's `key/*` to this resource's key (its alias, or the service's encryption context). */
  readonly names: (resource: SharedResource) => ConditionBlock;
  readonly identitySid: (level: string) => string;
  readonly resourceSid: (level: string) => string;
  /** The key's description, in the console. */
  readonly description: (name: string) => string;
  /** Access report: where the resource names its key (`${aws_kms_key.x.arn}`): the resource's own attribute at `path`, or a resource of `type` whose `link` refers to it. */
  readonly ref: { readonly type?: string; readonly link?: string; readonly path: readonly (string | number)[] };
  /** Access report: the request context the service sets when it uses the key for a caller (kms:ViaService, the encryption context). */
  readonly context: (name: string, accountId: string, region: string) => Readonly<Record<string, string | readonly string[]>>;
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
  /** The name is on another resource that refers to this one (a key's alias): `type`, the referring `link` attribute, and a prefix to strip. */
  readonly nameFrom?: { readonly type: string; readonly link: string; readonly attribute: string; readonly strip: string };
  /** Context every request to the resource carries (a key's `kms:ResourceAliases`), from the stack: name, account, region. */
  readonly context?: (name: string, accountId: string, region: string) => Readonly<Record<string, string | readonly string[]>>;
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
  readonly probes: { readonly otherLevel?: KindProbe; readonly change: KindProbe; readonly plainHttp?: KindProbe };
  /** Report wording: how the levels read (`` `read` and `read-write` are the bucket levels of the map (…)``). */
  readonly levelsNote: string;
  /** Lint: a resource string that names every resource of the kind (a wildcard in a bucket name). */
  readonly wildcardResource?: RegExp;
  /** Lint wording: the ARNs to name instead of a wildcard (`arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*`). */
  readonly arnExample: string;
}

/**
 * What a kind states of its access description; {@link kindAccess} writes the rest
 * the same way for every kind.
 */
export interface KindAccessSpec extends Omit<KindAccess, "policy" | "probes"> {
  /**
   * The attribute of its `<resourceType>_policy` resource that refers to the
   * resource (`queue_url`): the document is that resource's `policy`. Absent, the
   * document is the resource's own `policy` (a key).
   */
  readonly policyLink?: string;
  /** The titles of its level and change probes; the plain-HTTP probe's is written for every `tlsOnly` kind alike. */
  readonly probes: { readonly otherLevel?: string; readonly change: string };
  /** Probe ids other than `<id>-other-level`, `<id>-plain-http` (the ids report.json has carried since they were first written). */
  readonly probeIds?: { readonly otherLevel?: string; readonly plainHttp?: string };
}

/**
 * A kind's {@link KindAccess} from what differs between kinds: the policy resource
 * is `<resourceType>_policy`, the probes' ids are `<id>-other-level`,
 * `<id>-change` and `<id>-plain-http`, and a `tlsOnly` kind gets the plain-HTTP
 * probe.
 */
export function kindAccess(kind: { readonly id: string; readonly noun: string }, spec: KindAccessSpec): KindAccess {
  const { policyLink, probes, probeIds, ...rest } = spec;
  return {
    ...rest,
    policy: policyLink === undefined ? { attribute: "policy" } : { type: `${spec.resourceType}_policy`, link: policyLink, attribute: "policy" },
    probes: {
      ...(probes.otherLevel === undefined ? {} : { otherLevel: { id: probeIds?.otherLevel ?? `${kind.id}-other-level`, title: probes.otherLevel } }),
      change: { id: `${kind.id}-change`, title: probes.change },
      ...(spec.tlsOnly ? { plainHttp: { id: probeIds?.plainHttp ?? `${kind.id}-plain-http`, title: `Any request to a ${kind.noun} without TLS (aws:SecureTransport false)` } } : {}),
    },
  };
}

/** A probe's ARN for a kind whose actions take one resource type (`queue`): the resource's ARN, or `concrete` of it (a secret's random suffix filled in). */
export const probeOn =
  (resourceType: string, concrete: (resourceArn: string, probeName: string) => string = (arn) => arn): KindAccess["probeArn"] =>
  (arn, types, probe) =>
    types.includes(resourceType) ? concrete(arn, probe) : undefined;

/**
 * How `npm run adopt` finds a resource of the kind that already exists, and what
 * the import record keeps for it (config/imports.ts): Terraform imports
 * `resourceType` with `lookupId`; the record holds the id the stack's import block
 * uses, which must match `recordPattern`.
 */
export interface KindAdopt {
  /** The Terraform type whose import finds the resource (a key is found through its alias). */
  readonly resourceType: string;
  /** The import id that finds the resource by its name. */
  readonly lookupId: (name: string, accountId: string, region: string) => string;
  /** What a record's id must be, and in words for the hint. */
  readonly recordPattern: (name: string, accountId: string, region: string) => RegExp;
  readonly recordHint: string;
  /** The id to record, from the imported object (a secret's ARN with its random suffix, a key's id); default the lookup id. */
  readonly recordId?: (imported: Readonly<Record<string, unknown>>) => string | undefined;
  /** A second resource imported with the record's id, found through the first (a key, through its alias). */
  readonly through?: { readonly resourceType: string };
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
  /** A condition every identity-half statement of the kind carries (keys: the alias, since the ARN is `key/*`). */
  readonly identityCondition?: (resource: SharedResource) => ConditionBlock;
  /** The key each resource may have of its own, and what each level may do with it. */
  readonly key?: KindKey;
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
  readonly adopt: KindAdopt;
}

/** A name as a regular expression that matches it literally (record patterns). */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
