/**
 * The one module that talks to AWS with the AWS SDK for JavaScript v3
 * (@aws-sdk/client-iam, @aws-sdk/client-sts): the unused-access review's reads.
 * The packages are loaded when the review runs, so that nothing else of the
 * program, its tests included, needs them; the few calls used are typed here.
 */

type Send = { send(command: unknown): Promise<Record<string, unknown>> };
interface IamModule {
  IAMClient: new (config: Record<string, unknown>) => Send;
  GetRoleCommand: new (input: { RoleName: string }) => unknown;
  GetGroupCommand: new (input: { GroupName: string; Marker?: string }) => unknown;
  GetUserCommand: new (input: { UserName: string }) => unknown;
  ListAccessKeysCommand: new (input: { UserName: string }) => unknown;
  GetAccessKeyLastUsedCommand: new (input: { AccessKeyId: string }) => unknown;
}
interface StsModule {
  STSClient: new (config: Record<string, unknown>) => Send;
  AssumeRoleCommand: new (input: { RoleArn: string; RoleSessionName: string }) => unknown;
}

const load = <T>(name: string): T => {
  try {
    return require(name) as T;
  } catch {
    throw new Error(`${name} is not installed: the unused-access review needs it (npm ci installs it)`);
  }
};

/** Options every client takes: the region, and an emulator's endpoint (self-signed TLS accepted only there). */
function clientConfig(opts: { endpoint?: string; region: string }): Record<string, unknown> {
  if (!opts.endpoint) return { region: opts.region };
  // The emulator serves a self-signed certificate on 127.0.0.1; AWS itself is always verified.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  return { region: opts.region, endpoint: opts.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}

/** An IAM client inside the account of `deployRoleArn`, through that role (as the providers do). */
export async function iamIn(deployRoleArn: string, opts: { endpoint?: string; region: string }): Promise<Send> {
  const iam = load<IamModule>("@aws-sdk/client-iam");
  const sts = load<StsModule>("@aws-sdk/client-sts");
  const base = clientConfig(opts);
  const out = await new sts.STSClient(base).send(new sts.AssumeRoleCommand({ RoleArn: deployRoleArn, RoleSessionName: "access-unused-review" }));
  const c = out.Credentials as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  return new iam.IAMClient({ ...base, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
}

const isMissing = (e: unknown): boolean => (e as { name?: string }).name === "NoSuchEntityException" || (e as { name?: string }).name === "NoSuchEntity";

/** A role's `RoleLastUsed.LastUsedDate` (undefined: never used), or `missing` when the role does not exist. */
export async function roleLastUsed(client: Send, roleName: string): Promise<Date | undefined | "missing"> {
  const iam = load<IamModule>("@aws-sdk/client-iam");
  try {
    const out = await client.send(new iam.GetRoleCommand({ RoleName: roleName }));
    const used = (out.Role as { RoleLastUsed?: { LastUsedDate?: Date } } | undefined)?.RoleLastUsed?.LastUsedDate;
    return used ? new Date(used) : undefined;
  } catch (e) {
    if (isMissing(e)) return "missing";
    throw e;
  }
}

/** Each member of a group with the latest use of their console password or any of their access keys. */
export async function groupMembersLastUsed(client: Send, groupName: string): Promise<{ user: string; lastUsed?: Date }[]> {
  const iam = load<IamModule>("@aws-sdk/client-iam");
  const users: string[] = [];
  try {
    let marker: string | undefined;
    do {
      const out = await client.send(new iam.GetGroupCommand({ GroupName: groupName, ...(marker ? { Marker: marker } : {}) }));
      users.push(...((out.Users as { UserName: string }[] | undefined) ?? []).map((u) => u.UserName));
      marker = out.IsTruncated ? (out.Marker as string) : undefined;
    } while (marker);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const members: { user: string; lastUsed?: Date }[] = [];
  for (const user of users.sort()) {
    const dates: Date[] = [];
    const u = (await client.send(new iam.GetUserCommand({ UserName: user }))).User as { PasswordLastUsed?: Date } | undefined;
    if (u?.PasswordLastUsed) dates.push(new Date(u.PasswordLastUsed));
    const keys = ((await client.send(new iam.ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata as { AccessKeyId: string }[] | undefined) ?? [];
    for (const k of keys) {
      const last = (await client.send(new iam.GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }))).AccessKeyLastUsed as { LastUsedDate?: Date } | undefined;
      if (last?.LastUsedDate) dates.push(new Date(last.LastUsedDate));
    }
    const latest = dates.sort((a, b) => b.getTime() - a.getTime())[0];
    members.push({ user, ...(latest ? { lastUsed: latest } : {}) });
  }
  return members;
}
