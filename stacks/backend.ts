/**
 * Where a stack keeps its state: the one function that writes a stack's backend
 * block. The account stacks call it, and so do the tools that read or destroy a
 * stack's state without the stack (tools/deployed-states.ts, tools/retire.ts), so
 * a stack's state address (file, bucket key, workspace) is computed here only.
 */
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from "cdktf";
import type { StateBackend } from "../config/model";

/** The S3 backend's object key for a stack. */
export const stateKey = (stack: string): string => `${stack}/terraform.tfstate`;

/** The local backend's state file of a stack, relative to the stack's working directory (`<out>/stacks/<stack>`). */
export const localStatePath = (stack: string): string => `../../../terraform.${stack}.tfstate`;

/** The HCP Terraform workspace of a stack. */
export const cloudWorkspace = (state: { readonly workspacePrefix: string }, stack: string): string => `${state.workspacePrefix}${stack}`;

/** Where a stack's state is, for people: the state file's name, `s3://<bucket>/<key>`, or the workspace. */
export function stateLocation(state: StateBackend, stack: string): string {
  if (state.backend === "local") return `terraform.${stack}.tfstate`;
  if (state.backend === "s3") return `s3://${state.bucket}/${stateKey(stack)}`;
  return `workspace ${cloudWorkspace(state, stack)} of ${state.organization}`;
}

/**
 * The S3 backend settings for an emulator: its endpoint, path-style requests, no
 * account or credential lookups the emulator cannot answer, and for an https
 * endpoint no certificate check (emulators serve self-signed certificates).
 */
function localBackendSettings(endpoint: string) {
  return {
    endpoints: { s3: endpoint, sts: endpoint, iam: endpoint },
    usePathStyle: true,
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipRegionValidation: true,
    skipMetadataApiCheck: true,
    ...(endpoint.startsWith("https:") ? { insecure: true } : {}),
  };
}

/** Writes `stack`'s backend block (the stack's construct id is its name); `localEndpoint` as in AccountStackProps. */
export function addBackend(scope: TerraformStack, state: StateBackend, localEndpoint?: string): void {
  const name = scope.node.id;
  if (state.backend === "local") {
    // Relative to the stack's working directory (cdktf.out/stacks/<stack>): the
    // project root, where cdktf keeps local state, without a machine path in the output.
    new LocalBackend(scope, { path: localStatePath(name) });
    return;
  }
  if (state.backend === "cloud") {
    // One workspace per stack, so that HCP Terraform runs every stack's plans and applies on its own.
    new CloudBackend(scope, {
      organization: state.organization,
      workspaces: new NamedCloudWorkspace(cloudWorkspace(state, name)),
      ...(state.hostname !== undefined ? { hostname: state.hostname } : {}),
    });
    return;
  }
  const backend = new S3Backend(scope, {
    bucket: state.bucket,
    key: stateKey(name),
    region: state.region,
    encrypt: true,
    ...(state.roleArn ? { assumeRole: { roleArn: state.roleArn } } : {}),
    ...(localEndpoint ? localBackendSettings(localEndpoint) : {}),
  });
  // S3 native state locking (Terraform 1.10+); cdktf 0.21 has no property for it.
  backend.addOverride("use_lockfile", true);
}
