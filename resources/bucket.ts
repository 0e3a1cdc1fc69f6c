/**
 * S3 buckets (`accounts.<name>.buckets`): the levels and their actions, the two
 * ARN forms, the bucket policy's quota and its TLS-only deny, S3's naming rules,
 * and what the access report probes. No level includes a bucket-level change
 * (policy, ACL, versioning, lifecycle, encryption, deletion).
 */
import { bucketNameProblem } from "../config/schema";
import { sid, type Statement } from "../policies/document";
import { escapeRegExp, kindAccess, type ResourceKind } from "./kind";
import { hasAlias } from "./kms";

/** The alias of an `encryption: kms` bucket's key: `.` is not allowed in aliases, and `_` never appears in bucket names. */
export const bucketKeyAlias = (bucket: string): string => `alias/s3/${bucket.replace(/\./g, "_")}`;

/** Object actions, applied to `arn:aws:s3:::<bucket>/*`. */
export const S3_OBJECT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  read: ["s3:GetObject", "s3:GetObjectVersion"],
  "read-write": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
};

/** Bucket actions, applied to `arn:aws:s3:::<bucket>`; the same for every level. */
export const S3_BUCKET_ACTIONS: readonly string[] = ["s3:ListBucket", "s3:GetBucketLocation"];

/** Changes to a bucket itself: no access level grants any of them. */
export const BUCKET_CHANGES: readonly string[] = [
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
];

/** Object changes beyond read-write: destroying kept versions, changing ACLs. */
export const OBJECT_CHANGES: readonly string[] = ["s3:DeleteObjectVersion", "s3:PutObjectAcl"];

/** Every bucket refuses plain-HTTP requests. https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule */
export function denyInsecureTransport(bucket: { readonly arn: string }): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucket.arn, `${bucket.arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export const bucketKind = {
  section: "buckets",
  id: "bucket",
  noun: "bucket",
  policyName: "bucket policy",
  policyPhrase: "the bucket's policy",
  nameProblem: bucketNameProblem,
  globalNames: "S3 bucket names are global; declare each bucket once",
  levels: ["read", "read-write"],
  forms: [
    { arn: (arn) => `${arn}/*`, actions: S3_OBJECT_ACTIONS, identitySid: (level) => `${sid(level)}Objects`, resourceSid: (level) => `${sid(level)}Objects` },
    {
      arn: (arn) => arn,
      actions: { read: S3_BUCKET_ACTIONS, "read-write": S3_BUCKET_ACTIONS },
      identitySid: () => "ListBuckets",
      resourceSid: () => "ListBucket",
    },
  ],
  key: {
    has: (entry) => entry.encryption === "kms",
    // SSE-KMS: reading decrypts; writing asks for a data key (and a multipart upload decrypts it).
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
    actions: { read: ["kms:Decrypt"], "read-write": ["kms:Decrypt", "kms:GenerateDataKey"] },
    alias: bucketKeyAlias,
    service: "s3",
    names: (bucket: { readonly name: string }) => hasAlias(bucketKeyAlias(bucket.name)),
    identitySid: (level) => `${sid(level)}BucketKeys`,
    resourceSid: (level) => `${sid(level)}ThroughS3`,
    description: (name) => `Default encryption of S3 bucket ${name}`,
    ref: { type: "aws_s3_bucket_server_side_encryption_configuration", link: "bucket", path: ["rule", 0, "apply_server_side_encryption_by_default", "kms_master_key_id"] },
    context: (name, _account, region) => ({ "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:ResourceAliases": [bucketKeyAlias(name)] }),
  },
  arn: (name) => `arn:aws:s3:::${name}`,
  // Bytes; our JSON is ASCII. https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-policy-language-overview.html
  quota: { characters: 20480 },
  quotaHint: "grant fewer callers on this bucket",
  baseStatements: (bucket) => [denyInsecureTransport(bucket)],
  grantees: ["group", "role"],
  refusal: "give outside callers a role instead",
  access: kindAccess(
    { id: "bucket", noun: "bucket" },
    {
      resourceType: "aws_s3_bucket",
      nameAttribute: "bucket",
      policyLink: "bucket",
      service: "s3",
      changes: [...BUCKET_CHANGES, ...OBJECT_CHANGES],
      // An action that takes both (none of ours) is probed on the object.
      probeArn: (arn, types, probe) => (types.includes("object") ? `${arn}/${probe}` : types.includes("bucket") ? arn : undefined),
      tlsOnly: true,
      probes: {
        otherLevel: "A read grantee writing or deleting objects",
        change: "Any caller changing a bucket (policy, ACL, deletion, versioning, lifecycle, encryption, public access block, ownership) or destroying object versions",
      },
      // Buckets were the only kind when these two were named.
      probeIds: { otherLevel: "read-only-write", plainHttp: "plain-http" },
      levelsNote: "`read` and `read-write` are the bucket levels of the map (objects, plus listing the bucket)",
      wildcardResource: /^arn:aws[a-z-]*:s3:::[^/]*[*?]/,
      arnExample: "arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*",
    },
  ),
  adopt: {
    resourceType: "aws_s3_bucket",
    lookupId: (name) => name,
    recordPattern: (name) => new RegExp(`^${escapeRegExp(name)}$`),
    recordHint: "a bucket's record is its name",
  },
} as const satisfies ResourceKind<"buckets", "bucket">;
