/**
 * Action lists, apart from the logic that uses them. Each resource kind keeps its
 * levels' lists in its own module (resources/); this file holds the program's own
 * assume-role action and the list of every action the program writes.
 */
import { grantedActions, KINDS } from "../resources";

export { S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from "../resources/bucket";

export const ASSUME_ROLE = "sts:AssumeRole";

/** Every action this program writes on its own (customer policies add the user's). */
export const BUILT_IN_ACTIONS: readonly string[] = [...new Set([...KINDS.flatMap(grantedActions), ASSUME_ROLE])];
