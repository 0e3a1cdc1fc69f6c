/**
 * The account map's shape, as zod schemas. Every object is strict: an unknown key
 * is an error, because a typo in IAM config must never pass silently.
 * Names follow AWS's character sets and lengths; see
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
import { z } from "zod";
import { queueNameProblem } from "../resources/queue";
import { topicNameProblem } from "../resources/topic";
import { keyAliasProblem } from "../resources/key";
import { secretNameProblem } from "../resources/secret";

const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** A string that must match `re`; the message names the value and the rule. */
function pattern(re: RegExp, what: string, rule: string) {
  return z.string().regex(re, { error: (iss) => `invalid ${what} ${show(iss.input)} (${rule})` });
}

const IAM_NAME_CHARS = "letters, digits and + = , . @ _ -";
const iamName = (what: string, max: number) =>
  pattern(new RegExp(`^[\\w+=,.@-]{1,${max}}$`), what, `1 to ${max} ${IAM_NAME_CHARS}`);

export const RoleName = iamName("role name", 64);
export const GroupName = iamName("group name", 128);
export const PolicyName = iamName("policy name", 128);
/** AWS managed policy names may carry a path, e.g. `service-role/AWSLambdaRole`. */
export const ManagedPolicyName = pattern(
  /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
  "managed policy name",
  "an AWS managed policy name such as ReadOnlyAccess or service-role/AWSLambdaRole",
);
/** Account and external names become stack names, provider aliases and reference prefixes. */
export const AccountName = pattern(
  /^[a-z][a-z0-9-]{0,49}$/,
  "account name",
  "1 to 50 lowercase letters, digits and -, starting with a letter",
);
export const AccountId = z
  .string({ error: (iss) => `account id must be a quoted string, got ${typeof iss.input} (write it in quotes, e.g. id: "123456789012")` })
  .regex(/^\d{12}$/, { error: (iss) => `invalid account id ${show(iss.input)} (exactly 12 digits, quoted, e.g. "123456789012")` });
export const Region = pattern(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "region", "an AWS region such as us-east-1");
export const ExternalId = pattern(
  /^[\w+=,.@:/-]{2,1224}$/,
  "external id",
  "2 to 1,224 letters, digits and + = , . @ : / _ -",
);
export const OrganizationId = pattern(/^o-[a-z0-9]{10,32}$/, "organization id", "o- followed by 10 to 32 lowercase letters or digits");
export const BucketName = z.string().superRefine((name, ctx) => {
  const problem = bucketNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: `invalid bucket name ${show(name)} (${problem})`, input: name });
});
/** `1h`, `90m`, `1h30m`; range-checked by the resolver so the message can give seconds. */
export const Duration = z
  .string({ error: (iss) => `duration must be a string such as 1h, got ${show(iss.input)} (write hours or minutes: 1h, 90m, 12h)` })
  .regex(/^(?=\d)(\d+h)?(\d+m)?$/, { error: (iss) => `invalid duration ${show(iss.input)} (hours or minutes: 1h, 90m, 1h30m)` });
export const Action = pattern(
  /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/,
  "action",
  "service:Action, e.g. s3:GetObject",
);
export const Tags = z.record(
  pattern(/^[\p{L}\p{N}\s_.:/=+@-]{1,128}$/u, "tag key", "1 to 128 letters, digits, spaces and _ . : / = + - @"),
  z
    .string({ error: (iss) => `tag value must be a string, got ${show(iss.input)} (quote it)` })
    .max(256, { error: "tag value is longer than 256 characters (shorten it)" }),
);

export const Defaults = z.strictObject({
  region: Region.optional(),
  deployRole: RoleName.optional(),
  maxSessionDuration: Duration.optional(),
  requireMfa: z.boolean().optional(),
  tags: Tags.optional(),
});

export const Organization = z.strictObject({ id: OrganizationId });

/** HCP Terraform organization and workspace names: letters, digits, - and _ (workspaces up to 90 characters). */
const CloudName = (what: string) => pattern(/^[A-Za-z0-9_-]+$/, what, "letters, digits, - and _");

