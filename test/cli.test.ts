/**
 * The program as users run it: exit status, stderr, and what lands in the output
 * folder, for a good map and a bad one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_MAP } from "./helpers";

function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["dist/main.js"], { env: { ...process.env, LOCAL_AWS_ENDPOINT: "", ACCOUNT_MAP: EXAMPLE_MAP, ...env }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" });
  expect(build.status).toBe(0);
});

test("the example map synthesizes one stack per account", () => {
  const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  const r = run({ CDKTF_OUTDIR: out, ACCOUNT_MAP: EXAMPLE_MAP });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(readdirSync(join(out, "stacks")).sort()).toEqual(["dev", "prod", "staging"]);
  const prod = JSON.parse(readFileSync(join(out, "stacks/prod/cdk.tf.json"), "utf8"));
  expect(prod.provider.aws[0].allowed_account_ids).toEqual(["111111111111"]);
});

test("ACCOUNT_MAP synthesizes another map", () => {
  const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  const r = run({ CDKTF_OUTDIR: out, ACCOUNT_MAP: "test/fixtures/good/base.yaml" });
  expect(r.status).toBe(0);
  expect(readdirSync(join(out, "stacks")).sort()).toEqual(["dev", "prod"]);
});

test("a bad map: exit 1, the report on stderr, no stack trace, nothing written", () => {
  const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  const r = run({ CDKTF_OUTDIR: out, ACCOUNT_MAP: "test/fixtures/bad/many-problems/accounts.yaml" });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(readFileSync("test/fixtures/bad/many-problems/expected.txt", "utf8"));
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(existsSync(out)).toBe(false);
});

test("a failed synth leaves an earlier output folder as it was", () => {
  const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  expect(run({ CDKTF_OUTDIR: out, ACCOUNT_MAP: EXAMPLE_MAP }).status).toBe(0);
  const file = join(out, "stacks/prod/cdk.tf.json");
  const before = { text: readFileSync(file, "utf8"), mtime: statSync(file).mtimeMs };
  expect(run({ CDKTF_OUTDIR: out, ACCOUNT_MAP: "test/fixtures/bad/unknown-action/accounts.yaml" }).status).toBe(1);
  expect(readFileSync(file, "utf8")).toBe(before.text);
  expect(statSync(file).mtimeMs).toBe(before.mtime);
});

test("LOCAL_AWS_ENDPOINT points providers at an emulator; a normal synth has no trace of it", () => {
  const local = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  const r = run({ CDKTF_OUTDIR: local, LOCAL_AWS_ENDPOINT: "http://127.0.0.1:5000" });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain("http://127.0.0.1:5000");
  const dev = JSON.parse(readFileSync(join(local, "stacks/dev/cdk.tf.json"), "utf8"));
  expect(dev.provider.aws[0].endpoints).toEqual([{ iam: "http://127.0.0.1:5000", kms: "http://127.0.0.1:5000", s3: "http://127.0.0.1:5000", sns: "http://127.0.0.1:5000", sqs: "http://127.0.0.1:5000", secretsmanager: "http://127.0.0.1:5000", sts: "http://127.0.0.1:5000", ssoadmin: "http://127.0.0.1:5000", identitystore: "http://127.0.0.1:5000", cloudtrail: "http://127.0.0.1:5000", events: "http://127.0.0.1:5000", resourcegroupstaggingapi: "http://127.0.0.1:5000" }]);

  const normal = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  expect(run({ CDKTF_OUTDIR: normal, LOCAL_AWS_ENDPOINT: "" }).status).toBe(0);
  for (const stack of ["dev", "prod", "staging"]) {
    expect(readFileSync(join(normal, `stacks/${stack}/cdk.tf.json`), "utf8")).not.toMatch(/endpoint|127\.0\.0\.1|path_style/);
  }
});

describe("npm run synth|diff|deploy|destroy (scripts/cdktf.sh): checks before cdktf", () => {
  const home = mkdtempSync(join(tmpdir(), "home-"));
  function wrapper(args: string[], env: Record<string, string> = {}) {
    const base: Record<string, string | undefined> = { ...process.env, HOME: home, LOCAL_AWS_ENDPOINT: "", ACCOUNT_MAP: EXAMPLE_MAP };
    for (const k of Object.keys(base)) if (/^AWS_/.test(k) || k === "CI") delete base[k];
    const r = spawnSync("bash", ["scripts/cdktf.sh", ...args], { env: { ...base, ...env }, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test("--help: our usage, exit 0, for each command", () => {
    for (const cmd of ["synth", "diff", "deploy", "destroy"]) {
      const r = wrapper([cmd, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: npm run ${cmd} `));
      expect(r.stderr).toBe("");
    }
  });

  test("an unknown option or a bad value: one line, exit 2, cdktf never runs", () => {
    const cases: [string[], string][] = [
      [["deploy", "prod", "--frobnicate"], "deploy: unknown option --frobnicate; usage: npm run deploy -- "],
      [["deploy", "prod", "--parallelism", "two"], 'deploy: --parallelism must be a positive integer, not "two"; usage: '],
      [["deploy", "prd"], 'deploy: unknown stack "prd" (accounts in test/fixtures/example/accounts.yaml: dev, prod, staging); usage: '],
      [["diff"], "diff: name the stack to diff (accounts in test/fixtures/example/accounts.yaml: dev, prod, staging); usage: "],
      [["synth", "prod"], 'synth: takes no stack names (it writes every stack), not "prod"; usage: '],
    ];
    for (const [args, start] of cases) {
      const r = wrapper(args);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr.startsWith(start)).toBe(true);
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stdout).toBe("");
    }
  });

  test("a bad map: the located problems once, exit 1, no output folder", () => {
    const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
    const r = wrapper(["synth", "--output", out], { ACCOUNT_MAP: "test/fixtures/bad/many-problems/accounts.yaml" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(readFileSync("test/fixtures/bad/many-problems/expected.txt", "utf8"));
    expect(existsSync(out)).toBe(false);
  });

  test("deploy without credentials: what to set, once, first; exit 1; no Terraform output", () => {
    const r = wrapper(["deploy", "prod"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^deploy: no AWS credentials found: /);
    expect(r.stderr).toContain("TerraformDeployer (prod)");
    expect(r.stderr).not.toContain("OrganizationAccountAccessRole");
    expect(r.stderr).toContain("AWS_CREDENTIALS_CHECK=off");
    expect(r.stderr).not.toMatch(/Stacks done|Synthesizing/);
  });

  test("a synth into a pipe: no spinner frames, exit 0", () => {
    const out = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
    const r = wrapper(["synth", "--output", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[|Synthesizing/);
    expect(r.stdout).toContain("Generated Terraform code for the stacks: dev, prod, staging");
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["dev", "prod", "staging"]);
  }, 60_000);
});
