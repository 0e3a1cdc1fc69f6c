/**
 * IAM policy size quotas, in characters not counting whitespace. Each resource
 * kind states its resource policy's quota in its own module (resources/).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 */
export const LIMITS = {
  trustPolicy: 2048,
  roleInline: 10240,
  groupInline: 5120,
  managedPolicy: 6144,
  /** https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html */
  permissionSetInline: 32768,
} as const;
