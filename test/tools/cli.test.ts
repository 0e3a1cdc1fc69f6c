/** The commands' shared parts: strict arguments, and the offline credentials check. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeDeployRoles, findAwsCredentials, parseCommandLine, positiveInteger, requireAwsCredentials, UsageError } from "../../tools/cli";

const command = { name: "x", synopsis: "x [--n N]", help: "usage: x" };

describe("parseCommandLine", () => {
  test("options and positionals", () => {
    const r = parseCommandLine(command, { n: { type: "string" } }, ["a", "--n", "3", "b"]);
    expect(r.values.n).toBe("3");
    expect(r.positionals).toEqual(["a", "b"]);
  });
  test.each([
    [["--frobnicate"], "unknown option --frobnicate"],
    [["--n"], "--n needs a value"],
  ])("%j is a one-line UsageError", (argv, message) => {
    expect(() => parseCommandLine(command, { n: { type: "string" } }, argv)).toThrow(new UsageError(message));
  });
  test("positiveInteger", () => {
    expect(positiveInteger("--n", "12")).toBe(12);
    for (const bad of ["0", "-1", "two", "1.5", "", "1e3"]) expect(() => positiveInteger("--n", bad)).toThrow(UsageError);
  });
});

describe("findAwsCredentials: environment and files only", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "home-"));
    mkdirSync(join(home, ".aws"));
  });
  const write = (file: string, text: string) => writeFileSync(join(home, ".aws", file), text);
  const found = (env: NodeJS.ProcessEnv) => "found" in findAwsCredentials(env, home);

  test("keys in the environment, both of them", () => {
    expect(found({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" })).toBe(true);
    expect(findAwsCredentials({ AWS_ACCESS_KEY_ID: "a" }, home)).toEqual({ missing: "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY" });
  });
  test("nothing at all", () => {
    expect(found({})).toBe(false);
  });
  test("a [default] profile with credentials; one with only a region is not enough", () => {
    write("config", "[default]\nregion = us-east-1\n");
    expect(found({})).toBe(false);
    write("credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
    expect(found({})).toBe(true);
  });
  test("AWS_PROFILE names a profile in ~/.aws/config (SSO, role, process) or credentials", () => {
    write("config", "[profile deployer]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x\n[profile ops]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = deployer\n");
    expect(found({ AWS_PROFILE: "deployer" })).toBe(true);
    expect(found({ AWS_DEFAULT_PROFILE: "ops" })).toBe(true);
    expect(findAwsCredentials({ AWS_PROFILE: "corp" }, home)).toEqual({ missing: "AWS_PROFILE=corp names no profile in ~/.aws/config or ~/.aws/credentials" });
  });
  test("AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move the files", () => {
    const other = join(home, "elsewhere");
    writeFileSync(other, "[ci]\naws_access_key_id = A\naws_secret_access_key = B\n");
    expect(found({ AWS_PROFILE: "ci" })).toBe(false);
    expect(found({ AWS_PROFILE: "ci", AWS_SHARED_CREDENTIALS_FILE: other })).toBe(true);
    writeFileSync(other, "[profile ci]\ncredential_process = /bin/true\n");
    expect(found({ AWS_PROFILE: "ci", AWS_CONFIG_FILE: other })).toBe(true);
  });
  test("web identity (a token file that exists) and container credentials", () => {
    const token = join(home, "token");
    expect(found({ AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_ARN: "arn:aws:iam::1:role/r" })).toBe(false);
    writeFileSync(token, "jwt");
    expect(found({ AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_ARN: "arn:aws:iam::1:role/r" })).toBe(true);
    expect(found({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" })).toBe(true);
    expect(found({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1/creds" })).toBe(true);
  });
  test("AWS_CREDENTIALS_CHECK=off: an instance profile, which only the network could reveal", () => {
    expect(found({ AWS_CREDENTIALS_CHECK: "off" })).toBe(true);
  });
  test("the message says what to set, and names the deploy roles", () => {
    const roles = [
      { stack: "prod", roleArn: "arn:aws:iam::111111111111:role/TerraformDeployer" },
      { stack: "staging", roleArn: "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" },
      { stack: "dev", roleArn: "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole" },
    ];
    expect(describeDeployRoles(roles)).toBe("OrganizationAccountAccessRole (dev, staging), TerraformDeployer (prod)");
    expect(() => requireAwsCredentials(roles, {}, home)).toThrow(/AWS_PROFILE[\s\S]*TerraformDeployer \(prod\)[\s\S]*Deploying for real[\s\S]*AWS_CREDENTIALS_CHECK=off/);
    expect(() => requireAwsCredentials(roles, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, home)).not.toThrow();
  });
});
