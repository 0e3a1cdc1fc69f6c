/**
 * IAM and S3 policy size quotas, in characters not counting whitespace (bucket
 * policy: bytes; our JSON is ASCII).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 */
export const LIMITS = {
  trustPolicy: 2048,
  roleInline: 10240,
  groupInline: 5120,
  managedPolicy: 6144,
  bucketPolicy: 20480,
} as const;
