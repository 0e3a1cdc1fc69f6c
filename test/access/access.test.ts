/**
 * The access report and its gate on the example map: the full matrix of who can
 * do what (evaluated from the synthesized stacks), each denial probe catching the
 * hole it is for, and broken stacks failing the gate with a message that names
 * the policy.
 */
import { candidatesOf } from "../../access/candidates";
import { EXAMPLE_MAP } from "../helpers";
import { effectiveAccess } from "../../access/effective";
import { createEvaluator } from "../../access/evaluator";
import type { Analysis } from "../../access/analyze";
import { conditionText, passes, reaches, renderAwsConfig, renderMarkdown } from "../../access/report";
import type { ProbeKind } from "../../access/types";
import type { Model } from "../../config/model";
import { KINDS } from "../../resources";
import { analyzed, sid, synthesized, withPolicy } from "./fixture";

let model: Model;
let outdir: string;
let clean: Analysis;
beforeAll(async () => {
  ({ model, outdir } = await synthesized());
  clean = await analyzed(model, outdir);
});

const matrix = (a: Analysis) => reaches(a.access).map((r) => `${r.caller} → ${r.target}: ${r.summary} [${conditionText(r)}]`);

test("the example map's full access matrix, evaluated from the stacks", () => {
  expect(matrix(clean)).toEqual([
    "dev/developers → prod/role/UpdateProdApp: assume [MFA]",
    "dev/developers → staging/role/StagingAccess: assume [MFA]",
    "dev/role/ci-runner → staging/role/ci-deployer: assume [principal ARN]",
    "external/acme-monitoring → prod/role/Monitoring: assume [external id `acme-7f3a9c`]",
    "prod/role/StageRole → prod/bucket/production-test-bucket-101: read [TLS]",
    "prod/role/UpdateProdApp → resource/arn:aws:s3:::prod-app-artifacts/*: s3:GetObject, s3:PutObject [none]",
    "service/ec2.amazonaws.com → dev/role/ci-runner: assume [none]",
    "staging/admins → prod/role/StageRole: assume [MFA]",
    "staging/developers → prod/bucket/production-test-bucket-101: read-write [MFA, TLS]",
    "staging/testers → prod/bucket/production-test-bucket-101: read [MFA, TLS]",
  ]);
  // The bucket levels, spelled out once: what `read` and `read-write` stand for.
  const pair = (caller: string) => reaches(clean.access).find((r) => r.caller === caller && r.target === "prod/bucket/production-test-bucket-101")!;
  expect(pair("staging/testers").actions).toEqual(["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
  expect(pair("staging/developers").actions).toEqual(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject"]);
});

test("an access list's pairs are folded once and read by every form of the report; another list is folded afresh", () => {
  const pairs = reaches(clean.access);
  expect(reaches(clean.access)).toBe(pairs);
  const fewer = clean.access.filter((a) => a.caller !== "dev/developers");
  expect(reaches(fewer)).not.toBe(pairs);
  expect(reaches(fewer)).toEqual(pairs.filter((r) => r.caller !== "dev/developers"));
});

test("the gate passes the example map, with every probe run and denied (the probes of kinds it does not use have nothing to run)", () => {
  expect(clean.verdict.differences).toEqual([]);
  expect(passes(clean)).toBe(true);
  // A kind the example map declares none of (queues, topics) has its probes listed, with nothing to ask.
  const declared = new Set(reaches(clean.access).map((r) => r.target.split("/")[1]));
  const idle = new Set(KINDS.filter((k) => !declared.has(k.id)).flatMap((k) => Object.values(k.access.probes).map((p) => p.id)));
  for (const p of clean.verdict.probes) {
    expect(`${p.probe}: ${p.requests > 0}`).toBe(`${p.probe}: ${!idle.has(p.probe)}`);
    expect(p.failures).toEqual([]);
    expect(p.denied).toBe(p.requests);
  }
  expect(clean.verdict.probes.map((p) => p.probe)).toEqual(["unknown-account", "ungranted-group", "read-only-write", "bucket-change", "queue-other-level", "queue-change", "topic-other-level", "topic-change", "secret-change", "key-other-level", "key-change", "no-mfa", "external-id", "plain-http", "queue-plain-http", "topic-plain-http", "secret-plain-http"]);
});

test("asking only the candidates a target's policy names finds exactly what asking every caller finds", async () => {
  const everyone = new Map(clean.targets.map((t) => [t.id, clean.callers]));
  const exhaustive = await effectiveAccess(createEvaluator(), clean.targets, everyone, model.organizationId);
  expect(exhaustive).toEqual(clean.access);
  // And the pruning does prune: far fewer pairs than callers × targets.
  const asked = [...candidatesOf(clean.callers, clean.targets).values()].reduce((n, l) => n + l.length, 0);
  expect(asked).toBeLessThan((clean.callers.length * clean.targets.length) / 3);
});

/** Breaks the stacks, analyzes, and returns the analysis and the failed probes' messages. */
async function broken(address: string, edit: Parameters<typeof withPolicy>[2], field?: string): Promise<{ a: Analysis; messages: string[] }> {
  const a = await analyzed(model, withPolicy(outdir, address, edit, field));
  return { a, messages: a.verdict.differences.map((d) => d.message) };
}

const probeFailures = (a: Analysis, probe: ProbeKind) => a.verdict.probes.find((p) => p.probe === probe)!.failures.map((f) => `${f.caller} → ${f.target} ${f.action} (${f.context})`);

describe("each denial probe catches its hole", () => {
  test("a caller from an account the map does not name", async () => {
    const { a } = await broken("prod aws_iam_role.StageRole", (d) => void (sid(d, "TrustPeopleWithMfa").Principal = "*"), "assume_role_policy");
    expect(passes(a)).toBe(false);
    expect(probeFailures(a, "unknown-account")).toEqual([expect.stringMatching(/^account\/\d{12} → prod\/role\/StageRole sts:AssumeRole \(MFA/)]);
  });

  test("a group of the granted account that was not granted", async () => {
    const { a, messages } = await broken("staging aws_iam_group_policy.admins", (d) =>
      d.Statement.push({ Sid: "Extra", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::production-test-bucket-101/*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }),
    );
    expect(probeFailures(a, "ungranted-group")).toEqual(["staging/admins → prod/bucket/production-test-bucket-101 s3:GetObject (MFA)"]);
    expect(messages).toContainEqual(expect.stringContaining("staging/admins → prod/bucket/production-test-bucket-101: s3:GetObject allowed, but the map declares no such grant"));
  });

  test("testers deleting or writing objects", async () => {
    const { a } = await broken("staging aws_iam_group_policy.testers", (d) => void (sid(d, "ReadObjectsWithMfa").Action = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]));
    expect(probeFailures(a, "read-only-write")).toEqual([
      "staging/testers → prod/bucket/production-test-bucket-101 s3:DeleteObject (MFA)",
      "staging/testers → prod/bucket/production-test-bucket-101 s3:PutObject (MFA)",
    ]);
  });

  test("any caller changing the bucket itself", async () => {
    const opened = withPolicy(outdir, "prod aws_s3_bucket_policy.production-test-bucket-101", (d) => void (sid(d, "ListBucketPeopleWithMfa").Action = ["s3:ListBucket", "s3:GetBucketLocation", "s3:PutBucketPolicy"]));
    const a = await analyzed(model, withPolicy(opened, "staging aws_iam_group_policy.developers", (d) => void (sid(d, "ListBucketsWithMfa").Action = ["s3:ListBucket", "s3:GetBucketLocation", "s3:PutBucketPolicy"])));
    expect(probeFailures(a, "bucket-change")).toEqual(["staging/developers → prod/bucket/production-test-bucket-101 s3:PutBucketPolicy (MFA)"]);
  });

  test("a grant that requires MFA, used without MFA", async () => {
    const trust = withPolicy(outdir, "prod aws_iam_role.StageRole", (d) => void delete sid(d, "TrustPeopleWithMfa").Condition, "assume_role_policy");
    const a = await analyzed(model, withPolicy(trust, "staging aws_iam_group_policy.admins", (d) => void delete sid(d, "AssumeRolesWithMfa").Condition));
    expect(probeFailures(a, "no-mfa")).toEqual([
      "staging/admins → prod/role/StageRole sts:AssumeRole (MFA false)",
      "staging/admins → prod/role/StageRole sts:AssumeRole (no MFA)",
    ]);
    expect(a.verdict.differences.map((d) => d.message)).toContainEqual(expect.stringContaining("staging/admins → prod/role/StageRole: sts:AssumeRole allowed without MFA, but the map requires MFA"));
  });

  test("an external caller without, or with the wrong, external id", async () => {
    const { a } = await broken("prod aws_iam_role.Monitoring", (d) => void delete sid(d, "TrustExternalAcmeMonitoring").Condition, "assume_role_policy");
    expect(probeFailures(a, "external-id")).toEqual([
      "external/acme-monitoring → prod/role/Monitoring sts:AssumeRole (MFA)",
      "external/acme-monitoring → prod/role/Monitoring sts:AssumeRole (MFA, wrong external id)",
    ]);
  });

  test("any request to a bucket without TLS", async () => {
    const { a } = await broken("prod aws_s3_bucket_policy.production-test-bucket-101", (d) => void d.Statement.splice(0, 1));
    const failures = probeFailures(a, "plain-http");
    expect(failures).toContain("staging/testers → prod/bucket/production-test-bucket-101 s3:GetObject (MFA, plain HTTP)");
    // Role sessions are probed in their best context too, which includes MFA.
    expect(failures).toContain("prod/role/StageRole → prod/bucket/production-test-bucket-101 s3:GetObject (MFA, plain HTTP)");
    expect(failures).toHaveLength(4 + 4 + 7);
  });
});

describe("a broken synthesized policy fails the gate, naming it", () => {
  test("a typo'd action", async () => {
    const { a, messages } = await broken("dev aws_iam_group_policy.developers", (d) => void (sid(d, "AssumeRolesWithMfa").Action = "sts:AssumeRol"));
    expect(passes(a)).toBe(false);
    expect(a.findings.filter((f) => f.severity === "error").map((f) => `${f.rule} ${f.stack} ${f.resource}`)).toEqual(["unknown-action dev aws_iam_group_policy.developers"]);
    expect(messages).toContainEqual(
      expect.stringMatching(/^dev\/developers → prod\/role\/UpdateProdApp: sts:AssumeRole declared \(assumableBy, test\/fixtures\/example\/accounts.yaml:\d+ .*\), but not allowed: the caller's half \(aws_iam_group_policy.developers \(stack dev\)\) does not allow it$/),
    );
  });

  test("a missing half of a grant", async () => {
    const { a, messages } = await broken("dev aws_iam_role_policy.ci-runner", (d) => void d.Statement.splice(0));
    expect(passes(a)).toBe(false);
    expect(messages).toEqual([expect.stringMatching(/^dev\/role\/ci-runner → staging\/role\/ci-deployer: sts:AssumeRole declared .* but not allowed: the caller's half \(aws_iam_role_policy.ci-runner \(stack dev\)\) does not allow it$/)]);
  });

  test("a too-broad principal", async () => {
    const { a, messages } = await broken("prod aws_iam_role.Monitoring", (d) => {
      const s = sid(d, "TrustExternalAcmeMonitoring");
      s.Principal = "*";
      delete s.Condition;
    }, "assume_role_policy");
    expect(passes(a)).toBe(false);
    expect(a.findings.filter((f) => f.severity === "error").map((f) => `${f.rule} ${f.stack} ${f.resource}: ${f.message}`)).toEqual([
      'principal-star prod aws_iam_role.Monitoring: trust policy of role Monitoring statement TrustExternalAcmeMonitoring allows Principal "*" without a condition: anyone, in any account',
    ]);
    expect(messages.some((m) => m.includes("prod/role/Monitoring") && m.includes("allowed, but the map declares no such grant"))).toBe(true);
  });
});

test("the Markdown report: verdict, summary table, trust graph, per-account details, probes and lint", () => {
  const md = renderMarkdown(clean, { mapFile: EXAMPLE_MAP, outdir: "cdktf.out" });
  expect(md).toContain("**Verdict: clean");
  expect(md).toContain("| `staging/testers` | `prod/bucket/production-test-bucket-101` | read | MFA, TLS |");
  expect(md).toMatch(/```mermaid\ngraph LR\n/);
  expect(md).toMatch(/n\d+ -->\|"assume \(external id\)"\| n\d+/);
  expect(md).toContain("### prod (111111111111)");
  expect(md).toContain("| warning | unused-group | prod | `aws_iam_group.release-managers` |");
});

test("the aws config snippet: a profile per assumable role, with mfa_serial and external_id where the trust needs them", () => {
  const text = renderAwsConfig(clean);
  expect(text).toContain(
    ["[profile prod-StageRole]", "role_arn = arn:aws:iam::111111111111:role/StageRole", "source_profile = staging", "mfa_serial = arn:aws:iam::222222222222:mfa/<your-user>"].join("\n"),
  );
  expect(text).toContain(["[profile prod-Monitoring]", "role_arn = arn:aws:iam::111111111111:role/Monitoring", "source_profile = acme-monitoring", "external_id = acme-7f3a9c"].join("\n"));
  const ci = text.slice(text.indexOf("[profile staging-ci-deployer]"));
  expect(ci.split("\n\n")[0]).not.toContain("mfa_serial");
});
