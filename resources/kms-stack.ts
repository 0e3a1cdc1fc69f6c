/**
 * A customer managed key as the program writes it, for whichever kind owns it:
 * rotation on, a 30-day deletion window, its key policy from the plan, its alias
 * when it has one, and the tag that names its stack and owner (resources/kms.ts),
 * by which adopt finds a key a killed deploy created before its alias.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { PolicyDocument } from "../policies/document";
import { tfName } from "../stacks/names";
import { KEY_TAG, keyTagValue } from "./kms";
import type { BuildContext } from "./stacks";

export function buildKmsKey(
  ctx: BuildContext,
  names: readonly string[],
  props: {
    readonly description: string;
    readonly policy: PolicyDocument;
    readonly alias?: string;
    /** The key's owner in the map, `<section>/<name>`: its tag, and its record's name under `kmsKeys`. */
    readonly owner: string;
    /** The id of an adopted key found through its alias: the key and its alias are imported. */
    readonly importKeyId?: string;
  },
): KmsKey {
  // A key found by its tag, without its alias (a killed deploy's): the key is imported, the alias created.
  const keyOnly = ctx.importKeyOnly?.get(props.owner);
  const importKeyId = props.importKeyId ?? ctx.importOwnKey?.get(props.owner);
  const { scope, provider, named, json } = ctx;
  const key = named(
    new KmsKey(scope, `kms-key_${tfName(...names)}`, {
      provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: json(props.policy),
      tags: { [KEY_TAG]: keyTagValue(ctx.stack, props.owner) },
    }),
    ...names,
  );
  const alias = props.alias ? named(new KmsAlias(scope, `kms-alias_${tfName(...names)}`, { provider, name: props.alias, targetKeyId: key.keyId }), ...names) : undefined;
  // An adopted key: the key by its id, and its alias by its name (a key's import id is its id, an alias's its name).
  if (importKeyId) {
    key.importFrom(importKeyId, provider);
    if (alias && props.alias) alias.importFrom(props.alias, provider);
  } else if (keyOnly) key.importFrom(keyOnly, provider);
  return key;
}
