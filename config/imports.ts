/**
 * Import records: resources that already exist in AWS and that the next plan
 * imports into their stack (Terraform `import` blocks) instead of creating them.
 * `npm run adopt` writes them; people review them like the map. They live next to
 * the map, `<map>.imports.yaml` (config/accounts.yaml → config/accounts.imports.yaml):
 *
 * ```yaml
 * version: 1
 * accounts:
 *   prod:
 *     roles:
 *       StageRole: StageRole                # section, declared name: the id Terraform imports
 *     buckets:
 *       production-test-bucket-101: production-test-bucket-101
 * ```
 *
 * Every record must name an account of the map, a section that can be adopted, a
 * name declared there, and an id of the form that section's resources have; each
 * problem is a located issue like the map's. A missing file is no records.
 */
import type { ConfigIssue } from "./errors";
import type { Account, Model, SharedResource } from "./model";
import { byCodePoint } from "./order";
import { Source, type PathSegment } from "./source";
import { escapeRegExp, type KindAdopt, type ResourceKind } from "../resources/kind";
import { KINDS, section } from "../resources";

/** One record: the resource `section/name` of `account` is imported with `id`. */
export interface ImportRecord {
  readonly account: string;
  readonly section: string;
  readonly name: string;
  readonly id: string;
}

/** A section of an account whose resources can be adopted: its declared names, and how adopt finds them. */
export interface AdoptSection {
  readonly section: string;
  readonly noun: string;
  /** Declared names and each one's region. */
  readonly declared: (account: Account) => readonly { readonly name: string; readonly region: string }[];
  readonly adopt: KindAdopt;
  /** The label parts of its Terraform address (`<type>.<label>`), when not the name alone (a key's owner: `secrets/x` → `secret`, `x`). */
  readonly label?: (name: string) => readonly string[];
  /** Found by the tag the program writes (resources/kms.ts), not by an import id: adopt looks it up with the tagging API first. */
  readonly byTag?: boolean;
}

/**
 * The section of the keys found by their tag, without their alias: a deploy killed
 * between creating a key and its alias leaves one. Its names are the keys' owners,
 * `<section>/<name>` (`keys/artifact-signing`, `secrets/ledger-db`); the record is the
 * key's id, and the stack imports the key alone (the deploy creates its alias).
 */
export const KMS_KEYS = "kmsKeys";

/**
 * The section of the own keys of resources found through their alias (`buckets/x`,
 * `secrets/x`, `topics/x`): the record is the key's id, and the stack imports the
 * key and its alias, as for a key under `keys`.
 */
export const OWN_KEYS = "ownKeys";

/** A key's owner, `<section>/<name>`: its kind and the resource's name. */
function ownerOf(owner: string): { kind: ResourceKind | undefined; name: string } {
  const [sectionName, ...rest] = owner.split("/");
  return { kind: (KINDS as readonly ResourceKind[]).find((k) => k.section === sectionName), name: rest.join("/") };
}

/** The label parts of an owner's key in its stack: `keys/x` → `x`; `secrets/x` → `secret`, `x` (resources/*-stack.ts). */
function ownerLabel(owner: string): readonly string[] {
  const { kind, name } = ownerOf(owner);
  return kind === undefined || kind.section === "keys" ? [name] : [kind.id, name];
}

const KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const exactly = (name: string) => new RegExp(`^${escapeRegExp(name)}$`);

