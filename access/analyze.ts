/**
 * The whole analysis of one synthesized output against the map it came from:
 * read the stacks, name callers and targets, evaluate both halves of every
 * candidate request, compare with the map's declared grants, run the denial
 * probes and lint the policies. Everything the report and the gate print comes
 * from here.
 */
import type { Model } from "../config/model";
import { candidatesOf, type Candidates } from "./candidates";
import { checkAccess } from "./check";
import { effectiveAccess } from "./effective";
import { createEvaluator } from "./evaluator";
import { intendedAccess } from "./intent";
import { readInventory } from "./inventory";
import { lintStacks } from "./lint";
import { callersOf, targetsOf } from "./principals";
import type { Access, CallerSpec, Finding, Intent, Inventory, TargetSpec, Verdict } from "./types";

export interface Analysis {
  readonly model: Model;
  readonly inventory: Inventory;
  readonly callers: readonly CallerSpec[];
  readonly targets: readonly TargetSpec[];
  readonly candidates: Candidates;
  readonly access: readonly Access[];
  readonly intents: readonly Intent[];
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** Distinct requests the evaluator ran. */
  readonly evaluations: number;
}

/**
 * Analyzes the stacks in `outdir` (a `cdktf.out`) against `model`. `names` are
 * how messages name the map and the folder (default: the map's file and `outdir`).
 */
export async function analyze(model: Model, outdir: string, names?: { readonly mapFile: string; readonly outdir: string }): Promise<Analysis> {
  const inventory = readInventory(outdir);
  const evaluator = createEvaluator();
  const known = { externals: model.externals.map((e) => ({ name: e.name, id: e.id, externalId: e.externalId })), ...(model.organizationId ? { organizationId: model.organizationId } : {}) };
  const callers = callersOf(inventory, known);
  const targets = await targetsOf(inventory, evaluator);
  const candidates = candidatesOf(callers, targets);
  const access = await effectiveAccess(evaluator, targets, candidates, model.organizationId);
  const intents = intendedAccess(model);
  const verdict = await checkAccess({ model, inventory, callers, targets, access, intents, evaluator, candidates, names: names ?? { mapFile: model.file, outdir } });
  const findings = await lintStacks({ inventory, access });
  return { model, inventory, callers, targets, candidates, access, intents, verdict, findings, evaluations: evaluator.runs };
}
