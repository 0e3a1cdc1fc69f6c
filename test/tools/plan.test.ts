/**
 * `npm run plan` as users run it, with a stand-in `terraform` on PATH (a shell
 * script answering from canned files), so no AWS account is needed.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FAKE_TERRAFORM = `#!/bin/sh
# FAKE_TF holds canned answers per stack (the working directory's name).
stack=$(basename "$PWD")
case "$1" in
  init) [ -f "$FAKE_TF/$stack.init-error" ] && { cat "$FAKE_TF/$stack.init-error" >&2; exit 1; }; echo "Terraform has been successfully initialized!" ;;
  plan) [ -f "$FAKE_TF/$stack.error" ] && { cat "$FAKE_TF/$stack.error" >&2; exit 1; }; : > tfplan ;;
  show) cat "$FAKE_TF/$stack.plan.json" 2>/dev/null || echo '{"resource_changes":[]}' ;;
  *) echo "fake terraform: unexpected $*" >&2; exit 3 ;;
esac
`;

// What Terraform 1.11 prints (-no-color) when the provider finds no credentials: the cause, then its consequence.
const NO_CREDENTIALS = `
Error: No valid credential sources found

  with provider["registry.terraform.io/hashicorp/aws"].prod,
  on cdk.tf.json line 20, in provider.aws[0]:
  20:       }

Please see https://registry.terraform.io/providers/hashicorp/aws
for more information about providing credentials.

Error: failed to refresh cached credentials, no EC2 IMDS role found

`;

let work: string;
let canned: string;
let out: string;
let bin: string;

beforeAll(() => {
  expect(spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" }).status).toBe(0);
  work = mkdtempSync(join(tmpdir(), "plan-"));
  bin = join(work, "bin");
  canned = join(work, "canned");
  out = join(work, "cdktf.out");
  mkdirSync(bin);
  mkdirSync(canned);
  writeFileSync(join(bin, "terraform"), FAKE_TERRAFORM);
  chmodSync(join(bin, "terraform"), 0o755);
  for (const [stack, id, role] of [["dev", "333333333333", "OrganizationAccountAccessRole"], ["prod", "111111111111", "TerraformDeployer"], ["staging", "222222222222", "OrganizationAccountAccessRole"]]) {
    mkdirSync(join(out, "stacks", stack), { recursive: true });
    const provider = { aws: [{ alias: stack, allowed_account_ids: [id], assume_role: [{ role_arn: `arn:aws:iam::${id}:role/${role}` }] }] };
    writeFileSync(join(out, "stacks", stack, "cdk.tf.json"), JSON.stringify({ provider }));
  }
  writeFileSync(join(canned, "dev.plan.json"), JSON.stringify({ resource_changes: [{ address: "aws_iam_group_policy.developers", change: { actions: ["update"] } }] }));
  writeFileSync(join(canned, "staging.plan.json"), readFileSync("test/fixtures/plans/staging-create.json", "utf8"));
});

const CREDENTIALS = { AWS_ACCESS_KEY_ID: "fake", AWS_SECRET_ACCESS_KEY: "fake" };

function plan(args: string[], env: Record<string, string | undefined> = CREDENTIALS, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(canned, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  for (const name of ["dev.plan.json", "staging.plan.json"]) if (!(name in files)) writeFileSync(join(dir, name), readFileSync(join(canned, name)));
  const base: Record<string, string | undefined> = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_TF: dir, HOME: work, CI: "" };
  for (const k of Object.keys(base)) if (/^AWS_/.test(k)) delete base[k];
  const r = spawnSync(process.execPath, ["dist/plan.js", ...args], { env: { ...base, ...env }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("every stack planned: the table, a progress line per stack, exit 0", () => {
  const r = plan(["--out", out]);
  expect(r.stdout).toBe(
    [
      "stack       add  change destroy replace",
      "dev           0       1       0       0",
      "prod          0       0       0       0",
      "staging       9       0       0       0",
      "",
      "No destroys or replacements.",
      "",
    ].join("\n"),
  );
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(4);
  for (const stack of ["dev", "prod", "staging"]) expect(r.stderr).toMatch(new RegExp(`^plan: ${stack} done \\([1-3] of 3, \\d+\\.\\d s\\)$`, "m"));
  expect(lines[3]).toMatch(/^plan: 3 stacks in \d+\.\d s$/);
  expect(r.status).toBe(0);
});

test("a failed plan is named with its first Terraform error, and no 'No destroys or replacements.'", () => {
  const r = plan(["--out", out], CREDENTIALS, { "prod.error": NO_CREDENTIALS });
  expect(r.status).toBe(1);
  expect(r.stdout).not.toContain("No destroys or replacements.");
  expect(r.stdout).toContain("\nprod      plan failed\n");
  expect(r.stdout).toContain("1 of 3 stacks failed to plan, so its changes are unknown: prod");
  expect(r.stdout).toContain('Plan of prod failed:\n  Error: No valid credential sources found\n\n    with provider["registry.terraform.io/hashicorp/aws"].prod,');
  expect(r.stdout).not.toContain("IMDS");
  expect(r.stderr).toMatch(/^plan: prod failed \([1-3] of 3, \d+\.\d s\)$/m);
});

test("a failed init counts as a failed stack; the others still plan", () => {
  const r = plan(["--out", out, "--json", join(work, "init.json")], CREDENTIALS, { "dev.init-error": "\nError: Failed to query available provider packages\n\nCould not retrieve the list of available versions.\n" });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^plan: dev failed at init \(1 of 3/m);
  const json = JSON.parse(readFileSync(join(work, "init.json"), "utf8"));
  expect(json.map((s: { stack: string }) => s.stack)).toEqual(["dev", "prod", "staging"]);
  expect(json[0].error).toBe("Error: Failed to query available provider packages\n\nCould not retrieve the list of available versions.");
  expect(json[2].add).toHaveLength(9);
});

test("positionals are stack names; an unknown one is one line listing the stacks, exit 2", () => {
  const one = plan(["prod", "--out", out]);
  expect(one.status).toBe(0);
  expect(one.stdout.split("\n").slice(0, 2)).toEqual(["stack     add  change destroy replace", "prod        0       0       0       0"]);
  const bad = plan(["prd", "--out", out]);
  expect(bad.status).toBe(2);
  expect(bad.stdout).toBe("");
  expect(bad.stderr).toBe(`plan: unknown stack "prd" (stacks in ${out}: dev, prod, staging); usage: npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]\n`);
});

test.each([
  [["--parallel", "two"], 'plan: --parallel must be a positive integer, not "two"'],
  [["--parallel", "0"], 'plan: --parallel must be a positive integer, not "0"'],
  [["--parallel"], "plan: --parallel needs a value"],
  [["--frobnicate"], "plan: unknown option --frobnicate"],
])("bad command line %j: one line, exit 2, nothing planned", (args, message) => {
  const r = plan(["--out", out, ...args]);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n")).toHaveLength(2);
  expect(r.stderr.startsWith(`${message}; usage: npm run plan`)).toBe(true);
});

test("--help prints the usage, exit 0", () => {
  for (const args of [["--help"], ["-h"], ["prod", "--help", "--frobnicate"]]) {
    const r = plan(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run plan \[-- \[stack\.\.\.\] \[--out DIR\] \[--parallel N\] \[--json FILE\]\]\n/);
    expect(r.stderr).toBe("");
  }
});

test("without credentials: says so once, with what to set and the deploy roles, before any Terraform; exit 1", () => {
  const r = plan(["--out", out], {});
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^plan: no AWS credentials found: /);
  expect(r.stderr).toContain("AWS_PROFILE");
  expect(r.stderr).toContain("OrganizationAccountAccessRole (dev, staging), TerraformDeployer (prod)");
  expect(r.stderr).toContain("AWS_CREDENTIALS_CHECK=off");
  expect(r.stderr).not.toContain("plan: dev");
  expect(plan(["--out", out], { AWS_CREDENTIALS_CHECK: "off" }).status).toBe(0);
});

test("a folder is not a stack: the older form `plan <outdir>` is refused, exit 2", () => {
  const r = plan([out, "--out", out]);
  expect(r.status).toBe(2);
  expect(r.stderr).toBe(`plan: unknown stack ${JSON.stringify(out)} (stacks in ${out}: dev, prod, staging); usage: npm run plan [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]\n`);
});

test("no stacks: one line, exit 1", () => {
  const r = plan(["--out", join(work, "nothing")]);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`plan: no stacks in ${join(work, "nothing", "stacks")}; run npm run synth first (or name another folder with --out)\n`);
});

test("a stack whose local state holds resources but which is not synthesized is named after the table, with the grants that name its account", () => {
  const root = mkdtempSync(join(tmpdir(), "plan-orphan-"));
  const stacks = join(root, "cdktf.out", "stacks", "dev");
  mkdirSync(stacks, { recursive: true });
  writeFileSync(join(stacks, "cdk.tf.json"), readFileSync(join(out, "stacks", "dev", "cdk.tf.json")));
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::555555555555:role/QaAccess" }] });
  writeFileSync(join(root, "terraform.dev.tfstate"), JSON.stringify({ resources: [{ mode: "managed", type: "aws_iam_group_policy", name: "developers", instances: [{ attributes: { policy } }] }] }));
  writeFileSync(join(root, "terraform.qa.tfstate"), JSON.stringify({ resources: [{ mode: "managed", type: "aws_iam_role", name: "QaAccess", instances: [{ attributes: { arn: "arn:aws:iam::555555555555:role/QaAccess" } }] }] }));
  const r = plan(["--out", join(root, "cdktf.out")]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(
    [
      "No destroys or replacements.",
      "",
      "Deployed but no longer in the map (orphaned access; npm run retire -- <stack> destroys it):",
      "  qa (account 555555555555): 1 resource in terraform.qa.tfstate",
      "    named by dev: aws_iam_group_policy.developers (policy); dev's next deploy removes it",
      "",
    ].join("\n"),
  );
});