/** IAM's sections first (roles, groups, customer managed policies), then each kind's, in registry order. */
export const ADOPT_SECTIONS: readonly AdoptSection[] = Object.freeze([
  {
    section: "roles",
    noun: "role",
    declared: (a: Account) => a.roles.map((r) => ({ name: r.name, region: a.region })),
    adopt: { resourceType: "aws_iam_role", lookupId: (name: string) => name, recordPattern: exactly, recordHint: "a role's record is its name" },
  },
  {
    section: "groups",
    noun: "group",
    declared: (a: Account) => a.groups.map((g) => ({ name: g.name, region: a.region })),
    adopt: { resourceType: "aws_iam_group", lookupId: (name: string) => name, recordPattern: exactly, recordHint: "a group's record is its name" },
  },
  {
    section: "policies",
    noun: "customer managed policy",
    declared: (a: Account) => a.policies.map((p) => ({ name: p.name, region: a.region })),
    adopt: {
      resourceType: "aws_iam_policy",
      lookupId: (name: string, accountId: string) => `arn:aws:iam::${accountId}:policy/${name}`,
      recordPattern: (name: string, accountId: string) => new RegExp(`^arn:aws:iam::${accountId}:policy/${escapeRegExp(name)}$`),
      recordHint: "a customer managed policy's record is its ARN, arn:aws:iam::<account id>:policy/<name> (a policy under another path cannot be adopted)",
    },
  },
  ...KINDS.map((kind) => ({
    section: kind.section,
    noun: kind.noun,
    declared: (a: Account) => section<{ name: string; region: string }>(a, kind).map((r) => ({ name: r.name, region: r.region })),
    adopt: kind.adopt,
  })),
  {
    // The own key of a resource (a bucket with encryption: kms, a secret, a topic published to from another
    // account), found through its alias as a key under `keys` is: a killed deploy may leave both, unrecorded.
    section: OWN_KEYS,
    noun: "own key of",
    declared: (a: Account) =>
      (KINDS as readonly ResourceKind[]).flatMap((kind) => (kind.key?.alias === undefined ? [] : section<SharedResource>(a, kind).filter((r) => r.ownKey).map((r) => ({ name: `${kind.section}/${r.name}`, region: r.region })))),
    label: ownerLabel,
    adopt: {
      resourceType: "aws_kms_alias",
      lookupId: (name: string) => {
        const { kind, name: resource } = ownerOf(name);
        return kind?.key?.alias?.(resource) ?? "";
      },
      recordPattern: () => KEY_ID,
      recordHint: "an own key's record is the id of the key its alias names (1234abcd-12ab-34cd-56ef-1234567890ab, or mrk-... for a multi-Region key)",
      recordId: (imported: Readonly<Record<string, unknown>>) => (typeof imported.target_key_id === "string" && imported.target_key_id !== "" ? imported.target_key_id : undefined),
      through: { resourceType: "aws_kms_key" },
    },
  },
  {
    section: KMS_KEYS,
    noun: "KMS key",
    // Every key the program creates for a kind: a key under `keys`, and the key of its own of each resource that has one.
    declared: (a: Account) =>
      KINDS.flatMap((kind) =>
        section<SharedResource>(a, kind)
          .filter((r) => kind.section === "keys" || r.ownKey)
          .map((r) => ({ name: `${kind.section}/${r.name}`, region: r.region })),
      ),
    label: ownerLabel,
    byTag: true,
    adopt: {
      resourceType: "aws_kms_key",
      lookupId: () => "",
      recordPattern: () => KEY_ID,
      recordHint: "a key's record under kmsKeys is the id of the key that carries its owner's tag (1234abcd-12ab-34cd-56ef-1234567890ab, or mrk-... for a multi-Region key)",
    },
  },
]);

