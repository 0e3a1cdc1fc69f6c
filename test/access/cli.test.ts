/**
 * `npm run access` as users run it: the verdict and exit status, the files it
 * writes, the command line, stacks synthesized from another map, the staleness
 * check CI uses for docs/access, and `--diff <ref>`, the review gate of a change
 * to the map.
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

test("--threads: the evaluation split between threads writes the very same files as one thread", () => {
  const dir = tmp("access-threads-");
  const out = join(dir, "cdktf.out");
  const one = run(["--synth", "--out", out, "--threads", "1", "--write-to", join(dir, "one")]);
  const three = run(["--out", out, "--threads", "3", "--write-to", join(dir, "three")]);
  expect([one.status, three.status, three.stderr]).toEqual([0, 0, ""]);
  for (const f of ["report.md", "report.json", "aws-config"]) expect(readFileSync(join(dir, "three", f), "utf8")).toBe(readFileSync(join(dir, "one", f), "utf8"));
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

test("no synthesized stacks, a bad map: exit 1, a message, no stack trace", () => {
  const missing = run(["--out", join(tmp("access-none-"), "nothing")]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^access: .*nothing\/stacks does not exist: synthesize first \(npm run synth, or add --synth\)\n$/);

  const bad = run(["--map", "test/fixtures/bad/many-problems/accounts.yaml", "--synth", "--out", join(tmp("access-bad-"), "out")]);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain("test/fixtures/bad/many-problems/accounts.yaml:");
  expect(bad.stderr).not.toMatch(/\n\s+at /);
});

test("the command line: --help prints every option and the exit codes; anything it does not know is one line and exit 2", () => {
  for (const flag of ["--help", "-h"]) {
    const help = run([flag]);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("");
    for (const option of ["--out DIR", "--map FILE", "--synth", "--write-to DIR", "--expect-unchanged", "--diff REF", "--threads N", "-h, --help"]) expect(help.stdout).toContain(option);
    for (const code of ["1  the gate failed", "2  usage error", "4  --diff: the change widens", "3  --diff: the change only narrows", "0  the gate is clean"]) expect(help.stdout).toContain(code);
  }
  const wrong: [string[], string][] = [
    [["--frobnicate"], "access: unknown option --frobnicate (see npm run access -- --help)\n"],
    [["-x"], "access: unknown option -x (see npm run access -- --help)\n"],
    [["--out"], "access: --out needs a value (see npm run access -- --help)\n"],
    [["--diff", "--synth"], "access: --diff needs a value (see npm run access -- --help)\n"],
    [["--map="], "access: --map needs a value (see npm run access -- --help)\n"],
    [["--synth=yes"], "access: --synth takes no value (see npm run access -- --help)\n"],
    [["--threads", "0"], "access: --threads takes a whole number from 1 to 99, not 0 (see npm run access -- --help)\n"],
    [["--threads", "two"], "access: --threads takes a whole number from 1 to 99, not two (see npm run access -- --help)\n"],
    [["cdktf.out"], "access: unexpected argument cdktf.out: every value follows its option (see npm run access -- --help)\n"],
  ];
  for (const [args, message] of wrong) {
    const r = run(args);
    expect({ args, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, status: 2, stderr: message, stdout: "" });
  }
});

test("stacks synthesized from another map: one line that names the map read, what differs and how to fix it", () => {
  const dir = tmp("access-other-");
  const other = join(dir, "other.yaml");
  writeFileSync(other, `${exampleText()}\n  qa:\n    id: "555555555555"\n    groups: [testers]\n  sandbox:\n    id: "666666666666"\n    groups: [testers]\n`);
  expect(run(["--synth", "--map", other, "--out", "cdktf.out"], dir).status).toBe(0);
  writeFileSync(join(dir, "accounts.yaml"), exampleText().replace('"111111111111"', '"111111111112"'));
  const report = readFileSync(join(dir, "cdktf.out/access/report.md"), "utf8");
  const r = run(["--map", "accounts.yaml"], dir);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(
    "access: stacks qa, sandbox in cdktf.out are not in accounts.yaml; stack prod in cdktf.out is for account 111111111111, but prod is 111111111112 in accounts.yaml: " +
      "cdktf.out was synthesized from another map, or from accounts.yaml before an edit. Name the map it came from with --map FILE (or ACCOUNT_MAP=FILE), or add --synth to synthesize accounts.yaml again\n",
  );
  expect(readFileSync(join(dir, "cdktf.out/access/report.md"), "utf8")).toBe(report); // no report from the wrong map
  expect(run(["--map", "accounts.yaml", "--synth"], dir).status).toBe(0);
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

test("--diff <ref>: what each caller gains and loses, widenings first, and the exit status says whether access widens, narrows or is unchanged", () => {
  const repo = tmp("access-git-");
  writeFileSync(join(repo, "accounts.yaml"), exampleText());
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "map");
  const diff = (ref = "HEAD") => run(["--synth", "--map", "accounts.yaml", "--out", "cdktf.out", "--diff", ref], repo);

  const same = diff();
  expect(same.stderr).toBe("");
  expect(same.status).toBe(0);
  expect(same.stdout).toContain("## Access review: unchanged access\n");
  expect(same.stdout).toContain("access: diff: unchanged access\n");

  // The change under review: testers lose the bucket, admins may read it instead, dev developers no longer need MFA for StagingAccess.
  const changed = exampleText()
    .replace("          staging/testers: read\n", "          staging/admins: read\n")
    .replace("      StagingAccess:\n        assumableBy: [dev/developers]\n", "      StagingAccess:\n        assumableBy: [dev/developers]\n        requireMfa: false\n");
  expect(changed).not.toBe(exampleText());
  writeFileSync(join(repo, "accounts.yaml"), changed);
  const r = diff();
  expect(r.stderr).toBe("");
  expect(r.status).toBe(4);
  const md = readFileSync(join(repo, "cdktf.out/access/diff.md"), "utf8");
  expect(r.stdout).toContain(md);
  expect(md).toBe(
    [
      "## Access review: widens access",
      "",
      "From `accounts.yaml` at `HEAD` to the working tree. Gate on the working tree: clean.",
      "",
      "3 caller → target pairs change: 2 widen (1 drops a condition), 1 narrows.",
      "",
      "### Widens",
      "",
      "#### `dev/developers`",
      "",
      "- `staging/role/StagingAccess`: **drops MFA**",
      "",
      "#### `staging/admins`",
      "",
      "- `prod/bucket/production-test-bucket-101`: gains s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket (MFA, TLS)",
      "",
      "### Narrows",
      "",
      "#### `staging/testers`",
      "",
      "- `prod/bucket/production-test-bucket-101`: loses s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket",
      "",
    ].join("\n"),
  );
  expect(md).not.toContain(tmpdir());
  const json = JSON.parse(readFileSync(join(repo, "cdktf.out/access/diff.json"), "utf8"));
  expect(json.effect).toBe("widens");
  expect(json.changes.map((c: { caller: string; effect: string }) => `${c.caller} ${c.effect}`)).toEqual(["dev/developers widens", "staging/admins widens", "staging/testers narrows"]);
  expect(diff().stdout).toContain(md); // byte-stable

  // Taken back: only narrowings are left relative to the changed map.
  git("commit", "-qam", "change");
  writeFileSync(join(repo, "accounts.yaml"), changed.replace("          staging/admins: read\n", ""));
  const narrower = diff();
  expect(narrower.status).toBe(3);
  expect(narrower.stdout).toContain("## Access review: narrows access only\n");

  // A failing gate takes precedence over the diff: exit 1.
  const broken = withPolicy(join(repo, "cdktf.out"), "prod aws_iam_role.Monitoring", (d) => void delete sid(d, "TrustExternalAcmeMonitoring").Condition, "assume_role_policy");
  const failing = run(["--map", "accounts.yaml", "--out", broken, "--write-to", join(tmp("access-w-"), "w"), "--diff", "HEAD~1"], repo);
  expect(failing.status).toBe(1);
  expect(failing.stdout).toContain("Gate on the working tree: FAILED:");

  const unknown = diff("no-such-ref");
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toBe("access: --diff no-such-ref: no such git revision (see npm run access -- --help)\n");
});
