/**
 * The review gate's classifier: each change to access widens or narrows it, and
 * the whole diff says which (or that access is unchanged). Conditions the
 * analysis records (MFA, external id, principal ARN, organization, TLS) are
 * found on synthesized stacks, and dropping one is a widening shown first.
 */
import { analyze } from "../../access/analyze";
import { diffAccess, renderDiff, renderDiffJson, type DiffNames } from "../../access/diff";
import type { Access } from "../../access/types";
import { exampleText } from "../helpers";
import { sid, synthesized, withPolicy } from "./fixture";

const names: DiffNames = { map: "accounts.yaml", from: "origin/main", to: "the working tree", fromExists: true, gate: "clean" };

const assume = (caller: string, target: string, conditions: Partial<Access> = {}): Access => ({ caller, target, action: "sts:AssumeRole", mfa: false, ...conditions });
const read = (caller: string, target: string, conditions: Partial<Access> = {}): Access[] =>
  ["s3:GetObject", "s3:ListBucket"].map((action) => ({ caller, target, action, mfa: true, tls: true, ...conditions }));

describe("classifying a change", () => {
  const base = [assume("dev/developers", "prod/role/App", { mfa: true }), ...read("staging/testers", "prod/bucket/b")];

  test("nothing changes: unchanged access, no changes listed", () => {
    expect(diffAccess(base, [...base].reverse())).toEqual({ effect: "unchanged access", changes: [] });
  });

  test("a new pair widens, and its gains carry their conditions", () => {
    const d = diffAccess(base, [...base, assume("staging/admins", "prod/role/App", { mfa: true })]);
    expect(d.effect).toBe("widens");
    expect(d.changes).toEqual([
      { caller: "staging/admins", target: "prod/role/App", effect: "widens", gained: [{ actions: ["sts:AssumeRole"], conditions: ["MFA"] }], lost: [], kept: [], dropped: [], added: [] },
    ]);
  });

  test("a gained action on a pair that exists widens", () => {
    const more = [...base, { caller: "staging/testers", target: "prod/bucket/b", action: "s3:PutObject", mfa: true, tls: true }];
    const d = diffAccess(base, more);
    expect(d.effect).toBe("widens");
    expect(d.changes[0]).toMatchObject({ effect: "widens", gained: [{ actions: ["s3:PutObject"], conditions: ["MFA", "TLS"] }], kept: ["s3:GetObject", "s3:ListBucket"] });
  });

  test("a lost pair or action narrows", () => {
    const d = diffAccess(base, base.filter((a) => a.action !== "s3:ListBucket"));
    expect(d.effect).toBe("narrows");
    expect(d.changes).toEqual([
      { caller: "staging/testers", target: "prod/bucket/b", effect: "narrows", gained: [], lost: [{ actions: ["s3:ListBucket"], conditions: ["MFA", "TLS"] }], kept: ["s3:GetObject"], dropped: [], added: [] },
    ]);
    expect(diffAccess(base, base.slice(1)).effect).toBe("narrows");
  });

  test("a condition added narrows", () => {
    const d = diffAccess([assume("dev/role/ci", "staging/role/deployer")], [assume("dev/role/ci", "staging/role/deployer", { principalArn: "arn:aws:iam::333333333333:role/ci" })]);
    expect(d.effect).toBe("narrows");
    expect(d.changes[0]).toMatchObject({ effect: "narrows", added: [{ condition: "principal ARN", actions: ["sts:AssumeRole"] }], dropped: [] });
  });

  test.each([
    ["MFA", { mfa: true }],
    ["external id acme-7f3a9c", { externalId: "acme-7f3a9c" }],
    ["principal ARN", { principalArn: "arn:aws:iam::333333333333:role/ci" }],
    ["org o-a1b2c3d4e5", { organizationId: "o-a1b2c3d4e5" }],
    ["TLS", { tls: true }],
  ] as [string, Partial<Access>][])("dropping %s widens", (condition, conditions) => {
    const d = diffAccess([assume("a/x", "b/role/y", conditions)], [assume("a/x", "b/role/y", { ...conditions, ...Object.fromEntries(Object.keys(conditions).map((k) => [k, k === "mfa" || k === "tls" ? false : undefined])) })]);
    expect(d.effect).toBe("widens");
    expect(d.changes).toEqual([{ caller: "a/x", target: "b/role/y", effect: "widens", gained: [], lost: [], kept: ["sts:AssumeRole"], dropped: [{ condition, actions: ["sts:AssumeRole"] }], added: [] }]);
  });

  test("a changed external id drops one and adds another: it widens", () => {
    const d = diffAccess([assume("external/acme", "prod/role/M", { externalId: "old" })], [assume("external/acme", "prod/role/M", { externalId: "new" })]);
    expect(d.effect).toBe("widens");
    expect(d.changes[0]).toMatchObject({ dropped: [{ condition: "external id old" }], added: [{ condition: "external id new" }] });
  });

  test("a diff that narrows one pair and widens another widens", () => {
    const d = diffAccess(base, [assume("dev/developers", "prod/role/App"), ...read("staging/testers", "prod/bucket/b").slice(1)]);
    expect(d.effect).toBe("widens");
    expect(d.changes.map((c) => [c.caller, c.effect])).toEqual([
      ["dev/developers", "widens"],
      ["staging/testers", "narrows"],
    ]);
  });
});