export const State = z.strictObject({
  backend: z.enum(["local", "s3", "cloud"]),
  bucket: BucketName.optional(),
  region: Region.optional(),
  /** Role to assume for state access when the state bucket lives in another account. */
  roleArn: pattern(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "role ARN", "arn:aws:iam::<12 digits>:role/<name>").optional(),
  /** backend: cloud: the HCP Terraform or Terraform Enterprise organization. */
  organization: CloudName("organization name").max(40, { error: "organization name is longer than 40 characters (HCP Terraform's limit)" }).optional(),
  /** backend: cloud: each stack's workspace is <workspacePrefix><stack>. */
  workspacePrefix: z.string().regex(/^[A-Za-z0-9_-]*$/, { error: (iss) => `invalid workspace prefix ${show(iss.input)} (letters, digits, - and _)` })
    .max(40, { error: "workspace prefix is longer than 40 characters (a workspace name is at most 90, and stack names take up to 50)" })
    .optional(),
  /** backend: cloud: a Terraform Enterprise host name; HCP Terraform (app.terraform.io) when absent. */
  hostname: pattern(
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+(:\d{1,5})?$/,
    "host name",
    "a host name such as app.terraform.io or tfe.example.com, without https:// or a path",
  ).optional(),
});

export const External = z.strictObject({ id: AccountId, externalId: ExternalId });

const Reference = z.string().min(1);
const StringList = <T extends z.ZodType>(item: T) => z.array(item);

export const Role = z.strictObject({
  assumableBy: StringList(Reference).min(1, { error: "a role needs at least one caller (add a reference such as dev/developers)" }),
  policies: StringList(PolicyName).optional(),
  managedPolicies: StringList(ManagedPolicyName).optional(),
  maxSessionDuration: Duration.optional(),
  requireMfa: z.boolean().optional(),
});

export const Bucket = z.strictObject({
  region: Region.optional(),
  /** Overrides `defaults.requireMfa` for this bucket's group grants. */
  requireMfa: z.boolean().optional(),
  grants: z.record(Reference, z.enum(["read", "read-write"])).optional(),
  /** `kms`: a customer managed key of the bucket's own (default `sse-s3`). */
  encryption: z.enum(["sse-s3", "kms"]).optional(),
});

/** A name checked by a resource kind's own rule (resources/<kind>.ts). */
const KindName = (what: string, problem: (name: string) => string | undefined) =>
  z.string().superRefine((name, ctx) => {
    const p = problem(name);
    if (p) ctx.addIssue({ code: "custom", message: `invalid ${what} ${show(name)} (${p})`, input: name });
  });
export const KeyName = KindName("key alias", keyAliasProblem);
export const SecretName = KindName("secret name", secretNameProblem);

export const Key = z.strictObject({
  region: Region.optional(),
  requireMfa: z.boolean().optional(),
  grants: z.record(Reference, z.enum(["encrypt", "decrypt", "encrypt-decrypt"])).optional(),
});

export const Secret = z.strictObject({
  region: Region.optional(),
  requireMfa: z.boolean().optional(),
  grants: z.record(Reference, z.enum(["read"])).optional(),
});

/** A resource's name by its kind's rule (`nameProblem`): one message for every kind. */
const kindName = (noun: string, problem: (name: string) => string | undefined) =>
  z.string().superRefine((name, ctx) => {
    const p = problem(name);
    if (p) ctx.addIssue({ code: "custom", message: `invalid ${noun} name ${show(name)} (${p})`, input: name });
  });

/** The keys every shared resource entry takes but `grants`; its levels are the kind's own. */
const sharedEntry = <L extends readonly [string, ...string[]]>(levels: L) =>
  z.strictObject({
    region: Region.optional(),
    /** Overrides `defaults.requireMfa` for this resource's group grants. */
    requireMfa: z.boolean().optional(),
    grants: z.record(Reference, z.enum(levels)).optional(),
  });

export const QueueName = kindName("queue", queueNameProblem);
export const Queue = sharedEntry(["send", "consume", "send-consume"]);
export const TopicName = kindName("topic", topicNameProblem);
export const Topic = sharedEntry(["publish", "subscribe"]);

/** An ARN (IAM policy variables such as ${aws:username} allowed) or "*"; no whitespace. */
export const ResourceArn = pattern(/^(\*|arn:[a-z*-]+:[^:\s]*:[^:\s]*:[^:\s]*:\S+)$/, "resource", 'an ARN such as arn:aws:s3:::bucket/*, or "*"');

