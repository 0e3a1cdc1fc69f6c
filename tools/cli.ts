/**
 * What the project's commands share: their arguments, read with node:util's
 * `parseArgs` (usage on `--help`, exit 0; a one-line error and exit 2 for an
 * unknown option or a bad value), and the check, before Terraform runs, that AWS
 * credentials are there at all. The check reads the environment and files only:
 * it never contacts any address, so an EC2 instance profile (found only through
 * the instance metadata service) cannot be seen; AWS_CREDENTIALS_CHECK=off skips it.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { byCodePoint } from "../config/order";

/** Bad input on the command line: printed as one line, exit 2. */
export class UsageError extends Error {}

/** A failure the user can fix (no stacks, no credentials): printed as is, exit 1. */
export class CommandError extends Error {}

/** A command's name (as in `plan: ...` messages), its one-line synopsis and the text `--help` prints. */
export interface Command {
  readonly name: string;
  readonly synopsis: string;
  readonly help: string;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O & { help: { type: "boolean"; short: "h" } }; allowPositionals: true; strict: true }>>;

/** parseArgs' messages are paragraphs; a command's error is one line. */
function usageMessage(e: NodeJS.ErrnoException): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted ?? e.message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return quoted?.includes("<value>") ? `${quoted.replace(/ <value>$/, "")} needs a value` : e.message.replace(/\.$/, "");
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${quoted ?? ""}`.trim();
    default:
      return e.message.split("\n")[0];
  }
}

/**
 * Reads a command line strictly: unknown options and missing values are a
 * UsageError. With `-h`/`--help`, prints the command's help on stdout and exits 0.
 */
export function parseCommandLine<O extends Options>(command: Command, options: O, argv: readonly string[]): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true }) as Parsed<O>;
  } catch (e) {
    // Asked for help among other mistakes: the help answers better than the error.
    if (argv.includes("--help") || argv.includes("-h")) printHelpAndExit(command);
    throw new UsageError(usageMessage(e as NodeJS.ErrnoException));
  }
  if ((parsed.values as { help?: boolean }).help) printHelpAndExit(command);
  return parsed;
}

function printHelpAndExit(command: Command): never {
  process.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
  process.exit(0);
}

/** A positive integer given as an option value, or a UsageError naming the option. */
export function positiveInteger(option: string, value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${option} must be a positive integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Runs a command's main function: a UsageError prints `name: message; usage: ...`
 * and exits 2, a CommandError prints `name: message` and exits 1; anything else is
 * a bug or an environment problem, printed as one line (with the stack under DEBUG), exit 1.
 */
export function runCommand(command: Command, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${command.name}: ${e.message}; usage: ${command.synopsis}\n`);
        process.exit(2);
      }
      process.stderr.write(`${command.name}: ${e instanceof CommandError ? "" : "error: "}${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.DEBUG && e instanceof Error && !(e instanceof CommandError)) process.stderr.write(`${e.stack}\n`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------- AWS credentials

/** Where credentials were found, or why none were. */
export type CredentialCheck = { readonly found: string } | { readonly missing: string };

/** Keys of a profile that give (or lead to) credentials, as the AWS SDKs read them. */
const CREDENTIAL_KEYS = ["aws_access_key_id", "role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file", "credential_source", "login_session"];

/** The sections of an AWS ini file: name → keys. In the config file `[profile x]` is profile x. */
function readProfiles(file: string, isConfig: boolean): Map<string, Set<string>> {
  const profiles = new Map<string, Set<string>>();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return profiles;
  }
  let current: Set<string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      const name = section[1];
      const profile = isConfig ? (name === "default" ? "default" : /^profile\s+(.+)$/.exec(name)?.[1]) : name;
      current = profile === undefined ? undefined : (profiles.get(profile) ?? new Set());
      if (profile !== undefined && current) profiles.set(profile, current);
      continue;
    }
    const key = /^([A-Za-z0-9_.-]+)\s*=/.exec(line)?.[1];
    if (key && current) current.add(key.toLowerCase());
  }
  return profiles;
}

const tilde = (path: string, home: string) => (path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path);

/**
 * Whether the AWS SDK (and so Terraform's AWS provider) would find credentials,
 * judged from the environment and the shared config and credentials files only,
 * in the SDK's order. Never contacts the network.
 */
export function findAwsCredentials(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): CredentialCheck {
  if (env.AWS_CREDENTIALS_CHECK === "off") return { found: "AWS_CREDENTIALS_CHECK=off (not checked)" };
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (key && secret) return { found: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" };
  if (key || secret) return { missing: `${key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"} is set without ${key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"}` };
  const configFile = env.AWS_CONFIG_FILE || join(home, ".aws/config");
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws/credentials");
  const files = `${tilde(configFile, home)} or ${tilde(credentialsFile, home)}`;
  const profileName = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  const profileVar = env.AWS_PROFILE ? "AWS_PROFILE" : "AWS_DEFAULT_PROFILE";
  if (!profileName) {
    if (env.AWS_WEB_IDENTITY_TOKEN_FILE) {
      return existsSync(env.AWS_WEB_IDENTITY_TOKEN_FILE)
        ? { found: "AWS_WEB_IDENTITY_TOKEN_FILE" }
        : { missing: `AWS_WEB_IDENTITY_TOKEN_FILE names a missing file (${env.AWS_WEB_IDENTITY_TOKEN_FILE})` };
    }
    if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return { found: "AWS_CONTAINER_CREDENTIALS_*" };
  }
  const name = profileName || "default";
  const keys = new Set([...(readProfiles(configFile, true).get(name) ?? []), ...(readProfiles(credentialsFile, false).get(name) ?? [])]);
  const exists = readProfiles(configFile, true).has(name) || readProfiles(credentialsFile, false).has(name);
  const what = profileName ? `${profileVar}=${name}` : "the [default] profile";
  if (CREDENTIAL_KEYS.some((k) => keys.has(k))) return { found: `${what} (${files})` };
  if (profileName && !exists) return { missing: `${profileVar}=${name} names no profile in ${files}` };
  if (exists) return { missing: `${what} in ${files} holds no credentials (no aws_access_key_id, role_arn, credential_process or sso_session)` };
  return { missing: `no AWS_ACCESS_KEY_ID, AWS_PROFILE, web identity or container credentials in the environment, and no [default] profile in ${files}` };
}

/** A stack and the role its provider assumes (`deployRole` in the map). */
export interface DeployRole {
  readonly stack: string;
  readonly roleArn: string;
}

/** "OrganizationAccountAccessRole (dev, staging), TerraformDeployer (prod)"; long lists are counted. */
export function describeDeployRoles(roles: readonly DeployRole[]): string {
  const byRole = new Map<string, string[]>();
  for (const r of roles) {
    const name = r.roleArn.replace(/^arn:[^:]+:iam::\d+:role\//, "");
    byRole.set(name, [...(byRole.get(name) ?? []), r.stack]);
  }
  return [...byRole.keys()]
    .sort(byCodePoint)
    .map((name) => {
      const stacks = byRole.get(name)!.sort(byCodePoint);
      return `${name} (${stacks.length <= 6 ? stacks.join(", ") : `${stacks.length.toLocaleString("en-US")} stacks`})`;
    })
    .join(", ");
}

/**
 * Throws a CommandError saying what to set when no credentials are found. `roles`
 * names the deploy roles the stacks assume, when known.
 */
export function requireAwsCredentials(roles: readonly DeployRole[] = [], env: NodeJS.ProcessEnv = process.env, home: string = homedir()): void {
  const check = findAwsCredentials(env, home);
  if ("found" in check) return;
  const assumed = roles.length > 0 ? `the deploy role of its account, ${describeDeployRoles(roles)}` : "the deploy role of its account (deployRole in the map)";
  throw new CommandError(
    [
      `no AWS credentials found: ${check.missing}.`,
      "  Set AWS_PROFILE to a profile of the identity you deploy from (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).",
      `  Each stack's provider assumes ${assumed}, which must trust that identity (README, "Deploying for real").`,
      "  On EC2 with an instance profile (not visible without asking the network), set AWS_CREDENTIALS_CHECK=off.",
    ].join("\n"),
  );
}

/** The deploy role each synthesized stack's (first) AWS provider assumes, read from `<outdir>/stacks/<stack>/cdk.tf.json`. */
export function deployRolesOfStacks(stacksDir: string, stacks: readonly string[]): DeployRole[] {
  const roles: DeployRole[] = [];
  for (const stack of stacks) {
    try {
      const tf = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")) as { provider?: { aws?: { assume_role?: { role_arn?: string }[] }[] } };
      const roleArn = tf.provider?.aws?.[0]?.assume_role?.[0]?.role_arn;
      if (roleArn) roles.push({ stack, roleArn });
    } catch {
      // An unreadable stack says nothing about its role; Terraform will say what is wrong with it.
    }
  }
  return roles;
}
