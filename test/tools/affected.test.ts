/**
 * `npm run affected`: the comparison (pure), the matrices, and whole maps: a grant
 * moved in the example, and one account onboarded into a generated map.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateMap } from "../../scripts/bench/generate";
import { loadAccountMapText } from "../../config/load";
import { compareStacks, matrixChunks, renderAffected, renderMatrixOutputs, type StackChange, type StackInput } from "../../tools/affected-stacks";
import { affectedSides } from "../../tools/affected-synth";
import { exampleText } from "../helpers";

const stack = (json: object, grants: string[] = [], entities: string[] = []): StackInput => ({ json: JSON.stringify(json), grants, entities });
const byStack = (changes: StackChange[]) => Object.fromEntries(changes.map((c) => [c.stack, c]));
const modelOf = async (text: string) => (await loadAccountMapText(text, "test.yaml")).model;
/** Both sides of a change, the stacks whose keys differ synthesized. */
const sidesOf = async (before: string, after: string) => affectedSides(await modelOf(before), await modelOf(after));

describe("compareStacks", () => {
  const role = { resource: { aws_iam_role: { Deploy: { name: "Deploy" } } } };
  const before = new Map([
    ["kept", stack(role, ["a may assume kept/role/Deploy"], ["role kept/role/Deploy"])],
    ["edited", stack(role, ["a may assume edited/role/Deploy"], ["role edited/role/Deploy"])],
    ["gone", stack(role)],
  ]);
  const after = new Map([
    ["kept", stack(role, ["a may assume kept/role/Deploy"], ["role kept/role/Deploy"])],
    [
      "edited",
      stack({ resource: { aws_iam_role: { Deploy: { name: "Deploy", max_session_duration: 7200 } }, aws_iam_group: { ops: {} } } }, ["b may assume edited/role/Deploy"], ["group edited/ops", "role edited/role/Deploy"]),
    ],
    ["new", stack(role, [], ["role new/role/Deploy"])],
  ]);
  const changes = compareStacks(before, after);

  test("every stack of either side, in name order, with its status", () => {
    expect(changes.map((c) => [c.stack, c.status])).toEqual([
      ["edited", "changed"],
      ["gone", "removed"],
      ["kept", "unchanged"],
      ["new", "added"],
    ]);
  });

  test("a changed stack names the grants gained and lost, the entities, then the Terraform addresses", () => {
    expect(byStack(changes).edited.reasons).toEqual([
      "+ grant: b may assume edited/role/Deploy",
      "- grant: a may assume edited/role/Deploy",
      "+ group edited/ops",
      "+ aws_iam_group.ops",
      "~ aws_iam_role.Deploy",
    ]);
  });

  test("added and removed stacks say so; an unchanged one has no reason", () => {
    expect(byStack(changes).new.reasons).toEqual(["account new is new in the map", "+ role new/role/Deploy"]);
    expect(byStack(changes).gone.reasons).toEqual(["account gone is no longer in the map"]);
    expect(byStack(changes).kept.reasons).toEqual([]);
  });

  test("the text report lists each changed stack with its reasons and the unchanged ones on one line", () => {
    const text = renderAffected(changes, { map: "m.yaml", ref: "main" });
    expect(text.split("\n")[0]).toBe("affected: m.yaml at main → the working tree: 4 stacks: 1 added, 1 changed, 1 removed, 1 unchanged");
    expect(text).toContain("\nchanged   edited\n            + grant: b may assume edited/role/Deploy\n");
    expect(text).toContain("\nremoved   gone\n");
    expect(text.trimEnd().split("\n").at(-1)).toBe("unchanged kept");
  });
});

describe("matrices", () => {
  const many: StackChange[] = Array.from({ length: 600 }, (_, i) => ({ stack: `s${String(i).padStart(3, "0")}`, status: i % 3 === 0 ? "unchanged" : i % 3 === 1 ? "changed" : "added", reasons: [] }));
  const removed: StackChange = { stack: "zz", status: "removed", reasons: [] };

  test("added and changed stacks only, in chunks of at most 256 (GitHub's limit per matrix)", () => {
    const chunks = matrixChunks([...many, removed]);
    expect(chunks.map((c) => c.include.length)).toEqual([256, 144]);
    const all = chunks.flatMap((c) => c.include.map((e) => e.stack));
    expect(all).toEqual(many.filter((c) => c.status !== "unchanged").map((c) => c.stack));
    expect(all).not.toContain("zz");
  });

  test("--matrix prints $GITHUB_OUTPUT lines; nothing to deploy is count=0 and no matrix", () => {
    expect(renderMatrixOutputs(many.slice(0, 3), 1)).toBe('count=2\nchunks=2\nmatrix-0={"include":[{"stack":"s001"}]}\nmatrix-1={"include":[{"stack":"s002"}]}\n');
    expect(renderMatrixOutputs([removed])).toBe("count=0\nchunks=0\n");
  });
});

