/**
 * A model's stacks as `affected` compares them: synthesized by this program, in
 * this process, into a temporary folder (the same files `npm run synth` writes),
 * read back and removed, each with the grants and entities its plan put in it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeModel } from "../app";
import type { Model } from "../config/model";
import { planWithinLimits } from "../policies/limits";
import { stackFacts, type StackInput } from "./affected-stacks";

export function synthesizedStacks(model: Model): Map<string, StackInput> {
  const facts = stackFacts(planWithinLimits(model), model.organizationId);
  const dir = mkdtempSync(join(tmpdir(), "affected-"));
  try {
    const names = synthesizeModel(model, { outdir: dir });
    return new Map(names.map((name) => [name, { json: readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8"), ...(facts.get(name) ?? { grants: [], entities: [] }) }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
