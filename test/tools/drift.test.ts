/**
 * `npm run drift` as users run it, with a stand-in `terraform` on PATH (a shell
 * script answering from canned files), so no AWS account is needed: exit 0 without
 * drift, 2 with drift, 1 when a plan fails; stacks without state are skipped.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FAKE_TERRAFORM = `#!/bin/sh
# FAKE_TF holds canned answers per stack (the working directory's name).
stack=$(basename "$PWD")
case "$1" in
  init) echo "Terraform has been successfully initialized!" ;;
  state) [ -f "$FAKE_TF/$stack.state" ] || { echo "No state file was found!" >&2; exit 1; }; cat "$FAKE_TF/$stack.state" ;;
  plan) [ -f "$FAKE_TF/$stack.error" ] && { cat "$FAKE_TF/$stack.error" >&2; exit 1; }; echo "$*" > "$FAKE_TF/$stack.plan-args"; : > drift.tfplan ;;
  show) cat "$FAKE_TF/$stack.plan.json" ;;
  *) echo "fake terraform: unexpected $*" >&2; exit 3 ;;
esac
`;

let work: string;
let out: string;
let bin: string;
const clean = readFileSync("test/fixtures/plans/prod-clean.json", "utf8");
const drifted = readFileSync("test/fixtures/plans/prod-drift.json", "utf8");

beforeAll(() => {
  expect(spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" }).status).toBe(0);
  work = mkdtempSync(join(tmpdir(), "drift-"));
  bin = join(work, "bin");
  out = join(work, "cdktf.out");
  mkdirSync(bin);
  writeFileSync(join(bin, "terraform"), FAKE_TERRAFORM);
  chmodSync(join(bin, "terraform"), 0o755);
  for (const [stack, id] of [["dev", "333333333333"], ["prod", "111111111111"], ["staging", "222222222222"]]) {
    mkdirSync(join(out, "stacks", stack), { recursive: true });
    const provider = { aws: [{ alias: stack, allowed_account_ids: [id], assume_role: [{ role_arn: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole` }] }] };
    writeFileSync(join(out, "stacks", stack, "cdk.tf.json"), JSON.stringify({ provider }));
  }
});

/** Runs dist/drift.js with canned answers: `<stack>.state` (no file: never applied), `<stack>.plan.json`, `<stack>.error`. */
function drift(args: string[], files: Record<string, string>) {
  const dir = mkdtempSync(join(work, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const env: Record<string, string | undefined> = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_TF: dir, HOME: work, CI: "" };
  for (const k of Object.keys(env)) if (/^AWS_/.test(k)) delete env[k];
  const r = spawnSync(process.execPath, ["dist/drift.js", "--out", out, ...args], { env: { ...env, AWS_ACCESS_KEY_ID: "fake", AWS_SECRET_ACCESS_KEY: "fake" }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

const deployed = "aws_iam_role.StageRole\n";

test("no drift: exit 0; a stack without state is named and not planned", () => {
  const r = drift([], { "prod.state": deployed, "prod.plan.json": clean, "staging.state": "" });
  expect(r.stdout).toBe(
    [
      "No drift in 1 stack: prod.",
      "(6 resources read back with computed attributes that no apply changes: not drift.)",
      "Not deployed (no resources in state), not checked: dev, staging.",
      "",
    ].join("\n"),
  );
  expect(r.stderr).toMatch(/^drift: prod no drift \(\d of 3, \d+\.\d s\)$/m);
  expect(r.stderr).toMatch(/^drift: dev not deployed /m);
  expect(r.status).toBe(0);
});

test("drift: exit 2, the table names the hand-added policy and attachment; --json has the same", () => {
  const json = join(work, "drift.json");
  const r = drift(["--json", json], { "prod.state": deployed, "prod.plan.json": drifted, "dev.state": deployed, "dev.plan.json": clean });
  expect(r.status).toBe(2);
  expect(r.stdout).toContain("prod   aws_iam_role_policies_exclusive.StageRole            edited  policy_names: +hand-added\n");
  expect(r.stdout).toContain("policy_arns: +arn:aws:iam::aws:policy/AdministratorAccess\n");
  expect(r.stdout).toContain("Drift: 4 resources in 1 stack (prod)");
  const written = JSON.parse(readFileSync(json, "utf8"));
  expect(written.stacks.map((s: { stack: string; drifted: unknown[] }) => [s.stack, s.drifted.length])).toEqual([["dev", 0], ["prod", 4]]);
  expect(written.notDeployed).toEqual(["staging"]);
  // A plan that locks briefly and never asks, saved for `show -json`.
  expect(readFileSync(join(r.dir, "prod.plan-args"), "utf8").trim()).toBe("plan -input=false -no-color -lock-timeout=60s -out=drift.tfplan");
});

test("a plan that fails: exit 1 even with drift elsewhere, its first error shown", () => {
  const r = drift([], { "prod.state": deployed, "prod.plan.json": drifted, "dev.state": deployed, "dev.error": "\nError: No valid credential sources found\n\nError: something that followed\n" });
  expect(r.status).toBe(1);
  expect(r.stdout).toContain("1 of 2 stacks failed to plan, so its drift is unknown: dev\n\nPlan of dev failed:\n  Error: No valid credential sources found\n");
  expect(r.stdout).not.toContain("something that followed");
  expect(r.stdout).toContain("Drift: 4 resources in 1 stack (prod)");
});

test("nothing deployed: nothing was checked, so exit 1, not a clean bill", () => {
  const r = drift(["prod"], {});
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("drift: no deployed stack to check among prod: none has resources in its state (deploy first, or check the state backend)\n");
});

test.each([
  [["prd"], `drift: unknown stack "prd" (stacks in OUT: dev, prod, staging)`],
  [["--parallel", "0"], 'drift: --parallel must be a positive integer, not "0"'],
  [["--frobnicate"], "drift: unknown option --frobnicate"],
])("bad command line %j: one line with the usage, exit 2, nothing planned", (args, message) => {
  const r = drift(args, { "prod.state": deployed, "prod.plan.json": drifted });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`${message.replace("OUT", out)}; usage: npm run drift [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]\n`);
});

test("--help prints the usage, exit 0", () => {
  const r = drift(["--help"], {});
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^usage: npm run drift \[-- \[stack\.\.\.\] \[--out DIR\] \[--parallel N\] \[--json FILE\]\]\n/);
  expect(r.stdout).toContain("Exit status: 0 no drift, 2 drift, 1 a stack failed to plan or no stack is\ndeployed.");
});
