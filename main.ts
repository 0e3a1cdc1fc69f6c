/**
 * Reads the account map (config/accounts.yaml, or the file ACCOUNT_MAP names),
 * plans every account's policies, and synthesizes one Terraform stack per account.
 * A bad map prints every problem and exits 1 before anything is written.
 */
import { App } from "cdktf";
import { ConfigError } from "./config/errors";
import { DEFAULT_MAP, loadAccountMap } from "./config/load";
import { planWithinLimits } from "./policies/limits";
import { AccountStack } from "./stacks/account-stack";

async function main(): Promise<void> {
  const { model } = await loadAccountMap(process.env.ACCOUNT_MAP || DEFAULT_MAP);
  const plans = planWithinLimits(model);

  // Dry runs against an AWS API emulator (see README, "Testing"); unset for real deploys.
  const localEndpoint = process.env.LOCAL_AWS_ENDPOINT || undefined;
  if (localEndpoint) process.stderr.write(`note: every provider points at ${localEndpoint} (LOCAL_AWS_ENDPOINT)\n`);

  const app = new App();
  for (const plan of plans) new AccountStack(app, { plan, state: model.state, tags: model.tags, localEndpoint });
  app.synth();
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  // Anything else is a bug or an environment problem, not bad input: say so plainly.
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(2);
});
