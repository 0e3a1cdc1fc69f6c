/**
 * Reads the account map (config/accounts.yaml, or the file ACCOUNT_MAP names) and
 * synthesizes one Terraform stack per account. A bad map prints every problem and
 * exits 1 before anything is written.
 */
import { synthesizeFile } from "./app";
import { ConfigError } from "./config/errors";
import { DEFAULT_MAP } from "./config/load";

// Dry runs against an AWS API emulator (see README, "Testing"); unset for real deploys.
const localEndpoint = process.env.LOCAL_AWS_ENDPOINT || undefined;
if (localEndpoint) process.stderr.write(`note: every provider points at ${localEndpoint} (LOCAL_AWS_ENDPOINT)\n`);

// The cdktf CLI names the output folder in CDKTF_OUTDIR.
const outdir = process.env.CDKTF_OUTDIR || undefined;

// SYNTH_COLD: build every stack, keeping none from the last synth into the folder (see README, "Incremental synth").
const cold = Boolean(process.env.SYNTH_COLD);

// DEBUG: stack traces of errors, and cdktf's traces of where tokens were created.
const debug = Boolean(process.env.DEBUG);

synthesizeFile(process.env.ACCOUNT_MAP || DEFAULT_MAP, { localEndpoint, outdir, traces: debug, cold }).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  // Anything else is a bug or an environment problem, not bad input: say so plainly.
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (debug) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(2);
});
