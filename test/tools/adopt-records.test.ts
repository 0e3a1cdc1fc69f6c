/**
 * What adopt does with the import records and an unreadable state
 * (tools/adopt-records.ts): after a deploy imported the records they are dropped,
 * other accounts' records stay; a state file cut short by a killed deploy is an
 * error that says how to recover. The Terraform output is what Terraform 1.x
 * printed for a local state file cut short.
 */
import type { ImportRecord } from "../../config/imports";
import { nextRecords, unreadableState } from "../../tools/adopt-records";

const rec = (account: string, section: string, name: string, id = name): ImportRecord => ({ account, section, name, id });

describe("the records after a run of adopt", () => {
  const previous = [rec("dev", "groups", "developers"), rec("prod", "roles", "StageRole"), rec("prod", "buckets", "production-test-bucket-101")];

  test("GIVEN prod's records deployed WHEN adopt runs on prod and finds nothing THEN prod's records are dropped, dev's kept", () => {
    expect(nextRecords(previous, new Set(["prod"]), [])).toEqual({
      records: [rec("dev", "groups", "developers")],
      dropped: [rec("prod", "roles", "StageRole"), rec("prod", "buckets", "production-test-bucket-101")],
    });
  });

  test("GIVEN a record not deployed yet WHEN adopt finds it again THEN it stays and is not dropped", () => {
    const found = [rec("prod", "roles", "StageRole")];
    expect(nextRecords(previous, new Set(["prod"]), found)).toEqual({
      records: [rec("dev", "groups", "developers"), rec("prod", "roles", "StageRole")],
      dropped: [rec("prod", "buckets", "production-test-bucket-101")],
    });
  });

  test("GIVEN no records WHEN adopt finds what a killed deploy left unrecorded THEN those are the records, none dropped", () => {
    const found = [rec("prod", "roles", "UpdateProdApp"), rec("prod", "policies", "read-write-prod-app-from-dev", "arn:aws:iam::111111111111:policy/read-write-prod-app-from-dev")];
    expect(nextRecords([], new Set(["prod"]), found)).toEqual({ records: found, dropped: [] });
  });

  test("GIVEN everything deployed WHEN adopt runs on every account THEN no record is left", () => {
    expect(nextRecords(previous, new Set(["dev", "prod"]), []).records).toEqual([]);
  });
});

describe("a state Terraform cannot read", () => {
  const cut = [
    "Failed to load state: 2 problems:",
    "",
    "- Unsupported state file format: The state file could not be parsed as JSON: syntax error at byte offset 45.",
    "- Unsupported state file format: The state file does not have a \"version\" attribute, which is required to identify the format version.",
  ].join("\n");

  test("GIVEN a local state file cut short THEN the message names the file, its backup and adopt again", () => {
    expect(unreadableState("prod", cut, "/repo/terraform.prod.tfstate")).toBe(
      [
        "prod: Terraform cannot read the stack's state (Unsupported state file format: The state file could not be parsed as JSON: syntax error at byte offset 45.): a deploy killed while it wrote /repo/terraform.prod.tfstate?",
        "  Move /repo/terraform.prod.tfstate aside (keep it), and put /repo/terraform.prod.tfstate.backup, the state the killed deploy started from, in its place if there is one;",
        "  then run adopt again: it records every declared resource that exists but is not in that state, and the deploy imports them.",
      ].join("\n"),
    );
  });

  test("GIVEN another failure of Terraform THEN it is not taken for an unreadable state", () => {
    expect(unreadableState("prod", "Error: Error acquiring the state lock", "/repo/terraform.prod.tfstate")).toBeUndefined();
    expect(unreadableState("prod", "No state file was found!", undefined)).toBeUndefined();
  });
});
