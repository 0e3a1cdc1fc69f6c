/**
 * A customer managed key as the program writes it, for whichever kind owns it:
 * rotation on, a 30-day deletion window, its key policy from the plan, and its
 * alias when it has one.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { PolicyDocument } from "../policies/document";
import { tfName } from "../stacks/names";
import type { BuildContext } from "./stacks";

export function buildKmsKey(
  { scope, provider, named, json }: BuildContext,
  names: readonly string[],
  props: { readonly description: string; readonly policy: PolicyDocument; readonly alias?: string },
): KmsKey {
  const key = named(
    new KmsKey(scope, `kms-key_${tfName(...names)}`, {
      provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: json(props.policy),
    }),
    ...names,
  );
  if (props.alias) named(new KmsAlias(scope, `kms-alias_${tfName(...names)}`, { provider, name: props.alias, targetKeyId: key.keyId }), ...names);
  return key;
}
