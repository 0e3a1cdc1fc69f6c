/**
 * `npm run pipeline -- github`: the deploy role it needs (located errors), the
 * workflow it writes (byte-stable, current in docs/, passing actionlint), and the
 * commands of its job that needs no AWS, run here on a small map.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../../config/errors";
import { loadAccountMapText } from "../../config/load";
import { chunkCount, githubWorkflow, type GithubPipelineOptions } from "../../tools/pipeline-github";
import { exampleText } from "../helpers";

const root = resolve(__dirname, "../..");
const PIPELINE_MAP = "test/fixtures/pipeline/accounts.yaml";
const pipelineText = () => readFileSync(join(root, PIPELINE_MAP), "utf8");
const OPTS: GithubPipelineOptions = { name: "accounts", mapPath: PIPELINE_MAP, branch: "main" };
const workflowOf = async (text: string, opts: Partial<GithubPipelineOptions> = {}, file = "test.yaml") => githubWorkflow((await loadAccountMapText(text, file)).model, { ...OPTS, ...opts });

async function errorOf(text: string): Promise<string> {
  try {
    await workflowOf(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("accepted");
}

describe("the deploy role", () => {
  test("a map with no role trusting a GitHub workflow is refused, located, with how to declare one", async () => {
    expect(await errorOf(exampleText().replace("external:\n", "state:\n  backend: s3\n  bucket: acme-terraform-state\n  region: us-east-1\n\nexternal:\n"))).toBe(
      "test.yaml:25:5 accounts: no role trusts a GitHub workflow (github/<owner>/<repo>@env:<environment>), so the pipeline has no role to deploy with " +
        "(declare a role that trusts the pipeline's environments, e.g. in a tooling account: roles: { deployer: { assumableBy: [github/<owner>/<repo>@env:accounts-plan, github/<owner>/<repo>@env:accounts-apply, github/<owner>/<repo>@env:accounts-approval], requireMfa: false, policies: [assume-deploy-roles] } }, with that policy allowing sts:AssumeRole on each account's deployRole)\n" +
        "1 problem in test.yaml; nothing was synthesized.",
    );
  });

  test("a map keeping local state is refused: every job's runner is new", async () => {
    const text = pipelineText().replace("state:                                       # the pipeline's jobs share state: never local\n  backend: s3\n  bucket: acme-terraform-state\n  region: us-east-1\n", "");
    expect(await errorOf(text)).toBe(
      "test.yaml:1:1 state: the pipeline needs state that outlives a job, and this map keeps local state (no state block, or backend: local) (add a state block with backend: s3 (bucket, region) or backend: cloud (organization); see the README, Deploying for real)\n" +
        "1 problem in test.yaml; nothing was synthesized.",
    );
  });

  test("a deploy role missing one of the pipeline's environments is refused at its assumableBy", async () => {
    const text = pipelineText().replace("          - github/acme/infra@env:accounts-approval\n", "");
    expect(await errorOf(text)).toBe(
      'test.yaml:37:13 accounts.tooling.roles.deployer.assumableBy: the deploy role does not trust the pipeline\'s GitHub environment "accounts-approval" of acme/infra (add github/acme/infra@env:accounts-approval to its assumableBy)\n' +
        "1 problem in test.yaml; nothing was synthesized.",
    );
  });
});

describe("the workflow", () => {
  test("the committed example is what the pipeline map gives (npm run pipeline -- github --map test/fixtures/pipeline/accounts.yaml --write-to docs/pipeline)", async () => {
    expect(readFileSync(join(root, "docs/pipeline/accounts.yml"), "utf8")).toBe(await workflowOf(pipelineText(), {}, PIPELINE_MAP));
  });

  test("the same bytes whatever the order of the map's accounts", async () => {
    const text = pipelineText();
    const tooling = /\n {2}tooling:\n(?: {4}.*\n|\n)*?(?= {2}[a-z])/.exec(text)![0];
    const moved = `${text.replace(tooling, "\n").trimEnd()}\n${tooling.trimEnd()}\n`;
    expect(moved).not.toBe(text);
    expect(await workflowOf(moved)).toBe(await workflowOf(text));
  });

  test("OIDC to the deploy role, a concurrency group per stack, approval only when access widens", async () => {
    const wf = parse(await workflowOf(pipelineText()));
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(wf.jobs.check.permissions).toBeUndefined();
    const apply = wf.jobs["apply-0"];
    expect(apply.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(apply.concurrency).toEqual({ group: "accounts-apply-${{ matrix.stack }}", "cancel-in-progress": false });
    expect(apply.environment).toBe("${{ needs.check.outputs.widens == 'true' && 'accounts-approval' || 'accounts-apply' }}");
    expect(apply.strategy.matrix).toBe("${{ fromJSON(needs.check.outputs.matrix-0) }}");
    const credentials = apply.steps.find((s: { uses?: string }) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials.uses).toMatch(/@[0-9a-f]{40}$/);
    expect(credentials.with).toEqual({ "role-to-assume": "arn:aws:iam::777777777777:role/deployer", "aws-region": "us-east-1" });
    expect(wf.jobs["plan-0"].environment).toBe("accounts-plan");
    for (const job of Object.values(wf.jobs) as { steps: { uses?: string }[] }[]) for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/@[0-9a-f]{40}$/);
  });

  test("one plan and one apply job per 256 stacks of the map", () => {
    expect([1, 256, 257, 10_000].map(chunkCount)).toEqual([1, 1, 2, 40]);
  });

  test("a cloud backend gives Terraform the HCP Terraform token from a repository secret", async () => {
    const text = pipelineText().replace("  backend: s3\n  bucket: acme-terraform-state\n  region: us-east-1\n", "  backend: cloud\n  organization: acme\n  hostname: tfe.example.com\n");
    const wf = parse(await workflowOf(text));
    const terraform = wf.jobs["apply-0"].steps.find((s: { uses?: string }) => s.uses?.startsWith("hashicorp/setup-terraform@"));
    expect(terraform.with).toMatchObject({ cli_config_credentials_hostname: "tfe.example.com", cli_config_credentials_token: "${{ secrets.TF_API_TOKEN }}" });
  });
});

describe("actionlint (scripts/ci/actionlint.mjs)", () => {
  const lint = (file: string) => spawnSync(process.execPath, [join(root, "scripts/ci/actionlint.mjs"), file], { encoding: "utf8" });

  test("the generated workflow passes", () => {
    const r = lint(join(root, "docs/pipeline/accounts.yml"));
    expect(r.stdout).toBe("actionlint: 1 workflow, 0 problems\n");
    expect(r.status).toBe(0);
  });

  test("a broken one fails, each problem located", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "actionlint-")), "broken.yml");
    writeFileSync(file, (await workflowOf(pipelineText())).replace("  plan-0:\n    name: plan ${{ matrix.stack }}\n    needs: check\n", "  plan-0:\n    name: plan ${{ matrix.stack }}\n    needs: chek\n"));
    const r = lint(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${file}:58:3: job "plan-0" needs job "chek" which does not exist in this workflow [job-needs]\n`);
    expect(r.stdout).toMatch(/actionlint: 1 workflow, \d+ problems\n$/);
  });
});

describe("the check job's commands, run here", () => {
  /**
   * A repository as GitHub checks it out: the pipeline map committed, then a
   * change that widens access (staging's admins gain read on the prod bucket), and
   * the workflow generated for it. The project's scripts and installed packages
   * stand in for `npm ci`.
   */
  function repository(): { dir: string; base: string } {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-repo-"));
    const sh = (cmd: string, ...args: string[]) => {
      const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8" });
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      return r.stdout.trim();
    };
    copyFileSync(join(root, "package.json"), join(dir, "package.json"));
    symlinkSync(join(root, "scripts"), join(dir, "scripts"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, ".gitignore"), "node_modules\nscripts\ncdktf.out\n");
    writeFileSync(join(dir, "accounts.yaml"), pipelineText());
    sh("git", "init", "-q");
    sh("git", "add", ".");
    sh("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "map");
    const base = sh("git", "rev-parse", "HEAD");
    writeFileSync(join(dir, "accounts.yaml"), pipelineText().replace("          staging/testers: read\n", "          staging/testers: read\n          staging/admins: read\n"));
    sh("npm", "run", "--silent", "pipeline", "--", "github", "--map", "accounts.yaml");
    return { dir, base };
  }

  test("synth, access gate, access diff and affected matrix, as the workflow's run lines do them", () => {
    const { dir, base } = repository();
    const wf = parse(readFileSync(join(dir, ".github/workflows/accounts.yml"), "utf8"));
    expect(wf.env).toEqual({ ACCOUNT_MAP: "accounts.yaml" });
    const output = join(dir, "github-output");
    const summary = join(dir, "step-summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const steps = (wf.jobs.check.steps as { run?: string }[]).filter((s) => s.run !== undefined && s.run !== "npm ci");
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      // GitHub runs each run: with bash -e; BASE is what the step's env expression gives on a pull request.
      const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, ...wf.env, BASE: base, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
      });
      expect({ run: step.run, status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ run: step.run, status: 0, stderr: "" });
    }
    expect(readFileSync(output, "utf8")).toBe('widens=true\ncount=2\nchunks=1\nmatrix-0={"include":[{"stack":"prod"},{"stack":"staging"}]}\n');
    const text = readFileSync(summary, "utf8");
    expect(text).toContain("## Access review: widens access\n");
    expect(text).toContain("- `prod/bucket/production-test-bucket-101`: gains s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, s3:ListBucket (MFA, TLS)\n");
    expect(text).toContain("## Affected stacks\n");
    expect(text).toContain("+ grant: staging/admins may read prod/bucket/production-test-bucket-101 with MFA\n");
  }, 60_000);
});

describe("the command", () => {
  beforeAll(() => expect(spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { encoding: "utf8" }).status).toBe(0));
  const pipeline = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/pipeline.js"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ACCOUNT_MAP: "" } });

  test("an engine other than github is a usage error (exit 2)", () => {
    const r = pipeline("gitlab", "--map", PIPELINE_MAP);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^pipeline: unknown pipeline gitlab \(github is the one there is\); usage: npm run pipeline -- github /);
  });

  test("--check passes on the committed example and fails, saying how to regenerate, on a stale one", () => {
    expect(pipeline("github", "--map", PIPELINE_MAP, "--write-to", "docs/pipeline", "--check")).toMatchObject({ status: 0, stdout: "pipeline: docs/pipeline/accounts.yml is up to date\n" });
    const stale = mkdtempSync(join(tmpdir(), "pipeline-stale-"));
    writeFileSync(join(stale, "accounts.yml"), "name: accounts\n");
    const r = pipeline("github", "--map", PIPELINE_MAP, "--write-to", stale, "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`pipeline: ${stale}/accounts.yml is not what ${PIPELINE_MAP} gives: regenerate it with npm run pipeline -- github --map ${PIPELINE_MAP} --write-to ${stale}\n`);
  });
});
