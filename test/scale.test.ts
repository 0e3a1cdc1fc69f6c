/**
 * Optimizations must not change the output. The hashes in
 * test/fixtures/scale/expected-100.sha256 were taken from the output of the
 * 100-account map before any performance work; every stack must still match.
 * (A deliberate change to the output regenerates them:
 *  ACCOUNT_MAP=test/fixtures/scale/accounts-100.yaml CDKTF_OUTDIR=/tmp/o node dist/main.js &&
 *  (cd /tmp/o && find stacks -name cdk.tf.json | sort | xargs sha256sum) > test/fixtures/scale/expected-100.sha256)
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeFile } from "../app";

test("the 100-account map synthesizes byte for byte as before the performance work", async () => {
  const outdir = join(mkdtempSync(join(tmpdir(), "scale-")), "cdktf.out");
  try {
    const stacks = await synthesizeFile("test/fixtures/scale/accounts-100.yaml", { outdir });
    expect(stacks).toHaveLength(100);
    const actual = stacks
      .map((s) => `stacks/${s}/cdk.tf.json`)
      .sort()
      .map((f) => `${createHash("sha256").update(readFileSync(join(outdir, f))).digest("hex")}  ${f}`);
    expect(actual).toEqual(readFileSync("test/fixtures/scale/expected-100.sha256", "utf8").trimEnd().split("\n"));
  } finally {
    rmSync(join(outdir, ".."), { recursive: true, force: true });
  }
});