export const PolicyStatement = z.strictObject({
  actions: StringList(Action).min(1, { error: "a statement needs at least one action (e.g. actions: [s3:GetObject])" }),
  resources: StringList(ResourceArn).min(1, { error: 'a statement needs at least one resource (an ARN or "*")' }),
});

const Statements = StringList(PolicyStatement).min(1, { error: "a policy needs at least one statement (add - actions: [...] resources: [...])" });

/** A customer managed policy: a list of statements, or the long form that can allow wildcards. */
export const CustomerPolicy = z.union([Statements, z.strictObject({ allowWildcards: z.boolean().optional(), statements: Statements })], {
  error: "a policy is a list of statements, or { allowWildcards: true, statements: [...] } (see the README)",
});

export const Account = z.strictObject({
  id: AccountId,
  region: Region.optional(),
  deployRole: RoleName.optional(),
  groups: StringList(GroupName).optional(),
  policies: z.record(PolicyName, CustomerPolicy).optional(),
  roles: z.record(RoleName, Role).optional(),
  buckets: z.record(BucketName, Bucket).optional(),
  queues: z.record(QueueName, Queue).optional(),
  topics: z.record(TopicName, Topic).optional(),
  secrets: z.record(SecretName, Secret).optional(),
  keys: z.record(KeyName, Key).optional(),
});

/** https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html */
export const PermissionSetName = pattern(/^[\w+=,.@-]{1,32}$/, "permission set name", "1 to 32 letters, digits and + = , . @ _ -");

export const PermissionSet = z.strictObject({
  sessionDuration: Duration.optional(),
  managedPolicies: StringList(ManagedPolicyName).optional(),
  /** Identity Center group display name → accounts of the map. */
  assignments: z.record(z.string().min(1).max(1024), StringList(z.string())).optional(),
});

export const IdentityCenter = z.strictObject({
  account: z.string(),
  instanceArn: pattern(/^arn:aws:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, "Identity Center instance ARN", "arn:aws:sso:::instance/ssoins-<16 characters>, from aws sso-admin list-instances"),
  identityStoreId: pattern(/^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, "identity store id", "d-<10 hex digits>, from aws sso-admin list-instances"),
  permissionSets: z.record(PermissionSetName, PermissionSet),
});

/**
 * The optional `baseline` block: the practices beside the grants (password
 * policy, self-service MFA, an audit trail and alerts). Each key has a default.
 */
export const Audit = z.strictObject({
  /** The account of the map that keeps the trail's bucket and the alert topics. */
  account: z.string(),
  /** `<account>/role/<role>`: roles whose every assumption raises an alert. */
  alertOn: StringList(Reference).optional(),
});

export const Baseline = z.strictObject({
  passwordPolicy: z.enum(["strict", "none"]).optional(),
  selfServiceMfa: z.boolean().optional(),
  audit: Audit.optional(),
});

/** The top level; sections are validated one by one so one bad section doesn't hide problems in another. */
export const TopLevel = z.strictObject({
  version: z.literal(1, { error: (iss) => `unsupported version ${show(iss.input)} (this program reads version: 1)` }),
  defaults: z.unknown().optional(),
  organization: z.unknown().optional(),
  state: z.unknown().optional(),
  external: z.record(z.string(), z.unknown()).optional(),
  identityCenter: z.unknown().optional(),
  baseline: z.unknown().optional(),
  accounts: z.record(z.string(), z.unknown()),
});

export type DefaultsInput = z.infer<typeof Defaults>;
export type StateInput = z.infer<typeof State>;
export type ExternalInput = z.infer<typeof External>;
export type AccountInput = z.infer<typeof Account>;
export type RoleInput = z.infer<typeof Role>;
export type BucketInput = z.infer<typeof Bucket>;
export type IdentityCenterInput = z.infer<typeof IdentityCenter>;

/** S3's naming rules; returns what is wrong, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return "only lowercase letters, digits, . and -, starting and ending with a letter or digit";
  if (/\.\.|\.-|-\./.test(name)) return "no two adjacent periods, and no period next to a hyphen";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not be formatted as an IP address";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return "must not start with xn--, sthree- or amzn-s3-demo-";
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return "must not end with a suffix S3 reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)";
  return undefined;
}
