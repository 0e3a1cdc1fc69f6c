/**
 * Terraform reads `${...}` and `%{...}` in any string of its JSON syntax as a
 * template (https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping).
 * Strings that come from the map (IAM policy variables such as `${aws:username}`
 * in a resource ARN, tag values) must reach AWS as written, so they are escaped
 * as `$${` and `%%{`, which Terraform turns back into `${` and `%{`.
 */
export function tfLiteral(s: string): string {
  return s.replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
}

/** Escapes every key and value of a string map. */
export function tfLiterals(m: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [tfLiteral(k), tfLiteral(v)]));
}
