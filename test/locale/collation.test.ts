/**
 * Output does not depend on the machine's locale: the same map synthesizes, and
 * reports, to the same bytes under every LANG. The names are chosen to sort
 * differently under collation: Lithuanian puts `y` before `j`, Danish `aa` after
 * `z`; case, digits and `-`/`_` order differently again from code points.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const LOCALES = ["C.UTF-8", "en_US.UTF-8", "lt_LT.UTF-8", "da_DK.UTF-8", "sv_SE.UTF-8", "de_DE.UTF-8", "tr_TR.UTF-8"];

const MAP = `version: 1
defaults:
  region: us-east-1
  tags: { Zone: z, zone: lower, Äpfel: umlaut, aa: danish }
external:
  z-vendor: { id: "444455556666", externalId: z-vendor-1 }
  aa-vendor: { id: "444455556667", externalId: aa-vendor-1 }
accounts:
  z:
    id: "111111111111"
    groups: [yy, jj, Bteam, ateam, g10, g9, g-b, g_b]
    roles:
      Trusted:
        assumableBy: [z/yy, z/jj, z/Bteam, z/ateam, z/g10, z/g9, z/g-b, z/g_b, aa/role/yy, aa/role/jj, external/z-vendor, external/aa-vendor]
    buckets:
      z-bucket:
        grants: { aa/role/yy: read, aa/role/jj: read, aa/role/Y: read-write, z/g-b: read, z/g_b: read }
  aa:
    id: "222222222222"
    roles:
      yy: { assumableBy: [service/ec2.amazonaws.com] }
      jj: { assumableBy: [service/ec2.amazonaws.com] }
      Y: { assumableBy: [z/role/Trusted] }
  jj:
    id: "333333333333"
    groups: [ops]
  yy:
    id: "444444444444"
    groups: [ops]
  a10: { id: "555555555555" }
  a9: { id: "555555555556" }
  x-1: { id: "555555555557" }
`;

/** Every file below `dir`, path → bytes. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, "latin1");
    }
  };
  walk(dir);
  return out;
}

const envFor = (lang: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: lang, LOCAL_AWS_ENDPOINT: "", ACCOUNT_MAP: "" };
  delete env.LC_ALL;
  delete env.LC_COLLATE;
  return env;
};

let dir: string;
beforeAll(() => {
  expect(spawnSync(process.execPath, ["scripts/build.mjs"], { encoding: "utf8" }).status).toBe(0);
  dir = mkdtempSync(join(tmpdir(), "locale-"));
  writeFileSync(join(dir, "map.yaml"), MAP);
  writeFileSync(join(dir, "bad.yaml"), MAP.replace('id: "333333333333"', 'id: "33"').replace("[ops]", "[ops, ops]").replace("z-bucket:", "Z_Bucket:").replace("aa/role/jj: read,", "aa/role/jj: write,"));
});

test("the locales really collate these names differently (else this test proves nothing)", () => {
  const order = (lang: string) =>
    spawnSync(process.execPath, ["-e", "console.log(['yy','jj','aa','z'].sort((a,b)=>a.localeCompare(b)).join(' '))"], { env: envFor(lang), encoding: "utf8" }).stdout.trim();
  expect(order("en_US.UTF-8")).toBe("aa jj yy z");
  expect(order("lt_LT.UTF-8")).toBe("aa yy jj z");
  expect(order("da_DK.UTF-8")).toBe("jj yy z aa");
});

test("synth and the access report write the same bytes under every locale", () => {
  const main = join(process.cwd(), "dist/main.js");
  const access = join(process.cwd(), "dist/access.js");
  const outputs = LOCALES.map((lang) => {
    // Each locale in a folder of its own, with the same relative paths, so the reports name the same files.
    const cwd = join(dir, lang);
    mkdirSync(cwd);
    writeFileSync(join(cwd, "map.yaml"), MAP);
    const synth = spawnSync(process.execPath, [main], { cwd, env: { ...envFor(lang), ACCOUNT_MAP: "map.yaml", CDKTF_OUTDIR: "cdktf.out" }, encoding: "utf8" });
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const report = spawnSync(process.execPath, [access, "--out", "cdktf.out", "--map", "map.yaml"], { cwd, env: envFor(lang), encoding: "utf8" });
    expect(report.stderr).toBe("");
    return [lang, files(join(cwd, "cdktf.out")), report.stdout.replace(/evaluations in [\d.]+ s/, "evaluations in ? s")] as const;
  });
  const [, first, firstStdout] = outputs[0];
  expect(Object.keys(first).filter((f) => f.endsWith("cdk.tf.json"))).toHaveLength(7);
  expect(Object.keys(first)).toEqual(expect.arrayContaining(["manifest.json", "access/report.md", "access/report.json", "access/aws-config"]));
  // Code-point order, visible in the output: uppercase before lowercase.
  expect(first["stacks/z/cdk.tf.json"].indexOf('"Bteam"')).toBeLessThan(first["stacks/z/cdk.tf.json"].indexOf('"ateam"'));
  for (const [lang, found, stdout] of outputs.slice(1)) {
    expect([lang, Object.keys(found).sort()]).toEqual([lang, Object.keys(first).sort()]);
    for (const f of Object.keys(first)) expect([lang, f, found[f] === first[f]]).toEqual([lang, f, true]);
    expect([lang, stdout]).toEqual([lang, firstStdout]);
  }
});

test("a bad map's problems are listed in the same order under every locale", () => {
  const reports = LOCALES.map((lang) => {
    const r = spawnSync(process.execPath, ["dist/main.js"], { env: { ...envFor(lang), ACCOUNT_MAP: join(dir, "bad.yaml"), CDKTF_OUTDIR: join(dir, `bad-${lang}`) }, encoding: "utf8" });
    expect(r.status).toBe(1);
    return r.stderr;
  });
  expect(reports[0]).toMatch(/\n2 problems in /);
  for (const r of reports) expect(r).toBe(reports[0]);
});