describe("diff.md", () => {
  test("the whole text of a small case: the verdict, widenings first, a dropped MFA before any gain", () => {
    const before = [assume("dev/developers", "prod/role/App", { mfa: true }), ...read("staging/testers", "prod/bucket/b"), ...read("staging/admins", "prod/bucket/b", { tls: false })];
    const after = [
      assume("a/first", "prod/role/App", { mfa: true }),
      assume("dev/developers", "prod/role/App"),
      ...read("staging/admins", "prod/bucket/b"),
      read("staging/testers", "prod/bucket/b")[0],
    ];
    expect(renderDiff(diffAccess(before, after), names)).toBe(
      [
        "## Access review: widens access",
        "",
        "From `accounts.yaml` at `origin/main` to the working tree. Gate on the working tree: clean.",
        "",
        "4 caller → target pairs change: 2 widen (1 drops a condition), 2 narrow.",
        "",
        "### Widens",
        "",
        "#### `dev/developers`",
        "",
        "- `prod/role/App`: **drops MFA**",
        "",
        "#### `a/first`",
        "",
        "- `prod/role/App`: gains sts:AssumeRole (MFA)",
        "",
        "### Narrows",
        "",
        "#### `staging/admins`",
        "",
        "- `prod/bucket/b`: adds TLS",
        "",
        "#### `staging/testers`",
        "",
        "- `prod/bucket/b`: loses s3:ListBucket",
        "",
      ].join("\n"),
    );
  });

  test("unchanged access says so; a map that did not exist at the revision is named", () => {
    expect(renderDiff(diffAccess([], []), { ...names, fromExists: false })).toBe(
      "## Access review: unchanged access\n\nFrom nothing (`accounts.yaml` does not exist at `origin/main`) to the working tree. Gate on the working tree: clean.\n\nNo caller gains or loses anything, and no condition changes.\n",
    );
  });

  test("diff.json holds the classification per change and overall", () => {
    const json = JSON.parse(renderDiffJson(diffAccess([assume("a/x", "b/role/y", { mfa: true })], [assume("a/x", "b/role/y")]), names));
    expect(json).toMatchObject({ version: 1, map: "accounts.yaml", from: "origin/main", effect: "widens", changes: [{ caller: "a/x", target: "b/role/y", effect: "widens", dropped: [{ condition: "MFA" }] }] });
  });
});

describe("conditions found on synthesized stacks", () => {
  test("a role trusted through its account's root needs its principal ARN; removing that condition from the trust widens", async () => {
    const { model, outdir } = await synthesized();
    const before = await analyze(model, outdir);
    const ci = before.access.find((a) => a.caller === "dev/role/ci-runner" && a.target === "staging/role/ci-deployer");
    expect(ci).toMatchObject({ principalArn: "arn:aws:iam::333333333333:role/ci-runner", mfa: false });
    const open = withPolicy(outdir, "staging aws_iam_role.ci-deployer", (d) => void delete sid(d, "TrustRoleDevCiRunner").Condition, "assume_role_policy");
    const d = diffAccess(before.access, (await analyze(model, open)).access);
    expect(d.effect).toBe("widens");
    expect(d.changes.find((c) => c.caller === "dev/role/ci-runner")).toMatchObject({ dropped: [{ condition: "principal ARN", actions: ["sts:AssumeRole"] }] });
  });

  test("a dropped external id is a widening, shown first and in bold", async () => {
    const { model, outdir } = await synthesized();
    const before = await analyze(model, outdir);
    const open = withPolicy(outdir, "prod aws_iam_role.Monitoring", (d) => void delete sid(d, "TrustExternalAcmeMonitoring").Condition, "assume_role_policy");
    const d = diffAccess(before.access, (await analyze(model, open)).access);
    expect(d.effect).toBe("widens");
    expect(renderDiff(d, names)).toContain("### Widens\n\n#### `external/acme-monitoring`\n\n- `prod/role/Monitoring`: **drops external id acme-7f3a9c**\n");
  });

  test("a map with an organization: cross-account bucket grants need the organization id", async () => {
    const { model, outdir } = await synthesized(exampleText().replace("external:\n", "organization:\n  id: o-a1b2c3d4e5\n\nexternal:\n"));
    const a = await analyze(model, outdir);
    const developers = a.access.filter((x) => x.caller === "staging/developers" && x.target === "prod/bucket/production-test-bucket-101");
    expect(developers.length).toBeGreaterThan(0);
    for (const x of developers) expect(x).toMatchObject({ mfa: true, tls: true, organizationId: "o-a1b2c3d4e5" });
  });
});