/** The records file of a map: `x.yaml` → `x.imports.yaml`. */
export function importsFileOf(mapFile: string): string {
  return /\.ya?ml$/.test(mapFile) ? mapFile.replace(/\.(ya?ml)$/, ".imports.$1") : `${mapFile}.imports.yaml`;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (names: readonly string[]) => (names.length === 0 ? "none" : names.join(", "));

/**
 * Reads the records text against a resolved model. Returns the records (sorted by
 * account, section order, name) and the problems, each located in the records file.
 */
export function resolveImports(text: string, file: string, model: Model): { records: ImportRecord[]; issues: ConfigIssue[] } {
  const { source, value, issues } = Source.parse(text, file);
  if (issues.length > 0) return { records: [], issues };
  const records: ImportRecord[] = [];
  const report = (path: readonly PathSegment[], message: string, hint: string, key = true) =>
    issues.push({ file, ...source.locate(path, { key }), message, hint });
  if (value === null || value === undefined) return { records, issues };
  if (!isMap(value)) {
    report([], "the import records are not a mapping", "write version: 1 and accounts: <account>: <section>: <name>: <id>, as npm run adopt does", false);
    return { records, issues };
  }
  for (const key of Object.keys(value).sort(byCodePoint)) {
    if (key !== "version" && key !== "accounts") report([key], `unknown key ${JSON.stringify(key)}`, "the records file has version and accounts only");
  }
  if (value.version !== 1) report(value.version === undefined ? [] : ["version"], value.version === undefined ? "no version" : `version ${JSON.stringify(value.version)} is not supported`, "version: 1", false);
  const accounts = value.accounts ?? {};
  if (!isMap(accounts)) {
    report(["accounts"], "accounts is not a mapping", "accounts: <account>: <section>: <name>: <id>", false);
    return { records, issues };
  }
  const byName = new Map(model.accounts.map((a) => [a.name, a]));
  for (const accountName of Object.keys(accounts).sort(byCodePoint)) {
    const account = byName.get(accountName);
    if (!account) {
      report(["accounts", accountName], `account ${JSON.stringify(accountName)} is not in the map`, `accounts in the map: ${list([...byName.keys()])}; remove the records of an account that left the map`);
      continue;
    }
    const sections = accounts[accountName] ?? {};
    if (!isMap(sections)) {
      report(["accounts", accountName], "not a mapping", "<section>: <name>: <id>", false);
      continue;
    }
    for (const sectionName of Object.keys(sections)) {
      const adoptable = ADOPT_SECTIONS.find((s) => s.section === sectionName);
      if (!adoptable) {
        report(["accounts", accountName, sectionName], `${JSON.stringify(sectionName)} cannot be adopted`, `sections: ${ADOPT_SECTIONS.map((s) => s.section).join(", ")}`);
        continue;
      }
      const entries = sections[sectionName] ?? {};
      if (!isMap(entries)) {
        report(["accounts", accountName, sectionName], "not a mapping", "<name>: <id>", false);
        continue;
      }
      const declared = adoptable.declared(account);
      for (const name of Object.keys(entries)) {
        const path = ["accounts", accountName, sectionName, name];
        const found = declared.find((d) => d.name === name);
        if (!found) {
          const what = adoptable.byTag
            ? `${JSON.stringify(name)} is not a key that accounts.${accountName} declares (a key under keys, or the own key of a bucket with encryption: kms, a secret, or a topic published to from another account)`
            : `${adoptable.noun} ${JSON.stringify(name)} is not declared in accounts.${accountName}.${sectionName}`;
          report(path, what, `declared: ${list(declared.map((d) => d.name).sort(byCodePoint))}`);
          continue;
        }
        const id = entries[name];
        if (typeof id !== "string" || !adoptable.adopt.recordPattern(name, account.id, found.region).test(id)) {
          report(path, `${JSON.stringify(id)} is not the id of ${adoptable.noun} ${name} in account ${account.id}`, adoptable.adopt.recordHint, false);
          continue;
        }
        records.push({ account: accountName, section: sectionName, name, id });
      }
    }
  }
  // A key is imported once: found by its tag (kmsKeys), or through its alias (keys, ownKeys).
  for (const r of records.filter((x) => x.section === KMS_KEYS)) {
    const other = records.find((x) => x.account === r.account && ((x.section === OWN_KEYS && x.name === r.name) || (x.section === "keys" && `keys/${x.name}` === r.name)));
    if (other) {
      report(["accounts", r.account, KMS_KEYS, r.name], `the key of ${r.name} is recorded twice, here and under ${other.section}`, `keep one: ${other.section} for a key found through its alias, kmsKeys for one found by its tag without its alias`);
    }
  }
  const order = (s: string) => ADOPT_SECTIONS.findIndex((a) => a.section === s);
  records.sort((a, b) => byCodePoint(a.account, b.account) || order(a.section) - order(b.section) || byCodePoint(a.name, b.name));
  return { records: records.map((r) => Object.freeze(r)), issues };
}

/** One account's records, keyed `section/name` (what the stack builders read). */
export function importsOf(model: Model, account: string): ReadonlyMap<string, string> {
  return new Map((model.imports ?? []).filter((r) => r.account === account).map((r) => [`${r.section}/${r.name}`, r.id]));
}

/**
 * The records file's text for a set of records, as adopt writes it: a header
 * saying what it is, then accounts, sections and names in the order above.
 */
export function renderImports(records: readonly ImportRecord[]): string {
  const order = (s: string) => ADOPT_SECTIONS.findIndex((a) => a.section === s);
  const sorted = [...records].sort((a, b) => byCodePoint(a.account, b.account) || order(a.section) - order(b.section) || byCodePoint(a.name, b.name));
  const q = (s: string) => (/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(s) && !/^(?:true|false|null|yes|no|on|off|~|[0-9.+-].*)$/i.test(s) ? s : JSON.stringify(s));
  const lines = [
    "# Resources that already exist in AWS: the next plan of their stack imports each one",
    "# (a Terraform import block) instead of creating it. Written by npm run adopt; review",
    "# it with the map (README, \"Adopting an existing account\"). Once deployed, a record is",
    "# a no-op: npm run adopt on its stack again drops it (and this file when none is left).",
    "version: 1",
    sorted.length === 0 ? "accounts: {}" : "accounts:",
  ];
  let account = "";
  let sectionName = "";
  for (const r of sorted) {
    if (r.account !== account) {
      lines.push(`  ${q(r.account)}:`);
      account = r.account;
      sectionName = "";
    }
    if (r.section !== sectionName) {
      lines.push(`    ${r.section}:`);
      sectionName = r.section;
    }
    lines.push(`      ${q(r.name)}: ${q(r.id)}`);
  }
  return `${lines.join("\n")}\n`;
}
