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
  props: { readonly description: string; readonly policy: PolicyDocument; readonly alias?: string; readonly importKeyId?: string },
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
  const alias = props.alias ? named(new KmsAlias(scope, `kms-alias_${tfName(...names)}`, { provider, name: props.alias, targetKeyId: key.keyId }), ...names) : undefined;
  // An adopted key: the key by its id, and its alias by its name (a key's import id is its id, an alias's its name).
  if (props.importKeyId) {
    key.importFrom(props.importKeyId, provider);
    if (alias && props.alias) alias.importFrom(props.alias, provider);
  }
  return key;
}
