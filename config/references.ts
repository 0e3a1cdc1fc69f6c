/**
 * Caller references as users write them (`dev/developers`, `prod/role/StageRole`, `dev/sso/Developer`, `github/acme/infra@main`,
 * `external/acme-monitoring`, `service/ec2.amazonaws.com`), parsed into a tagged form.
 */

export type ParsedRef =
  | { readonly kind: "group"; readonly account: string; readonly group: string }
  | { readonly kind: "role"; readonly account: string; readonly role: string }
  | { readonly kind: "external"; readonly name: string }
  | { readonly kind: "service"; readonly service: string }
  | { readonly kind: "github"; readonly ref: string }
  | { readonly kind: "sso"; readonly account: string; readonly permissionSet: string };

export const REFERENCE_FORMS =
  "<account>/<group>, <account>/role/<role>, <account>/sso/<PermissionSet>, external/<name>, service/<principal> or github/<owner>/<repo>@<branch>";

/** Splits a reference into its parts; undefined when it has none of the forms. A `github/` reference is parsed whole by config/callers.ts. */
export function parseRef(ref: string): ParsedRef | undefined {
  if (ref.startsWith("github/")) return { kind: "github", ref };
  const parts = ref.split("/");
  if (parts.some((p) => p === "")) return undefined;
  if (parts.length === 2 && parts[0] === "external") return { kind: "external", name: parts[1] };
  if (parts.length === 2 && parts[0] === "service") return { kind: "service", service: parts[1] };
  if (parts.length === 2) return { kind: "group", account: parts[0], group: parts[1] };
  if (parts.length === 3 && parts[1] === "role") return { kind: "role", account: parts[0], role: parts[2] };
  if (parts.length === 3 && parts[1] === "sso") return { kind: "sso", account: parts[0], permissionSet: parts[2] };
  return undefined;
}

/** AWS service principals: `ec2.amazonaws.com`, `lambda.amazonaws.com`, ... */
export const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;
