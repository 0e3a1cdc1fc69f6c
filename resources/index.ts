/**
 * The registry of shareable resource kinds. Every layer that handles resources
 * loops over {@link KINDS}; adding a kind adds its module here (and its builder
 * to `resources/stacks.ts`, its entry schema to `config/schema.ts`).
 */
import { byCodePoint } from "../config/order";
import { bucketKind } from "./bucket";
import { queueKind } from "./queue";
import { topicKind } from "./topic";
import { keyKind } from "./key";
import { secretKind } from "./secret";
import type { ResourceKind } from "./kind";

export type { ArnForm, KindAccess, KindKey, KindProbe, ResourceKind } from "./kind";

/** A descriptor and everything in it frozen: the model points at its kind, and the model is frozen throughout. */
function frozen<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v !== null && typeof v === "object" && !Object.isFrozen(v)) frozen(v);
  return Object.freeze(value);
}

/** Every kind, in the order their sections, statements, providers and report lines are written. */
export const KINDS = frozen([bucketKind, queueKind, topicKind, secretKind, keyKind] as const);

/** One kind of the registry, with its literal section and id. */
export type Kind = (typeof KINDS)[number];
/** The map sections of the kinds (`buckets`). */
export type Section = Kind["section"];
/** The target id segments of the kinds (`bucket`). */
export type KindId = Kind["id"];

/** The list of `kind` held under its section by a model account, a plan, or a stack inventory. */
export function section<T>(holder: object, kind: ResourceKind): readonly T[] {
  return ((holder as Record<string, readonly T[] | undefined>)[kind.section] ?? []) as readonly T[];
}

/** The actions a level of a kind grants, every ARN form together, sorted. */
export function levelActions(kind: ResourceKind, level: string): string[] {
  return [...new Set(kind.forms.flatMap((f) => f.actions[level] ?? []))].sort(byCodePoint);
}

/** Every action any level of the kind grants, form by form, in the order the forms list them. */
export function grantedActions(kind: ResourceKind): string[] {
  return [...new Set(kind.forms.flatMap((f) => kind.levels.flatMap((level) => f.actions[level] ?? [])))];
}

/** The resource strings identity halves write for a resource of the kind (one per ARN form). */
export function grantArns(kind: ResourceKind, arn: string): string[] {
  return kind.forms.map((f) => f.arn(arn));
}

/** The kind whose target id segment is `id`. */
export function kindById(id: string): Kind | undefined {
  return KINDS.find((k) => k.id === id);
}
