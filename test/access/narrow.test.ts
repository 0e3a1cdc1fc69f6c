/**
 * What the narrowing reads of a document besides the cut: which request context
 * keys its statements name (access/effective.ts asks a condition's drop only of
 * the policies that name its key), before and after the compiled statements are
 * forgotten.
 */
import { forgetCompiled, namesContextKey } from "../../access/narrow";
import type { PolicyJson } from "../../access/types";

const doc = (statement: object): PolicyJson => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, statement] }) as unknown as PolicyJson;

describe("namesContextKey", () => {
  const mfa = doc({ Effect: "Deny", Action: "*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } });

  test("a key a condition names, in any letter case, is named; another key is not", () => {
    expect(namesContextKey(mfa, "aws:MultiFactorAuthPresent")).toBe(true);
    expect(namesContextKey(mfa, "AWS:multifactorauthpresent")).toBe(true);
    expect(namesContextKey(mfa, "aws:SecureTransport")).toBe(false);
  });

  test("a key that is only a value, not a condition key, is not named", () => {
    const value = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::aws:SecureTransport/*" });
    expect(namesContextKey(value, "aws:SecureTransport")).toBe(false);
  });

  test("a policy variable may read any key: every key is named", () => {
    const variable = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/${aws:username}/*" });
    expect(namesContextKey(variable, "aws:PrincipalOrgID")).toBe(true);
  });

  test("the same answers after the compiled statements are forgotten", () => {
    forgetCompiled();
    expect(namesContextKey(mfa, "aws:MultiFactorAuthPresent")).toBe(true);
    expect(namesContextKey(mfa, "aws:SecureTransport")).toBe(false);
  });
});
