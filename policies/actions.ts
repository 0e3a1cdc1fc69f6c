/**
 * Action lists, apart from the logic that uses them. Bucket access levels map to
 * these; no level includes a bucket-level change (policy, ACL, versioning,
 * lifecycle, encryption, deletion).
 */
import type { AccessLevel } from "../config/model";

/** Object actions, applied to `arn:aws:s3:::<bucket>/*`. */
export const S3_OBJECT_ACTIONS: Readonly<Record<AccessLevel, readonly string[]>> = {
  read: ["s3:GetObject", "s3:GetObjectVersion"],
  "read-write": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
};

/** Bucket actions, applied to `arn:aws:s3:::<bucket>`; the same for every level. */
export const S3_BUCKET_ACTIONS: readonly string[] = ["s3:ListBucket", "s3:GetBucketLocation"];

export const ASSUME_ROLE = "sts:AssumeRole";

/** Every action this program writes on its own (customer policies add the user's). */
export const BUILT_IN_ACTIONS: readonly string[] = [...new Set([...S3_OBJECT_ACTIONS["read-write"], ...S3_BUCKET_ACTIONS, ASSUME_ROLE])];
