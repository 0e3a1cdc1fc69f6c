/**
 * How `npm run adopt` finds a key that exists without its alias (a deploy killed
 * between creating the key and its alias leaves one), as pure functions
 * (tools/adopt.ts runs the plans; test/tools/adopt-keys.test.ts tests these): every
 * key the program creates carries the tag {@link KEY_TAG} naming its stack and owner
 * (resources/kms.ts). Adopt asks Terraform, in one plan, for the keys with that tag
 * (the Resource Groups Tagging API, `aws_resourcegroupstaggingapi_resources`), in
 * the next for each one's state (`aws_kms_key`: a key pending deletion, left by an
 * earlier destroy, still carries its tags), and imports the one live key.
 */
import { byCodePoint } from "../config/order";
import { KEY_TAG } from "../resources/kms";

/** The data source that lists the keys carrying a tag value, in a region (the provider's). */
export const TAGGED = "aws_resourcegroupstaggingapi_resources";
/** The data source that reads one key's state. */
export const KEY_DATA = "aws_kms_key";

/** The configuration of the tag lookup. */
export const taggedKeysQuery = (provider: string, tagValue: string): object => ({
  provider,
  resource_type_filters: ["kms:key"],
  tag_filter: [{ key: KEY_TAG, values: [tagValue] }],
});

/** The part of a plan's JSON that holds what data sources read. */
export interface DataPlanJson {
  readonly prior_state?: { readonly values?: { readonly root_module?: { readonly resources?: readonly DataResource[] } } };
  readonly planned_values?: { readonly root_module?: { readonly resources?: readonly DataResource[] } };
}

interface DataResource {
  readonly address: string;
  readonly mode?: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** What the data source at `address` read during the plan, or undefined when the plan has not read it. */
export function dataValues(plan: DataPlanJson, address: string): Readonly<Record<string, unknown>> | undefined {
  for (const list of [plan.prior_state?.values?.root_module?.resources, plan.planned_values?.root_module?.resources]) {
    const found = (list ?? []).find((r) => r.address === address && r.mode === "data");
    if (found?.values) return found.values;
  }
  return undefined;
}

/** The ARNs of the keys a tag lookup found, sorted by code point; undefined when the plan has not read it. */
export function taggedKeyArns(plan: DataPlanJson, address: string): string[] | undefined {
  const values = dataValues(plan, address);
  if (!values) return undefined;
  const list = Array.isArray(values.resource_tag_mapping_list) ? (values.resource_tag_mapping_list as { resource_arn?: unknown }[]) : [];
  return [...new Set(list.map((m) => m.resource_arn).filter((a): a is string => typeof a === "string" && /:key\/[^/]+$/.test(a)))].sort(byCodePoint);
}

/** A key's id, from its ARN (`arn:aws:kms:<region>:<account>:key/<id>`). */
export const keyIdOf = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);

/** States of a key that will not come back: KMS deletes it at the end of its waiting period. */
const GOING = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

/**
 * Which of the tagged keys to adopt: the live ones (not pending deletion), the first
 * by code point of its ARN chosen; the other live ones stay extra keys, to be named
 * in the listing. A key whose state the plan did not read counts as not live.
 */
export function chooseTaggedKey(states: ReadonlyMap<string, string | undefined>): { readonly chosen?: string; readonly others: readonly string[] } {
  const live = [...states].filter(([, state]) => state !== undefined && !GOING.has(state)).map(([arn]) => arn).sort(byCodePoint);
  return { chosen: live[0], others: live.slice(1) };
}
