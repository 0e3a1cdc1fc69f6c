/**
 * A bucket's stack resources: the bucket, its public access block (all four on),
 * ownership `BucketOwnerEnforced`, default encryption (SSE-S3, or with
 * `encryption: kms` a key of its own and S3 Bucket Keys), versioning, and
 * the bucket policy from the plan.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { tfName } from "../stacks/names";
import { bucketKeyAlias, bucketKind } from "./bucket";
import { buildKmsKey } from "./kms-stack";
import type { ResourceBuilder } from "./stacks";

export const buildBucket: ResourceBuilder = (ctx, { resource: bucket, policy, extra }) => {
  const { scope, provider, named, json } = ctx;
  const name = tfName(bucket.name);
  const b = named(new S3Bucket(scope, `bucket_${name}`, { provider, bucket: bucket.name }), bucket.name);
  if (ctx.importId) b.importFrom(ctx.importId, provider);
  const publicAccessBlock = named(
    new S3BucketPublicAccessBlock(scope, `public-access-block_${name}`, {
      provider,
      bucket: b.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    bucket.name,
  );
  const ownership = named(new S3BucketOwnershipControls(scope, `ownership_${name}`, { provider, bucket: b.id, rule: { objectOwnership: "BucketOwnerEnforced" } }), bucket.name);
  // `encryption: kms`: a key of the bucket's own, and S3 Bucket Keys (fewer KMS requests, same access).
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
  const keyPolicy = extra.find((d) => d.id === "key")?.document;
  const key = keyPolicy && buildKmsKey(ctx, ["bucket", bucket.name], { description: bucketKind.key.description(bucket.name), policy: keyPolicy, alias: bucketKeyAlias(bucket.name), owner: `buckets/${bucket.name}` });
  const encryption = named(
    new S3BucketServerSideEncryptionConfigurationA(scope, `encryption_${name}`, {
      provider,
      bucket: b.id,
      rule: [key ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true } : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }),
    bucket.name,
  );
  // Other accounts may be granted PutObject and DeleteObject; versioning keeps
  // what they overwrite or delete recoverable (no level grants DeleteObjectVersion).
  const versioning = named(new S3BucketVersioningA(scope, `versioning_${name}`, { provider, bucket: b.id, versioningConfiguration: { status: "Enabled" } }), bucket.name);
  // The policy is what opens the bucket to other accounts, so it comes last: a
  // deploy killed half way leaves at most a bucket no other account can use, never
  // an open one without its public access block, ACLs off, encryption or versioning.
  named(
    new S3BucketPolicy(scope, `bucket-policy_${name}`, { provider, bucket: b.id, policy: json(policy), dependsOn: [publicAccessBlock, ownership, encryption, versioning] }),
    bucket.name,
  );
};
