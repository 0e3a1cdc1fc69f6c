/**
 * StackStream writes what App.synth() writes, every file byte for byte, while
 * holding one stack at a time; and it leaves nothing of a written stack behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { TokenMap } from "cdktf/lib/tokens/private/token-map";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { loadAccountMapText } from "../../config/load";
import { filesUnder as files } from "../helpers";
import { planWithinLimits } from "../../policies/limits";
import { generateMap } from "../../scripts/bench/generate";
import { AccountStack } from "../../stacks/account-stack";
import { StackStream } from "../../stacks/stream";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stream-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** How many tokens cdktf's global registry holds (its maps are private). */
function registeredTokens(): number {
  const r = TokenMap.instance() as unknown as { stringTokenMap: Map<unknown, unknown>; numberTokenMap: Map<unknown, unknown> };
  return r.stringTokenMap.size + r.numberTokenMap.size;
}

test("a generated 40-account map: the stream writes the same files as App.synth(), manifest included", async () => {
  const { model } = await loadAccountMapText(generateMap({ accounts: 40, seed: 3 }).text, "generated.yaml");
  const plans = planWithinLimits(model);
  const props = { state: model.state, tags: model.tags };

  const whole = tempDir();
  const app = new App({ outdir: whole });
  for (const plan of plans) new AccountStack(app, { plan, ...props });
  app.synth();

  const streamed = tempDir();
  const out = new StackStream(streamed);
  const before = registeredTokens();
  const names = plans.map((plan) => out.write((scope) => new AccountStack(scope, { plan, ...props })));
  // Every reference token the stacks registered (a role policy naming its role, ...) was dropped again.
  expect(registeredTokens()).toBe(before);
  expect(out.app.node.children).toHaveLength(0);
  out.close();

  expect(names).toEqual(plans.map((p) => p.account.name));
  const expected = files(whole);
  expect(expected.size).toBe(41); // 40 stacks and the manifest
  expect(expected.get("manifest.json")).toContain('"identity"');
  expect(files(streamed)).toEqual(expected);
});

test("a stack that references another stack is refused: it cannot be written alone", () => {
  const out = new StackStream(tempDir());
  let first: IamRole | undefined;
  out.write((scope) => {
    const stack = new TerraformStack(scope, "first");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    first = new IamRole(stack, "role", { name: "r", assumeRolePolicy: "{}" });
    return stack;
  });
  // `first` is written and gone; a later stack that points at it would need it alive.
  expect(() =>
    out.write((scope) => {
      const stack = new TerraformStack(scope, "second");
      new AwsProvider(stack, "aws", { region: "us-east-1" });
      new TerraformOutput(stack, "arn", { value: first!.arn });
      return stack;
    }),
  ).toThrow("StackStream: stack second references another stack (first)");
});

test("a stack that declares a dependency on another is refused too", () => {
  const out = new StackStream(tempDir());
  const other = new TerraformStack(out.app, "other");
  expect(() =>
    out.write((scope) => {
      const stack = new TerraformStack(scope, "dependent");
      new AwsProvider(stack, "aws", { region: "us-east-1" });
      stack.addDependency(other);
      return stack;
    }),
  ).toThrow("StackStream: stack dependent references another stack");
  // Refused stacks are not left in the app.
  expect(out.app.node.children.map((c) => c.node.id)).toEqual(["other"]);
});

/** Writes one stack holding a role, and returns where cdktf says the token for the role's ARN was created. */
function creationStackOfRoleArn(out: StackStream): string[] {
  let creation: string[] = [];
  out.write((scope) => {
    const stack = new TerraformStack(scope, "roles");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const role = new IamRole(stack, "role", { name: "r", assumeRolePolicy: "{}" });
    new TerraformOutput(stack, "arn", { value: role.arn });
    creation = Tokenization.reverseString(role.arn).firstToken!.creationStack;
    return stack;
  });
  return creation;
}

test("cdktf's traces of where tokens were created are skipped unless asked for, and the formatter is put back", () => {
  const formatter = Error.prepareStackTrace;
  expect(creationStackOfRoleArn(new StackStream(tempDir()))).toEqual([]);
  expect(Error.prepareStackTrace).toBe(formatter);
  expect(creationStackOfRoleArn(new StackStream(tempDir(), { traces: true })).join("\n")).toContain("creationStackOfRoleArn");
  // An error thrown while a stack is built still gets its stack trace once the stream is done.
  let thrown: Error | undefined;
  try {
    new StackStream(tempDir()).write(() => {
      throw new Error("in build");
    });
  } catch (e) {
    thrown = e as Error;
  }
  expect(thrown?.stack).toContain("stream.test.ts");
});

test("write() after close() is a programming error", () => {
  const out = new StackStream(tempDir());
  out.close();
  expect(() => out.write((scope) => new TerraformStack(scope, "late"))).toThrow("write() after close()");
});
