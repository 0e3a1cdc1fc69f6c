/**
 * What `npm run adopt` does with the import records and a stack's state, as pure
 * functions (tools/adopt.ts runs them; test/tools/adopt-records.test.ts tests them):
 * the records it writes after a run, which of the old ones it drops, and the
 * message for a state file a killed deploy left half written.
 */
import type { ImportRecord } from "../config/imports";

/** The records after adopting into `chosen`: the others' kept, the chosen ones' replaced by what this run found. */
export interface NextRecords {
  readonly records: readonly ImportRecord[];
  /**
   * Records of the chosen stacks that this run did not find again. Adopt reports a
   * record whose resource does not exist as an error, so these are the ones whose
   * resource is in the state now: a deploy imported them, and they are no-ops.
   */
  readonly dropped: readonly ImportRecord[];
}

const key = (r: ImportRecord) => `${r.account}\u0000${r.section}\u0000${r.name}`;

/** The records file's content after a run of adopt on `chosen` that found `found`. */
export function nextRecords(previous: readonly ImportRecord[], chosen: ReadonlySet<string>, found: readonly ImportRecord[]): NextRecords {
  const again = new Set(found.map(key));
  return {
    records: [...previous.filter((r) => !chosen.has(r.account)), ...found],
    dropped: previous.filter((r) => chosen.has(r.account) && !again.has(key(r))),
  };
}

/**
 * The message for a stack whose state Terraform cannot read, or undefined when
 * `output` (of a Terraform command) says something else. The local backend
 * rewrites its state file in place, so a deploy killed while it wrote the file
 * leaves it cut short; before its first write it copied the state it started from
 * to `<file>.backup`.
 */
export function unreadableState(stack: string, output: string, stateFile: string | undefined): string | undefined {
  if (!/Failed to load state|Unsupported state file format/i.test(output)) return undefined;
  const lines = output.split("\n").map((l) => l.trim().replace(/^- /, ""));
  // Terraform's first specific problem, else its summary line.
  const detail = lines.find((l) => /^Unsupported state file format/i.test(l)) ?? lines.find((l) => /Failed to load state/i.test(l)) ?? "";
  const file = stateFile ?? "its state file";
  return [
    `${stack}: Terraform cannot read the stack's state (${detail}): a deploy killed while it wrote ${file}?`,
    `  Move ${file} aside (keep it), and put ${stateFile ? `${stateFile}.backup` : "the .backup copy beside it"}, the state the killed deploy started from, in its place if there is one;`,
    `  then run adopt again: it records every declared resource that exists but is not in that state, and the deploy imports them.`,
  ].join("\n");
}
