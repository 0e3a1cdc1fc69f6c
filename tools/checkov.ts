/**
 * `scripts/checkov.sh [outdir]`: reads checkov's JSON report of the synthesized
 * stacks and sorts each failed check into one of two kinds:
 *
 * - the map's choice: the finding is about something the map declares in so many
 *   words, such as an AWS managed policy attached to a role (`AdministratorAccess`
 *   on a break-glass role) or the statements of a customer managed policy. It is
 *   reported, with the declaration that causes it, and does not fail the scan:
 *   the owner of the map decided it, and the access report shows who gains it.
 * - the program's: anything about how the program writes resources (trust and
 *   bucket policies, group policies, bucket settings, providers). It fails.
 *
 *   node dist/checkov.js <checkov.json> <outdir>
 *
 * Exit status: 0 when no finding is the program's; 1 when one is; 2 on a usage
 * or read error.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { byCodePoint } from "../config/order";

/** One failed check as checkov's JSON report gives it (terraform_json framework). */
export interface CheckovFinding {
  readonly check_id: string;
  readonly check_name: string;
  /** `resource.<logical id>` for terraform_json: checkov does not keep the type. */
  readonly resource: string;
  /** `/<stack>/cdk.tf.json`, relative to the scanned folder. */
  readonly file_path: string;
}

type Resources = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

/** A finding with the stack, the Terraform address and, for the map's choices, the declaration behind it. */
export interface Triaged {
  readonly kind: "map" | "program";
  readonly stack: string;
  readonly address: string;
  readonly check: string;
  readonly name: string;
  readonly because?: string;
}

/**
 * Findings that come from what the map declares. Each rule names the resource
 * type it covers and says, from the resource, which declaration it is; a rule
 * that returns undefined leaves the finding to the program.
 */
const MAP_CHOICES: Readonly<Record<string, (r: Readonly<Record<string, unknown>>) => string | undefined>> = {
  // managedPolicies: the map names the AWS managed policy; the program only attaches it.
  aws_iam_role_policy_attachment: (r) => {
    const arn = String(r.policy_arn ?? "");
    const role = /^\$\{aws_iam_role\.(.+)\.name\}$/.exec(String(r.role ?? ""))?.[1] ?? String(r.role);
    const managed = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    return managed ? `the map attaches the AWS managed policy ${managed} to role ${role} (managedPolicies)` : undefined;
  },
  // policies.<name>: a customer managed policy is the map's statements, written as they are.
  aws_iam_policy: (r) => `the map declares customer managed policy ${String(r.name)} with these statements (policies.${String(r.name)})`,
};

/** Sorts findings into the map's choices and the program's failures, in a stable order. */
export function triage(findings: readonly CheckovFinding[], stackResources: (stack: string) => Resources): Triaged[] {
  const out = findings.map((f): Triaged => {
    const stack = f.file_path.replace(/^\/+/, "").split("/")[0];
    const id = f.resource.replace(/^resource\./, "");
    const resources = stackResources(stack);
    const type = Object.keys(resources).find((t) => resources[t][id] !== undefined);
    const address = type ? `${type}.${id}` : f.resource;
    const because = type ? MAP_CHOICES[type]?.(resources[type][id]) : undefined;
    return { kind: because ? "map" : "program", stack, address, check: f.check_id, name: f.check_name, ...(because ? { because } : {}) };
  });
  const key = (t: Triaged) => `${t.kind}\u0000${t.stack}\u0000${t.address}\u0000${t.check}`;
  return out.sort((a, b) => byCodePoint(key(a), key(b)));
}

/** The lines to print: the program's failures first, then the map's choices. */
export function renderTriage(all: readonly Triaged[], summary: { passed: number; failed: number }): string {
  const program = all.filter((t) => t.kind === "program");
  const map = all.filter((t) => t.kind === "map");
  const lines = [`checkov: ${summary.passed} passed, ${summary.failed} failed: ${program.length} the program's, ${map.length} the map's choice`];
  for (const t of program) lines.push(`  FAILED ${t.check} ${t.stack} ${t.address}: ${t.name}`);
  for (const t of map) lines.push(`  map's choice ${t.check} ${t.stack} ${t.address}: ${t.name}; ${t.because}`);
  lines.push(program.length > 0 ? "checkov: failed: the program writes a resource checkov refuses" : "checkov: passed: no finding is the program's");
  return `${lines.join("\n")}\n`;
}

interface Report {
  readonly summary?: { readonly passed?: number; readonly failed?: number };
  readonly results?: { readonly failed_checks?: readonly CheckovFinding[] };
}

function main(argv: readonly string[]): number {
  if (argv.length !== 2) {
    process.stderr.write("usage: node dist/checkov.js <checkov.json> <outdir>\n");
    return 2;
  }
  const [reportFile, outdir] = argv;
  const parsed = JSON.parse(readFileSync(reportFile, "utf8")) as Report | Report[];
  // One report per framework, or a bare summary when nothing was scanned.
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const findings = reports.flatMap((r) => r.results?.failed_checks ?? []);
  const summary = {
    passed: reports.reduce((n, r) => n + (r.summary?.passed ?? 0), 0),
    failed: reports.reduce((n, r) => n + (r.summary?.failed ?? 0), 0),
  };
  const cache = new Map<string, Resources>();
  const stackResources = (stack: string): Resources => {
    let r = cache.get(stack);
    if (!r) {
      r = (JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource?: Resources }).resource ?? {};
      cache.set(stack, r);
    }
    return r;
  };
  const all = triage(findings, stackResources);
  process.stdout.write(renderTriage(all, summary));
  return all.some((t) => t.kind === "program") ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`checkov: cannot read the report: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
}