describe("on synthesized maps", () => {
  test("moving a bucket grant from staging's testers to its admins changes prod and staging, names the grants, leaves dev", async () => {
    const text = exampleText();
    const moved = text.replace("          staging/testers: read\n", "          staging/admins: read\n");
    expect(moved).not.toBe(text);
    const sides = await sidesOf(text, moved);
    const changes = byStack(compareStacks(sides.before, sides.after));
    expect(changes.dev.status).toBe("unchanged");
    for (const name of ["prod", "staging"]) {
      expect(changes[name].status).toBe("changed");
      expect(changes[name].reasons).toEqual(
        expect.arrayContaining([
          "+ grant: staging/admins may read prod/bucket/production-test-bucket-101 with MFA",
          "- grant: staging/testers may read prod/bucket/production-test-bucket-101 with MFA",
        ]),
      );
    }
    expect(changes.prod.reasons).toContain("~ aws_s3_bucket_policy.production-test-bucket-101");
    expect(changes.staging.reasons).toContain("- aws_iam_group_policy.testers");
  });

  test("onboarding one account into a generated map lists the new account and exactly the stacks whose policies name it", async () => {
    const { text } = generateMap({ accounts: 8 });
    const id = "999999999999";
    // As the generator writes a workload account: people roles from identity, ci reading a neighbour's bucket, a neighbour's ci reading ours.
    const onboarded = `${text.trimEnd()}\n\n  newcomer:\n    id: "${id}"\n    roles:\n      admins: { assumableBy: [identity/admins], managedPolicies: [AdministratorAccess] }\n      ci: { assumableBy: [identity/role/ci], requireMfa: false }\n    buckets:\n      newcomer-artifacts-onboarding:\n        grants:\n          newcomer/role/ci: read-write\n          infra-dev-3/role/ci: read\n`;
    const { before, after } = await sidesOf(text, onboarded);
    const changes = compareStacks(before, after);
    // Its roles' ARNs hold its id; its bucket's ARN holds no account id, only its name: every stack synthesized, which name it?
    const every = affectedSides(undefined, await modelOf(onboarded), { cold: true }).after;
    const naming = [...every].filter(([name, s]) => name !== "newcomer" && (s.json!.includes(id) || s.json!.includes("newcomer-artifacts-onboarding"))).map(([name]) => name);
    // Only those were synthesized, on both sides; the new account's line needs only its entities, read from its plan.
    expect([...after].filter(([, s]) => s.json !== undefined).map(([name]) => name).sort()).toEqual([...naming].sort());
    expect([...before].filter(([, s]) => s.json !== undefined).map(([name]) => name).sort()).toEqual([...naming].sort());
    expect(byStack(changes).newcomer.reasons).toEqual(["account newcomer is new in the map", "+ bucket newcomer/bucket/newcomer-artifacts-onboarding", "+ role newcomer/role/admins", "+ role newcomer/role/ci"]);
    expect(naming).toEqual(["identity", "infra-dev-3"]);
    expect(changes.filter((c) => c.status === "added").map((c) => c.stack)).toEqual(["newcomer"]);
    expect(changes.filter((c) => c.status === "changed").map((c) => c.stack)).toEqual(naming);
    expect(changes.filter((c) => c.status === "unchanged")).toHaveLength(before.size - naming.length);
    expect(byStack(changes)["infra-dev-3"].reasons[0]).toBe("+ grant: infra-dev-3/role/ci may read newcomer/bucket/newcomer-artifacts-onboarding");
    expect(byStack(changes).identity.reasons).toEqual(expect.arrayContaining(["+ grant: identity/admins may assume newcomer/role/admins with MFA", "+ grant: identity/role/ci may assume newcomer/role/ci"]));
  });
  test("a retired account is listed as removed without being synthesized or planned; the stacks that named it are compared", async () => {
    const { text } = generateMap({ accounts: 8 });
    // The map's last account block: cut it, and every line elsewhere that names it (its neighbours' grants to it).
    const gone = [...text.matchAll(/^ {2}([a-z0-9-]+):$/gm)].at(-1)![1];
    const cut = text.slice(0, text.indexOf(`\n  ${gone}:\n`)).split("\n").filter((l) => !l.includes(`${gone}/`)).join("\n") + "\n";
    const { before, after } = await sidesOf(text, cut);
    const changes = byStack(compareStacks(before, after));
    expect(changes[gone]).toEqual({ stack: gone, status: "removed", reasons: [`account ${gone} is no longer in the map`] });
    expect(before.get(gone)).toEqual({ key: expect.any(String), grants: [], entities: [] });
    expect(after.has(gone)).toBe(false);
    const changed = Object.values(changes).filter((c) => c.status === "changed").map((c) => c.stack);
    expect(changed.length).toBeGreaterThan(0);
    for (const name of changed) expect([before.get(name)!.json, after.get(name)!.json].every((j) => j !== undefined)).toBe(true);
  });
});

