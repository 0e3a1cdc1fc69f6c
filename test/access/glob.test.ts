/**
 * IAM patterns matched without compiled RegExps (access/policy-json.ts): the same
 * answers as a RegExp built from the pattern (`*` any run, `?` one character, a
 * policy variable anything), on patterns and values drawn at random from the
 * characters that make the cases (wildcards, the variable's braces, case).
 */
import fc from "fast-check";
import { globMatches, wildcardMatches } from "../../access/policy-json";

/** The reference: the pattern as a RegExp, as the matcher was before. */
function reference(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const body = pattern
    .split(/(\$\{[^}]*\})/)
    .map((part, i) => (i % 2 === 1 ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")))
    .join("");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s").test(value);
}

const text = (chars: string, maxLength: number) => fc.array(fc.constantFrom(...chars), { maxLength }).map((cs) => cs.join(""));

test("a pattern matches what its RegExp matches, with and without case, policy variables included", () => {
  fc.assert(
    fc.property(text("aAb*?:/${}.", 12), text("aAbB:/${}.", 14), fc.boolean(), (pattern, value, ci) => {
      expect(globMatches(pattern, value, ci)).toBe(reference(pattern, value, ci));
    }),
    { numRuns: 20000 },
  );
});

test("the cases by name: runs, single characters, backtracking, trailing stars, variables", () => {
  expect(wildcardMatches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y")).toBe(true);
  expect(wildcardMatches("arn:aws:s3:::b/*", "arn:aws:s3:::c/x")).toBe(false);
  expect(wildcardMatches("a*b*c", "aXbYbZc")).toBe(true);
  expect(wildcardMatches("a*bc", "abcbd")).toBe(false);
  expect(wildcardMatches("secret-??????", "secret-AbCdEf")).toBe(true);
  expect(wildcardMatches("secret-??????", "secret-AbCdE")).toBe(false);
  expect(wildcardMatches("x**", "x")).toBe(true);
  expect(wildcardMatches("", "")).toBe(true);
  expect(wildcardMatches("", "a")).toBe(false);
  expect(globMatches("s3:Get*", "S3:GETOBJECT")).toBe(true);
  expect(globMatches("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false)).toBe(false);
  expect(globMatches("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/notes", false)).toBe(true);
});
