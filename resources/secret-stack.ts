/**
 * A secret's stack resources: its own key (rotation on; the key policy from the
 * plan lets the grantees of other accounts decrypt through Secrets Manager), the
 * secret encrypted with it, and the secret policy. No secret version: the value
 * is set outside the map.
 */
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { tfName } from "../stacks/names";
import { buildKmsKey } from "./kms-stack";
import { secretKind } from "./secret";
import type { ResourceBuilder } from "./stacks";

export const buildSecret: ResourceBuilder = (ctx, { resource: secret, policy, extra }) => {
  const { scope, provider, named, json } = ctx;
  const keyPolicy = extra.find((d) => d.id === "key")!.document;
  const key = buildKmsKey(ctx, ["secret", secret.name], { description: secretKind.key.description(secret.name), policy: keyPolicy, alias: secretKind.key.alias(secret.name), owner: `secrets/${secret.name}` });
  const s = named(new SecretsmanagerSecret(scope, `secret_${tfName(secret.name)}`, { provider, name: secret.name, kmsKeyId: key.arn }), secret.name);
  if (ctx.importId) s.importFrom(ctx.importId, provider);
  // AWS refuses a policy that would let anyone outside the account in without a condition.
  named(new SecretsmanagerSecretPolicy(scope, `secret-policy_${tfName(secret.name)}`, { provider, secretArn: s.arn, policy: json(policy), blockPublicPolicy: true }), secret.name);
};
