/**
 * The GitHub Actions workflow of `npm run pipeline -- github`, generated from the
 * model: pure, the same bytes for the same map and options.
 *
 * On a pull request one job (no AWS access) synthesizes, runs the access gate
 * against the base, writes the access diff and the affected stacks into the job
 * summary, and prints the affected stacks as matrices; plan jobs, one matrix of at
 * most 256 stacks each, plan only those stacks. On a push to the main branch the
 * same job compares with the commit before the push, and apply jobs deploy each
 * affected stack in a job of its own, one concurrency group per stack. Plan and
 * apply jobs authenticate with GitHub's OIDC token to the deploy role the map
 * declares (a role trusting `github/<owner>/<repo>@env:<environment>`), in a
 * GitHub environment: a change that widens access (access --diff exit 4) applies
 * in the approval environment, which the repository protects with reviewers.
 */
import { ConfigError, type ConfigIssue } from "../config/errors";
import type { GithubCaller, Model, Role } from "../config/model";
import { byCodePoint } from "../config/order";
import { MATRIX_LIMIT } from "./affected-stacks";

/** Actions pinned by full commit SHA (a tag can be moved; a commit cannot), with the release each is. */
export const ACTIONS = {
  checkout: { uses: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", release: "v7.0.1" },
  setupNode: { uses: "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020", release: "v7.0.0" },
  setupTerraform: { uses: "hashicorp/setup-terraform@dfe3c3f87815947d99a8997f908cb6525fc44e9e", release: "v4.0.1" },
  awsCredentials: { uses: "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c", release: "v6.2.3" },
} as const;

export interface GithubPipelineOptions {
  /** The workflow's name and file name (`.github/workflows/<name>.yml`); prefixes its environments. */
  readonly name: string;
  /** The map's path as the workflow's commands read it (relative to the repository root). */
  readonly mapPath: string;
  /** The main branch: pushes to it apply, pull requests into it plan. */
  readonly branch: string;
  /** `<account>/role/<Role>` of the deploy role, when the map has several. */
  readonly role?: string;
  /** `<owner>/<repo>`, when the deploy role trusts several repositories. */
  readonly repo?: string;
}

/** The three GitHub environments the jobs run in: each must be trusted by the deploy role. */
export function environments(name: string): { plan: string; apply: string; approval: string } {
  return { plan: `${name}-plan`, apply: `${name}-apply`, approval: `${name}-approval` };
}

const roleRef = (r: Role): string => `${r.account.name}/role/${r.name}`;
const githubCallers = (r: Role): GithubCaller[] => r.callers.flatMap((c) => (c.principal.kind === "github" ? [c.principal] : []));

/** The deploy role and repository the workflow uses; a ConfigError (located) when the map declares none fitting. */
export function deployTarget(model: Model, opts: GithubPipelineOptions): { role: Role; repo: string } {
  const env = environments(opts.name);
  const wanted = [env.plan, env.apply, env.approval];
  const candidates = model.accounts.flatMap((a) => a.roles).filter((r) => githubCallers(r).length > 0);
  const issue = (at: { line: number; column: number; path: string }, message: string, hint: string): ConfigIssue => ({ file: model.file, ...at, message, hint });
  const declare = (repo: string) =>
    `declare a role that trusts the pipeline's environments, e.g. in a tooling account: roles: { deployer: { assumableBy: [${wanted.map((e) => `github/${repo}@env:${e}`).join(", ")}], requireMfa: false, policies: [assume-deploy-roles] } }, with that policy allowing sts:AssumeRole on each account's deployRole`;
  if (candidates.length === 0) {
    const first = [...model.accounts].sort((a, b) => a.at.line - b.at.line)[0];
    throw new ConfigError([issue(first ? { line: first.at.line, column: first.at.column, path: "accounts" } : { line: 1, column: 1, path: "" }, "no role trusts a GitHub workflow (github/<owner>/<repo>@env:<environment>), so the pipeline has no role to deploy with", declare(opts.repo ?? "<owner>/<repo>"))]);
  }
  let role: Role | undefined;
  if (opts.role !== undefined) {
    role = candidates.find((r) => roleRef(r) === opts.role);
    if (!role) throw new PipelineUsageError(`--role ${opts.role}: not a role that trusts a GitHub workflow; these do: ${candidates.map(roleRef).sort(byCodePoint).join(", ")}`);
  } else if (candidates.length > 1) {
    throw new PipelineUsageError(`several roles trust GitHub workflows (${candidates.map(roleRef).sort(byCodePoint).join(", ")}): name the deploy role with --role`);
  } else role = candidates[0];
  const repos = [...new Set(githubCallers(role).map((c) => `${c.owner}/${c.repo}`))].sort(byCodePoint);
  const repo = opts.repo ?? (repos.length === 1 ? repos[0] : undefined);
  if (repo === undefined) throw new PipelineUsageError(`${roleRef(role)} trusts several repositories (${repos.join(", ")}): name the pipeline's with --repo`);
  const trusted = new Set(githubCallers(role).filter((c) => `${c.owner}/${c.repo}` === repo && c.environment !== undefined).map((c) => c.environment!));
  const missing = wanted.filter((e) => !trusted.has(e));
  if (missing.length > 0) {
    throw new ConfigError([
      issue(
        // At its first caller: where a line is to be added. (Locations are lazy getters: read them, never spread them.)
        { line: role.callers[0].at.line, column: role.callers[0].at.column, path: `${role.at.path}.assumableBy` },
        `the deploy role does not trust the pipeline's GitHub environment${missing.length > 1 ? "s" : ""} ${missing.map((e) => `"${e}"`).join(", ")} of ${repo}`,
        `add ${missing.map((e) => `github/${repo}@env:${e}`).join(", ")} to its assumableBy`,
      ),
    ]);
  }
  return { role, repo };
}

/** A command-line mistake in choosing the role or repository (exit 2). */
export class PipelineUsageError extends Error {}

/** How many matrices the workflow has jobs for: enough for every stack of the map, 256 a matrix. */
export const chunkCount = (stacks: number): number => Math.max(1, Math.ceil(stacks / MATRIX_LIMIT));

/** The Terraform version the stacks are validated with (README, "Status of the toolchain"). */
export const TERRAFORM_VERSION = "1.11.4";

/** Single-quoted YAML scalar. */
const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The workflow's text. Throws ConfigError when the map declares no usable deploy role. */
export function githubWorkflow(model: Model, opts: GithubPipelineOptions): string {
  if (model.state.backend === "local") {
    // Each job's runner is new: local state would be lost after every apply, and the next one would create everything again.
    throw new ConfigError([
      {
        file: model.file,
        line: 1,
        column: 1,
        path: "state",
        message: "the pipeline needs state that outlives a job, and this map keeps local state (no state block, or backend: local)",
        hint: "add a state block with backend: s3 (bucket, region) or backend: cloud (organization); see the README, Deploying for real",
      },
    ]);
  }
  const { role, repo } = deployTarget(model, opts);
  const env = environments(opts.name);
  const chunks = chunkCount(model.accounts.length);
  const base = "${{ github.event_name == 'pull_request' && github.event.pull_request.base.sha || github.event.before }}";
  const setup = (fetchDepth: number) => [
    `      - uses: ${ACTIONS.checkout.uses} # ${ACTIONS.checkout.release}`,
    "        with:",
    `          fetch-depth: ${fetchDepth}`,
    "          persist-credentials: false",
    `      - uses: ${ACTIONS.setupNode.uses} # ${ACTIONS.setupNode.release}`,
    "        with:",
    "          node-version: 20",
    "          cache: npm",
    "      - run: npm ci",
  ];
  // HCP Terraform runs need an API token (a repository secret) in Terraform's CLI configuration.
  const cloud = model.state.backend === "cloud" ? model.state : undefined;
  const terraform = [
    `      - uses: ${ACTIONS.setupTerraform.uses} # ${ACTIONS.setupTerraform.release}`,
    "        with:",
    `          terraform_version: ${TERRAFORM_VERSION}`,
    "          terraform_wrapper: false",
    ...(cloud ? [`          cli_config_credentials_hostname: ${cloud.hostname ?? "app.terraform.io"}`, "          cli_config_credentials_token: ${{ secrets.TF_API_TOKEN }}"] : []),
  ];
  const credentials = [
    `      - uses: ${ACTIONS.awsCredentials.uses} # ${ACTIONS.awsCredentials.release}`,
    "        with:",
    `          role-to-assume: ${role.arn}`,
    `          aws-region: ${role.account.region}`,
  ];
  const lines = [
    `# Generated by \`npm run pipeline -- github\` from ${opts.mapPath}: do not edit; regenerate after changing the map.`,
    "# Plan and apply assume the deploy role through GitHub's OIDC token, bound to a GitHub environment:",
    `#   ${role.arn} (${roleRef(role)}), trusting ${repo} in ${env.plan}, ${env.apply} and ${env.approval}.`,
    `# Protect ${env.approval} with required reviewers, and let only ${opts.branch} deploy to ${env.apply} and ${env.approval}.`,
    `name: ${opts.name}`,
    "",
    "on:",
    "  pull_request:",
    `    branches: [${q(opts.branch)}]`,
    "  push:",
    `    branches: [${q(opts.branch)}]`,
    "",
    "permissions:",
    "  contents: read",
    "",
    "env:",
    `  ACCOUNT_MAP: ${q(opts.mapPath)}`,
    "",
    "jobs:",
    "  check:",
    "    name: synth, access gate, affected stacks",
    "    runs-on: ubuntu-latest",
    "    outputs:",
    "      widens: ${{ steps.gate.outputs.widens }}",
    "      count: ${{ steps.affected.outputs.count }}",
    ...Array.from({ length: chunks }, (_, i) => `      matrix-${i}: \${{ steps.affected.outputs.matrix-${i} }}`),
    "    steps:",
    // The whole history: the base of a pull request, or the commit before a push, is compared with.
    ...setup(0),
    "      - name: The workflow is current",
    `        run: npm run --silent pipeline -- github --name ${opts.name} --branch ${opts.branch}${opts.role ? ` --role ${opts.role}` : ""}${opts.repo ? ` --repo ${opts.repo}` : ""} --check`,
    "      - name: Synthesize and gate access against the base",
    "        id: gate",
    "        env:",
    `          BASE: ${base}`,
    "        run: |",
    "          status=0",
    '          npm run --silent access -- --synth --diff "$BASE" || status=$?',
    '          if [ -f cdktf.out/access/diff.md ]; then cat cdktf.out/access/diff.md >> "$GITHUB_STEP_SUMMARY"; fi',
    "          case $status in",
    '            0|3) echo "widens=false" >> "$GITHUB_OUTPUT" ;;',
    '            4) echo "widens=true" >> "$GITHUB_OUTPUT" ;;',
    '            *) exit "$status" ;;',
    "          esac",
    "      - name: Affected stacks",
    "        id: affected",
    "        env:",
    `          BASE: ${base}`,
    '        run: npm run --silent affected -- "$BASE" --matrix --report "$GITHUB_STEP_SUMMARY" >> "$GITHUB_OUTPUT"',
  ];
  const matrixJob = (kind: "plan" | "apply", i: number): string[] => [
    "",
    `  ${kind}-${i}:`,
    `    name: ${kind} \${{ matrix.stack }}`,
    "    needs: check",
    `    if: github.event_name == '${kind === "plan" ? "pull_request" : "push"}' && needs.check.outputs.matrix-${i} != ''`,
    "    runs-on: ubuntu-latest",
    kind === "plan" ? `    environment: ${env.plan}` : `    environment: \${{ needs.check.outputs.widens == 'true' && '${env.approval}' || '${env.apply}' }}`,
    ...(kind === "apply" ? ["    concurrency:", `      group: ${opts.name}-apply-\${{ matrix.stack }}`, "      cancel-in-progress: false"] : []),
    "    permissions:",
    "      contents: read",
    "      id-token: write",
    "    strategy:",
    "      fail-fast: false",
    `      matrix: \${{ fromJSON(needs.check.outputs.matrix-${i}) }}`,
    "    steps:",
    ...setup(1),
    ...terraform,
    ...credentials,
    `      - name: ${kind === "plan" ? "Plan" : "Apply"} the stack`,
    "        env:",
    "          STACK: ${{ matrix.stack }}",
    kind === "plan" ? '        run: npm run synth && npm run plan -- "$STACK"' : '        run: npm run deploy -- "$STACK" --auto-approve',
  ];
  for (const kind of ["plan", "apply"] as const) for (let i = 0; i < chunks; i++) lines.push(...matrixJob(kind, i));
  return `${lines.join("\n")}\n`;
}
