/**
 * `npm run access` as users run it: the verdict and exit status, the files it
 * writes, the staleness check CI uses for docs/access, and `--diff <ref>`, the
 * review view of a change to the map.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EXAMPLE_MAP, exampleText } from "../helpers";
import { sid, synthesized, withPolicy } from "./fixture";

const TOOL = resolve("dist/access.js");
const run = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync(process.execPath, [TOOL, ...args], { cwd, env: { ...process.env, ACCOUNT_MAP: resolve(EXAMPLE_MAP) }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

beforeAll(() => {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" });
  expect(build.status).toBe(0);
});

test("the example map: a clean verdict, exit 0, and the report in three forms", () => {
  const out = join(tmp("access-cli-"), "cdktf.out");
  const r = run(["--synth", "--out", out]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("access: verdict: clean");
  for (const f of ["report.md", "report.json", "aws-config"]) expect(existsSync(join(out, "access", f))).toBe(true);
  const json = JSON.parse(readFileSync(join(out, "access/report.json"), "utf8"));
  expect(json.verdict.ok).toBe(true);
  expect(json.pairs).toHaveLength(10);
});

test("a stack that allows more than the map declares: exit 1, the difference named", async () => {
  const { outdir } = await synthesized();
  const broken = withPolicy(outdir, "prod aws_iam_role.Monitoring", (d) => void delete sid(d, "TrustExternalAcmeMonitoring").Condition, "assume_role_policy");
  const r = run(["--out", broken]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain("access: verdict: FAILED");
  expect(r.stdout).toContain('probe "external-id" not denied: external/acme-monitoring → prod/role/Monitoring: sts:AssumeRole (MFA)');
  expect(r.stdout).toContain("external/acme-monitoring → prod/role/Monitoring: sts:AssumeRole allowed without the external id acme-7f3a9c");
});

test("no synthesized stacks, a bad map, an unknown option: exit 1, a message, no stack trace", () => {
  const missing = run(["--out", join(tmp("access-none-"), "nothing")]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^access: .*nothing\/stacks does not exist: synthesize first \(npm run synth, or add --synth\)\n$/);

  const bad = run(["--map", "test/fixtures/bad/many-problems/accounts.yaml", "--synth", "--out", join(tmp("access-bad-"), "out")]);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain("test/fixtures/bad/many-problems/accounts.yaml:");
  expect(bad.stderr).not.toMatch(/\n\s+at /);

  const unknown = run(["--frobnicate"]);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain("access: unknown option --frobnicate");
});

test("--expect-unchanged passes on a fresh report and fails on a stale one", () => {
  const out = join(tmp("access-stale-"), "cdktf.out");
  const docs = join(tmp("access-docs-"), "access");
  expect(run(["--synth", "--out", out, "--write-to", docs]).status).toBe(0);
  const fresh = run(["--out", out, "--write-to", docs, "--expect-unchanged"]);
  expect(fresh.status).toBe(0);
  expect(fresh.stdout).toContain("is up to date");
  writeFileSync(join(docs, "report.md"), "edited by hand\n");
  const stale = run(["--out", out, "--write-to", docs, "--expect-unchanged"]);
  expect(stale.status).toBe(1);
  expect(stale.stderr).toContain("report.md no longer match the stacks; regenerate with npm run docs");
  expect(readFileSync(join(docs, "report.md"), "utf8")).toBe("edited by hand\n");
});

test("--diff <ref>: what each caller gains and loses between the map at a revision and the working tree", () => {
  const repo = tmp("access-git-");
  writeFileSync(join(repo, "accounts.yaml"), exampleText());
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "map");
  // The change under review: testers lose the bucket, admins may read it instead, dev developers no longer need MFA for StagingAccess.
  const changed = exampleText()
    .replace("          staging/testers: read\n", "          staging/admins: read\n")
    .replace("      StagingAccess:\n        assumableBy: [dev/developers]\n", "      StagingAccess:\n        assumableBy: [dev/developers]\n        requireMfa: false\n");
  expect(changed).not.toBe(exampleText());
  writeFileSync(join(repo, "accounts.yaml"), changed);
  const r = run(["--synth", "--map", "accounts.yaml", "--out", "cdktf.out", "--diff", "HEAD"], repo);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("# Access changes from HEAD to the working tree");
  expect(r.stdout).toContain("## `staging/admins`\n\n- `prod/bucket/production-test-bucket-101`: **gains** s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket");
  expect(r.stdout).toContain("## `staging/testers`\n\n- `prod/bucket/production-test-bucket-101`: **loses** s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket");
  expect(r.stdout).toContain("## `dev/developers`\n\n- `staging/role/StagingAccess`: conditions: MFA → none");
  expect(readFileSync(join(repo, "cdktf.out/access/diff.md"), "utf8")).toContain("3 caller → target pairs change: 1 gain, 1 lose, 1 change conditions.");
});
