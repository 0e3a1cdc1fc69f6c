/**
 * What every customer managed key the program writes shares, whoever owns it (a
 * key of its own under `keys`, or the key of a `encryption: kms` bucket or of a
 * secret): its ARN form, the key policy's first statement, the changes no level
 * grants, and the key policy's quota. Key ids are random and known only after the
 * key exists, so identity halves name `key/*` of the key's account and region and
 * narrow it with a condition (an alias, or the service's encryption context).
 * https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html
 */
import { createHash } from "node:crypto";
import type { ConditionBlock, Statement } from "../policies/document";

/** Every key of an account in a region; a condition narrows it to one. */
export const keyArnPattern = (accountId: string, region: string): string => `arn:aws:kms:${region}:${accountId}:key/*`;

/** A key policy's quota, in characters not counting whitespace. https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
export const KEY_POLICY_CHARACTERS = 32768;

/**
 * AWS's default key policy statement: the account's root may administer the key,
 * so the key never becomes unmanageable and the account's IAM policies decide who
 * within it may use or manage it (the program's own grant none of the changes below).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export function keyAdministration(accountId: string): Statement {
  return { Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" };
}

/** Changes to a key: no level grants any of them, to anybody. */
export const KEY_CHANGES: readonly string[] = [
  "kms:CancelKeyDeletion",
  "kms:CreateGrant",
  "kms:DeleteAlias",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

/** The service that uses a key on the caller's behalf, for `kms:ViaService`. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service */
export const viaService = (service: string, region: string): ConditionBlock => ({ StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com` } });

/** The key that carries this alias (the key's id is random; the alias is the map's). */
export const hasAlias = (alias: string): ConditionBlock => ({ "ForAnyValue:StringEquals": { "kms:ResourceAliases": alias } });

/** A probe's concrete key ARN inside `key/*`. */
export const probeKeyArn = (pattern: string, probe: string): string => pattern.replace(/\*$/, probe);

/**
 * The tag every key the program creates carries: a key has no name of its own, and
 * a deploy killed between creating a key and its alias leaves a key nothing else
 * finds. `npm run adopt` looks keys up by this tag (the Resource Groups Tagging API,
 * through Terraform) and records such a key under `kmsKeys` (config/imports.ts).
 */
export const KEY_TAG = "cross-account-bootstrap:key";

/**
 * The tag's value: the stack and the key's owner in the map, `<stack>/<section>/<name>`
 * (`prod/keys/artifact-signing`, `prod/secrets/ledger-db`), which is also the key's
 * record under `kmsKeys`. A tag value has at most 256 characters: a longer one is cut
 * and followed by 8 hex digits of its SHA-256, distinct for distinct owners.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Tag.html
 */
export function keyTagValue(stack: string, owner: string): string {
  const value = `${stack}/${owner}`;
  return value.length <= 256 ? value : `${value.slice(0, 247)}-${createHash("sha256").update(value).digest("hex").slice(0, 8)}`;
}
