/**
 * KMS keys (`accounts.<name>.keys`), named by their alias `alias/<name>`: the
 * levels and their actions, the key policy's quota and its first statement (the
 * account root's administration, AWS's default), the alias rules, and what the
 * access report probes. No level manages a key (policy, grants, deletion,
 * disabling, rotation, aliases). A key's id is random: identity halves name
 * `key/*` of its account and region and the alias in `kms:ResourceAliases`.
 * https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html
 */
import { kindAccess, probeOn, type ResourceKind } from "./kind";
import { hasAlias, KEY_CHANGES, KEY_POLICY_CHARACTERS, keyAdministration, keyArnPattern, probeKeyArn } from "./kms";

const ENCRYPT = ["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];
const DECRYPT = ["kms:Decrypt", "kms:DescribeKey"];

/** Actions per key level. */
export const KEY_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  encrypt: ENCRYPT,
  decrypt: DECRYPT,
  "encrypt-decrypt": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
};

/** AWS's alias rules for the part after `alias/`. https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html */
export function keyAliasProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9/_-]{1,250}$/.test(name)) return "1 to 250 letters, digits and / _ -, so that alias/<name> is at most 256";
  if (/^aws\//i.test(name)) return "must not start with aws/, which AWS reserves for its managed keys";
  return undefined;
}

export const keyAlias = (name: string): string => `alias/${name}`;

export const keyKind: ResourceKind<"keys", "key"> = {
  section: "keys",
  id: "key",
  noun: "key",
  policyName: "key policy",
  policyPhrase: "the key's policy",
  nameProblem: keyAliasProblem,
  levels: ["encrypt", "decrypt", "encrypt-decrypt"],
  forms: [{ arn: (arn) => arn, actions: KEY_ACTIONS, identitySid: () => "UseKeys", resourceSid: () => "UseKey", policyResource: "*" }],
  identityCondition: (key: { readonly name: string }) => hasAlias(keyAlias(key.name)),
  arn: (_name: string, accountId: string, region: string) => keyArnPattern(accountId, region),
  quota: { characters: KEY_POLICY_CHARACTERS },
  quotaHint: "grant fewer callers in other accounts on this key",
  baseStatements: (key: { readonly account: { readonly id: string } }) => [keyAdministration(key.account.id)],
  grantees: ["group", "role"],
  refusal: "give outside callers a role instead",
  access: kindAccess(
    { id: "key", noun: "key" },
    {
      resourceType: "aws_kms_key",
      nameAttribute: "description",
      nameFrom: { type: "aws_kms_alias", link: "target_key_id", attribute: "name", strip: "alias/" },
      context: (name: string) => ({ "kms:ResourceAliases": [keyAlias(name)] }),
      // No policyLink: the key policy is the key's own `policy`.
      service: "kms",
      changes: KEY_CHANGES,
      probeArn: probeOn("key", probeKeyArn),
      // KMS endpoints accept only TLS: there is no plain-HTTP request to refuse.
      tlsOnly: false,
      probes: {
        otherLevel: "A key grantee using what another level grants (decrypt-only encrypting, encrypt-only decrypting)",
        change: "Any caller managing a key (policy, grants, deletion, disabling, rotation, aliases)",
      },
      levelsNote: "`encrypt`, `decrypt` and `encrypt-decrypt` are the key levels of the map",
      arnExample: "arn:aws:kms:<region>:<account>:key/* with kms:ResourceAliases",
    },
  ),
  adopt: {
    // A key's id is random: it is found through its alias, and the record keeps the key's id.
    resourceType: "aws_kms_alias",
    lookupId: (name) => keyAlias(name),
    recordPattern: () => /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    recordHint: "a key's record is the id of the key its alias names (1234abcd-12ab-34cd-56ef-1234567890ab, or mrk-... for a multi-Region key)",
    recordId: (imported) => (typeof imported.target_key_id === "string" && imported.target_key_id !== "" ? imported.target_key_id : undefined),
    through: { resourceType: "aws_kms_key" },
  },
};
