/**
 * Security defaults, checked on synthesized Terraform JSON independently of the
 * code that wrote it. Returns every violation found (empty when all hold).
 */
import type { Model } from "../config/model";
import { S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from "../policies/actions";
import type { PolicyDocument, Statement } from "../policies/document";
import { SQS_ACTIONS } from "../resources/queue";
import { SNS_ACTIONS } from "../resources/topic";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
type Stack = { resource?: Resources };

/** Actions another account may be granted on a bucket: objects and listing, never the bucket itself. */
const GRANTABLE = new Set([...S3_OBJECT_ACTIONS["read-write"], ...S3_BUCKET_ACTIONS]);

const parse = (s: unknown): PolicyDocument => JSON.parse((s as string).replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"));
const principals = (s: Statement): string[] =>
  s.Principal === "*" ? ["*"] : s.Principal ? [s.Principal.AWS ?? [], s.Principal.Service ?? []].flat() : [];

export function securityViolations(stacks: Record<string, Stack>, model: Model): string[] {
  const out: string[] = [];
  for (const [stackName, tf] of Object.entries(stacks)) {
    const r = tf.resource ?? {};
    const account = model.accounts.find((a) => a.name === stackName)!;
    const policies: [string, PolicyDocument][] = [
      ...Object.entries(r.aws_iam_role ?? {}).map(([n, x]) => [`aws_iam_role.${n}`, parse(x.assume_role_policy)] as [string, PolicyDocument]),
      ...Object.entries(r.aws_s3_bucket_policy ?? {}).map(([n, x]) => [`aws_s3_bucket_policy.${n}`, parse(x.policy)] as [string, PolicyDocument]),
      ...Object.entries(r.aws_sqs_queue_policy ?? {}).map(([n, x]) => [`aws_sqs_queue_policy.${n}`, parse(x.policy)] as [string, PolicyDocument]),
      ...Object.entries(r.aws_sns_topic_policy ?? {}).map(([n, x]) => [`aws_sns_topic_policy.${n}`, parse(x.policy)] as [string, PolicyDocument]),
    ];
    for (const [addr, doc] of policies) {
      for (const s of doc.Statement) {
        if (s.Effect === "Allow" && principals(s).includes("*") && !s.Condition) out.push(`${stackName} ${addr}: Principal "*" without a condition`);
      }
    }
    // Trust: people need MFA (unless the map says otherwise), vendors an external id, roles a principal ARN.
    for (const [name, x] of Object.entries(r.aws_iam_role ?? {})) {
      const role = account.roles.find((ro) => ro.name === x.name)!;
      const peopleWithoutMfa = role.callers.some((c) => c.principal.kind === "group" && !c.requireMfa);
      for (const s of parse(x.assume_role_policy).Statement) {
        const isService = typeof s.Principal === "object" && s.Principal.Service !== undefined;
        if (isService || s.Condition) continue;
        if (s.Sid === "TrustPeople" && peopleWithoutMfa) continue;
        out.push(`${stackName} aws_iam_role.${name}: trust statement ${s.Sid} has no condition`);
      }
    }
    for (const [name, b] of Object.entries(r.aws_s3_bucket ?? {})) {
      const ref = (type: string) => Object.values(r[type] ?? {}).find((x) => x.bucket === `\${aws_s3_bucket.${name}.id}`);
      const pab = ref("aws_s3_bucket_public_access_block");
      if (!pab || !["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => pab[k] === true)) {
        out.push(`${stackName} ${b.bucket}: public access block not all on`);
      }
      const own = ref("aws_s3_bucket_ownership_controls") as { rule?: { object_ownership?: string } } | undefined;
      if (own?.rule?.object_ownership !== "BucketOwnerEnforced") out.push(`${stackName} ${b.bucket}: ownership not enforced`);
      const versioning = ref("aws_s3_bucket_versioning") as { versioning_configuration?: { status?: string } } | undefined;
      if (versioning?.versioning_configuration?.status !== "Enabled") out.push(`${stackName} ${b.bucket}: versioning not enabled`);
      const policy = ref("aws_s3_bucket_policy");
      if (!policy) {
        out.push(`${stackName} ${b.bucket}: no bucket policy`);
        continue;
      }
      const doc = parse(policy.policy);
      const bucketArn = `arn:aws:s3:::${b.bucket}`;
      const tls = doc.Statement.some(
        (s) =>
          s.Effect === "Deny" &&
          s.Principal === "*" &&
          s.Action === "s3:*" &&
          JSON.stringify(s.Resource) === JSON.stringify([bucketArn, `${bucketArn}/*`]) &&
          JSON.stringify(s.Condition) === JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }),
      );
      if (!tls) out.push(`${stackName} ${b.bucket}: no TLS-only deny`);
      for (const s of doc.Statement.filter((st) => st.Effect === "Allow")) {
        const others = principals(s).filter((p) => p !== `arn:aws:iam::${account.id}:root`);
        const bad = [s.Action].flat().filter((a) => !GRANTABLE.has(a as string));
        if (others.length > 0 && bad.length > 0) out.push(`${stackName} ${b.bucket}: ${bad.join(", ")} granted to another account`);
      }
    }
    out.push(...messagingViolations(stackName, r));
  }
  return out;
}

/** Queues and topics: encrypted queues, a policy on each with a TLS-only deny, and no change granted to anybody. */
function messagingViolations(stackName: string, r: Resources): string[] {
  const out: string[] = [];
  const kinds = [
    { type: "aws_sqs_queue", policy: "aws_sqs_queue_policy", link: "queue_url", attr: "url", grantable: new Set(Object.values(SQS_ACTIONS).flat()) },
    { type: "aws_sns_topic", policy: "aws_sns_topic_policy", link: "arn", attr: "arn", grantable: new Set(Object.values(SNS_ACTIONS).flat()) },
  ];
  for (const k of kinds) {
    for (const [name, q] of Object.entries(r[k.type] ?? {})) {
      if (k.type === "aws_sqs_queue" && q.sqs_managed_sse_enabled !== true) out.push(`${stackName} ${k.type}.${name}: not encrypted`);
      const p = Object.values(r[k.policy] ?? {}).find((x) => x[k.link] === `\${${k.type}.${name}.${k.attr}}`);
      if (!p) {
        out.push(`${stackName} ${k.type}.${name}: no resource policy`);
        continue;
      }
      const doc = parse(p.policy);
      if (!doc.Statement.some((s) => s.Effect === "Deny" && s.Principal === "*" && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }))) {
        out.push(`${stackName} ${k.type}.${name}: no TLS-only deny`);
      }
      for (const s of doc.Statement.filter((st) => st.Effect === "Allow")) {
        const bad = [s.Action].flat().filter((a) => !k.grantable.has(a as string));
        if (bad.length > 0) out.push(`${stackName} ${k.type}.${name}: ${bad.join(", ")} granted`);
      }
    }
  }
  return out;
}
