/**
 * Terraform addresses from config names, never list positions, so addresses stay
 * stable when the map is reordered or grows.
 */

/**
 * A Terraform block label for a config name. Terraform labels take letters,
 * digits, `_` and `-`, and start with a letter or `_`; other characters IAM and S3
 * allow (`+ = , . @`) are written as `_<hex>_`.
 */
export function tfName(...parts: string[]): string {
  const label = parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)).join("__");
  return /^[A-Za-z_]/.test(label) ? label : `_${label}`;
}

/** The console's switch-role link for a role. */
export function switchRoleUrl(accountName: string, accountId: string, roleName: string): string {
  const q = new URLSearchParams({ roleName, account: accountId, displayName: `${accountName}-${roleName}` });
  return `https://signin.aws.amazon.com/switchrole?${q.toString()}`;
}
