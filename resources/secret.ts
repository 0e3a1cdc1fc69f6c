/**
 * Secrets Manager secrets (`accounts.<name>.secrets`): the one level `read`, the
 * secret policy's quota and TLS-only deny, the name rules, the key of its own
 * every secret is encrypted with (AWS's `aws/secretsmanager` key cannot be used
 * from another account), and what the access report probes. The value is set
 * outside the map. A secret's ARN ends in a random suffix: identity halves name
 * `secret:<name>-??????`.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html
 */
import { createHash } from "node:crypto";
import type { Statement } from "../policies/document";
import { hasAlias } from "./kms";
import { escapeRegExp, kindAccess, probeOn, type ResourceKind } from "./kind";

/** Secrets Manager's name rules. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html */
export function secretNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name) ? undefined : "1 to 512 letters, digits and / _ + = . @ -";
}

/** The ARNs of a secret, whatever its random suffix. */
export const secretArn = (name: string, accountId: string, region: string): string => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-??????`;

/**
 * The alias of a secret's key. Aliases take fewer characters than secret names
 * (no `+ = . @`, 256 in all), so the name is written with `_` for those, cut to 200,
 * and followed by 8 hex digits of its SHA-256: readable, and distinct for distinct names.
 */
export const secretKeyAlias = (name: string): string =>
  `alias/secret/${name.replace(/[^A-Za-z0-9/_-]/g, "_").slice(0, 200)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;

/** Changes to a secret, its value or its policy: no level grants any of them. */
export const SECRET_CHANGES: readonly string[] = [
  "secretsmanager:CancelRotateSecret",
  "secretsmanager:DeleteResourcePolicy",
  "secretsmanager:DeleteSecret",
  "secretsmanager:PutResourcePolicy",
  "secretsmanager:PutSecretValue",
  "secretsmanager:RotateSecret",
  "secretsmanager:TagResource",
  "secretsmanager:UntagResource",
  "secretsmanager:UpdateSecret",
  "secretsmanager:UpdateSecretVersionStage",
];

/** Every secret policy refuses plain-HTTP requests. https://docs.aws.amazon.com/secretsmanager/latest/userguide/data-protection.html */
export function denySecretInsecureTransport(): Statement {
  return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

/** A probe's secret ARN: the random suffix filled in. */
const probeSecretArn = (arn: string): string => arn.replace(/\?{6}$/, "AbCdEf");

export const secretKind = {
  section: "secrets",
  id: "secret",
  noun: "secret",
  policyName: "secret policy",
  policyPhrase: "the secret's policy",
  nameProblem: secretNameProblem,
  levels: ["read"],
  forms: [
    {
      arn: (arn) => arn,
      actions: { read: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"] },
      identitySid: () => "ReadSecrets",
      resourceSid: () => "ReadSecret",
      policyResource: "*",
    },
  ],
  key: {
    has: () => true,
    actions: { read: ["kms:Decrypt"] },
    service: "secretsmanager",
    alias: secretKeyAlias,
    names: (secret: { readonly name: string }) => hasAlias(secretKeyAlias(secret.name)),
    identitySid: () => "ReadSecretKeys",
    resourceSid: () => "ReadSecretThroughSecretsManager",
    description: (name) => `Encryption of secret ${name}`,
    ref: { path: ["kms_key_id"] },
    context: (name: string, _accountId: string, region: string) => ({ "kms:ViaService": `secretsmanager.${region}.amazonaws.com`, "kms:ResourceAliases": [secretKeyAlias(name)] }),
  },
  arn: secretArn,
  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html
  quota: { characters: 20480 },
  quotaHint: "grant fewer callers on this secret",
  baseStatements: () => [denySecretInsecureTransport()],
  grantees: ["group", "role"],
  refusal: "give outside callers a role instead",
  access: kindAccess(
    { id: "secret", noun: "secret" },
    {
      resourceType: "aws_secretsmanager_secret",
      nameAttribute: "name",
      policyLink: "secret_arn",
      service: "secretsmanager",
      changes: SECRET_CHANGES,
      probeArn: probeOn("Secret", probeSecretArn),
      tlsOnly: true,
      // One level: no grantee can use another's actions.
      probes: { change: "Any caller changing a secret (its value, policy, rotation, tags) or deleting it" },
      levelsNote: "`read` is the secret level of the map (its value and description, and decrypting it through Secrets Manager)",
      wildcardResource: /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:[*?]/,
      arnExample: "arn:aws:secretsmanager:<region>:<account>:secret:<name>-??????",
    },
  ),
  adopt: {
    resourceType: "aws_secretsmanager_secret",
    // Found by its name (Secrets Manager takes a name where it takes an ARN); recorded by its
    // full ARN, whose six-character suffix only the existing secret knows.
    lookupId: (name) => name,
    recordPattern: (name, accountId, region) => new RegExp(`^arn:aws:secretsmanager:${region}:${accountId}:secret:${escapeRegExp(name)}-[A-Za-z0-9]{6}$`),
    recordHint: "a secret's record is its full ARN, arn:aws:secretsmanager:<region>:<account id>:secret:<name>-<6 characters>",
    recordId: (imported) => (typeof imported.arn === "string" ? imported.arn : undefined),
  },
} as const satisfies ResourceKind<"secrets", "secret">;
