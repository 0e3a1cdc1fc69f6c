/**
 * A key's stack resources: the key (rotation on) with its key policy from the plan,
 * and its alias `alias/<name>`. An adopted key (its record is the key's id) imports
 * both the key and its alias.
 */
import { keyAlias } from "./key";
import { buildKmsKey } from "./kms-stack";
import type { ResourceBuilder } from "./stacks";

export const buildKey: ResourceBuilder = (ctx, { resource: key, policy }) => {
  buildKmsKey(ctx, [key.name], { description: keyAlias(key.name), policy, alias: keyAlias(key.name), owner: `keys/${key.name}`, importKeyId: ctx.importId });
};