describe("the command", () => {
  const root = resolve(__dirname, "../..");
  beforeAll(() => expect(spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { encoding: "utf8" }).status).toBe(0));

  /** A git repository holding the example map at its first commit. */
  function repository(text = exampleText(), more: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), "affected-repo-"));
    const git = (...args: string[]) => expect(spawnSync("git", args, { cwd: dir, encoding: "utf8" }).status).toBe(0);
    git("init", "-q");
    for (const [name, body] of Object.entries({ "accounts.yaml": text, ...more })) {
      writeFileSync(join(dir, name), body);
      git("add", name);
    }
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "map");
    return dir;
  }
  const affected = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, "dist/affected.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, ACCOUNT_MAP: "" } });

  test("compares the committed map with the working tree's, without checking anything out", () => {
    const dir = repository();
    writeFileSync(join(dir, "accounts.yaml"), exampleText().replace("          staging/testers: read\n", ""));
    const r = affected(dir, "HEAD", "--map", "accounts.yaml", "--matrix");
    expect(r.stderr).toMatch(/^affected: 3 stacks compared in \d+\.\d s \(4 synthesized\)\n$/);
    expect(r.stdout).toBe('count=2\nchunks=1\nmatrix-0={"include":[{"stack":"prod"},{"stack":"staging"}]}\n');
    expect(r.status).toBe(0);
    const json = JSON.parse(affected(dir, "HEAD", "--map", "accounts.yaml", "--json").stdout);
    expect(json.counts).toEqual({ added: 0, changed: 2, removed: 0, unchanged: 1 });
  });

  test("reads the import records beside the map as they were at the revision: unchanged records change no stack", () => {
    const imports = "version: 1\naccounts:\n  prod:\n    roles:\n      StageRole: StageRole\n";
    const dir = repository(exampleText(), { "accounts.imports.yaml": imports });
    const same = affected(dir, "HEAD", "--map", "accounts.yaml", "--matrix");
    expect(same.stdout).toBe("count=0\nchunks=0\n");
    expect(same.status).toBe(0);
    rmSync(join(dir, "accounts.imports.yaml"));
    expect(affected(dir, "HEAD", "--map", "accounts.yaml", "--matrix").stdout).toBe('count=1\nchunks=1\nmatrix-0={"include":[{"stack":"prod"}]}\n');
  });

  test("an unknown revision or a missing one is a usage error (exit 2); a bad map at the working tree or at the revision exits 1 with its located report", () => {
    const dir = repository();
    expect(affected(dir, "no-such-ref", "--map", "accounts.yaml")).toMatchObject({ status: 2, stderr: `affected: no-such-ref: no such git revision; usage: npm run affected -- <git-ref> [--map FILE] [--json | --matrix] [--report FILE]\n` });
    expect(affected(dir, "--map", "accounts.yaml").status).toBe(2);
    // The map at the revision bad: nothing to compare with, exit 1.
    const badAtHead = repository("version: 2\naccounts: {}\n");
    writeFileSync(join(badAtHead, "accounts.yaml"), exampleText());
    const then = affected(badAtHead, "HEAD", "--map", "accounts.yaml");
    expect(then.stderr).toBe("affected: the map at HEAD is not valid, so there is nothing to compare with:\naccounts.yaml@HEAD:1:10 version: invalid value 2 (one of: 1)\n1 problem in accounts.yaml@HEAD; nothing was synthesized.\n");
    expect(then.status).toBe(1);
    writeFileSync(join(dir, "accounts.yaml"), "version: 2\naccounts: {}\n");
    const bad = affected(dir, "HEAD", "--map", "accounts.yaml");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("accounts.yaml:1:10 version: invalid value 2 (one of: 1)\n1 problem in accounts.yaml; nothing was synthesized.\n");
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});
