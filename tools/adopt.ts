/**
 * `npm run adopt -- <stack...> [--out DIR] [--parallel N]`: finds the resources
 * each named stack declares (roles, groups, customer managed policies, and every
 * resource kind: buckets, queues, topics, secrets, key aliases) that exist in the
 * account but not in the stack's state, records them in the map's import records
 * (`<map>.imports.yaml`, config/imports.ts) so that the next plan imports them, and
 * prints what the first apply will change on each, what grants more than the map
 * first (tools/adopt-changes.ts).
 *
 * It asks Terraform, not an AWS SDK: the stack is synthesized, an extra file
 * beside it (`adopt.tf.json`, removed afterwards) holds an import block per
 * candidate and probes that read a role's or group's inline policies and
 * attachments; `terraform plan` says which do not exist ("Cannot import
 * non-existent remote object"), a second plan without them gives the existing
 * objects (`before`) beside the map's (`after`), and a third finds a key through
 * its alias. A key with no alias (a deploy killed between creating it and its
 * alias) is looked up by the tag the program writes on every key, then by each
 * tagged key's state, and the live one is recorded under `kmsKeys`
 * (tools/adopt-keys.ts). Nothing is applied. A resource that exists but cannot be adopted (a
 * role under another path, a bucket another account owns) is a located error,
 * exit 1, and no records are written at all.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { synthesizeModel } from "../app";
import { ConfigError } from "../config/errors";
import { ADOPT_SECTIONS, type ImportRecord, importsFileOf, renderImports } from "../config/imports";
import { DEFAULT_MAP, loadAccountMap } from "../config/load";
import type { Account } from "../config/model";
import { byCodePoint } from "../config/order";
import { tfName } from "../stacks/names";
import { nextRecords, unreadableState } from "./adopt-records";
import { chooseTaggedKey, dataValues, type DataPlanJson, KEY_DATA, keyIdOf, TAGGED, taggedKeyArns, taggedKeysQuery } from "./adopt-keys";
import { KEY_TAG } from "../resources/kms";
import { type AdoptFinding, type Adoption, adoptChanges, type AdoptPlanJson, HOLDERS, renderAdoptChanges } from "./adopt-changes";
import { type Command, CommandError, parseCommandLine, positiveInteger, requireAwsCredentials, runCommand, UsageError } from "./cli";
import { firstTerraformError } from "./plan-summary";
import { eachAtMost } from "./terraform-stacks";

const run = promisify(execFile);

const COMMAND: Command = {
  name: "adopt",
  synopsis: "npm run adopt -- <stack...> [--out DIR] [--parallel N]",
  help: `usage: npm run adopt -- <stack...> [--out DIR] [--parallel N]

Finds what each named stack declares (roles, groups, customer managed policies,
buckets, queues, topics, secrets, key aliases) that already exists in its account
but is not in the stack's state, and records it in the map's import records
(config/accounts.imports.yaml beside config/accounts.yaml, or beside the file
ACCOUNT_MAP names), so that the next plan imports it instead of creating it.
Prints what the first apply will change on each adopted resource; what grants
more than the map comes first. Applies nothing. A resource that exists but cannot
be adopted (a role under another path, a bucket of another account) is an error:
exit 1, nothing recorded. Run it again after the deploy: it drops the records the
deploy imported (no-ops then) and removes the file when none is left. After a
deploy killed half way it finds what was created but not recorded in the state,
a KMS key created before its alias by the tag every key carries (kmsKeys).

  stack...        the stacks (accounts) to adopt into
  --out DIR       where the stacks are synthesized (default: cdktf.out)
  --parallel N    plans at a time, a positive integer (default: 2)
  -h, --help      this text

Needs the credentials deploy needs (AWS_PROFILE, or AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY; README, "Deploying for real"); with LOCAL_AWS_ENDPOINT set
the stacks point at that emulator, as npm run e2e does.
`,
};

const OPTIONS = { out: { type: "string" }, parallel: { type: "string" } } as const;

const PROBE = "adopt-probe";
const EXTRA_FILE = "adopt.tf.json";
const PLAN_FILE = "adopt.tfplan";

type TfJson = {
  terraform?: { backend?: { local?: { path?: string } } };
  resource?: Record<string, Record<string, { provider?: string; tags?: Record<string, string> } & Record<string, unknown>>>;
  import?: { to: string; id: string }[];
};

/** A resource adopt looks for: where it is in the stack and the map, and how Terraform finds it. */
interface Candidate extends Adoption {
  readonly section: string;
  readonly provider: string;
  readonly lookupId: string;
  /** Recorded already: the stack imports it itself. */
  readonly recorded: boolean;
  /** Found by its tag (a key without its alias): the tag's value on the synthesized key. */
  readonly tagValue?: string;
}

/** A key looked up by its tag, stage by stage: the tagged keys' ARNs, then their states, then the import of the live one. */
interface TagLookup {
  readonly candidate: Candidate;
  stage: "tag" | "state" | "import";
  arns: readonly string[];
  chosen?: string;
  others: readonly string[];
}

interface StackResult {
  readonly stack: string;
  readonly records: ImportRecord[];
  readonly findings: AdoptFinding[];
  readonly errors: string[];
}

const terraform = (dir: string) => (...args: string[]) => run("terraform", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024 });

/**
 * Addresses in the stack's state; none when it has no state yet, or when a deploy
 * was killed before its first write (the local backend's file is then empty, which
 * Terraform reads as no state). A file cut short by the kill is an error that says
 * how to recover (tools/adopt-records.ts).
 */
async function stateAddresses(stack: string, dir: string, config: TfJson): Promise<Set<string>> {
  try {
    const { stdout } = await terraform(dir)("state", "list", "-no-color");
    return new Set(stdout.split("\n").map((l) => l.trim()).filter(Boolean));
  } catch (e) {
    const out = `${(e as { stderr?: string }).stderr ?? ""}${(e as { stdout?: string }).stdout ?? ""}`;
    if (/No state file was found/i.test(out)) return new Set();
    const local = config.terraform?.backend?.local?.path;
    const unreadable = unreadableState(stack, out, local === undefined ? undefined : resolve(dir, local));
    if (unreadable) throw new CommandError(unreadable);
    throw new CommandError(`terraform state list failed in ${dir}:\n${firstTerraformError(out)}`);
  }
}

/**
 * Every declared resource of the account that its synthesized stack holds. A key
 * to look up by its tag is left out when the stack imports it through another
 * record (a key's record under `keys`, found through its alias).
 */
function candidatesOf(account: Account, tf: TfJson, records: ReadonlySet<string>): Candidate[] {
  const imported = new Set((tf.import ?? []).map((i) => i.to));
  const out: Candidate[] = [];
  for (const s of ADOPT_SECTIONS) {
    for (const d of s.declared(account)) {
      const label = tfName(...(s.label?.(d.name) ?? [d.name]));
      const address = `${s.adopt.resourceType}.${label}`;
      const config = tf.resource?.[s.adopt.resourceType]?.[label];
      if (!config?.provider) continue;
      const recorded = records.has(`${s.section}/${d.name}`);
      if (s.byTag && !recorded && imported.has(address)) continue;
      const holder = HOLDERS[s.adopt.resourceType];
      out.push({
        address,
        noun: s.noun,
        name: d.name,
        section: s.section,
        provider: config.provider,
        lookupId: s.adopt.lookupId(d.name, account.id, d.region),
        recorded: s.byTag ? recorded : imported.has(address),
        ...(s.byTag && config.tags?.[KEY_TAG] ? { tagValue: config.tags[KEY_TAG] } : {}),
        ...(holder ? { probes: { inline: `${holder.exclusiveInline}.${PROBE}__${tfName(d.name)}`, attachments: `${holder.exclusiveAttachments}.${PROBE}__${tfName(d.name)}` } } : {}),
      });
    }
  }
  return out;
}

/** The extra configuration: an import block per candidate to look for, the probes of roles and groups, and the lookups of keys by their tag. */
function extraConfig(candidates: readonly Candidate[], keys: ReadonlyMap<string, { address: string; id: string; provider: string }>, tagged: readonly TagLookup[]): object {
  const imports: { to: string; id: string; provider: string }[] = [];
  const resources: Record<string, Record<string, object>> = {};
  const data: Record<string, Record<string, object>> = {};
  for (const t of tagged) {
    const c = t.candidate;
    if (t.stage === "tag") (data[TAGGED] ??= {})[probeLabel(c)] = taggedKeysQuery(c.provider, c.tagValue!);
    else if (t.stage === "state") t.arns.forEach((arn, i) => ((data[KEY_DATA] ??= {})[`${probeLabel(c)}__${i}`] = { provider: c.provider, key_id: arn }));
    else if (t.chosen) imports.push({ to: c.address, id: keyIdOf(t.chosen), provider: c.provider });
  }
  for (const c of candidates) {
    if (!c.recorded) imports.push({ to: c.address, id: c.lookupId, provider: c.provider });
    const holder = HOLDERS[c.address.split(".")[0]];
    if (holder && c.probes) {
      for (const [address, list] of [[c.probes.inline, "policy_names"], [c.probes.attachments, "policy_arns"]] as const) {
        const [type, name] = address.split(".");
        (resources[type] ??= {})[name] = { provider: c.provider, [holder.probeLink]: c.name, [list]: [] };
        imports.push({ to: address, id: c.name, provider: c.provider });
      }
    }
  }
  for (const k of keys.values()) imports.push({ to: k.address, id: k.id, provider: k.provider });
  return {
    "//": "written by npm run adopt while it looks; removed when it is done",
    import: imports,
    ...(Object.keys(resources).length > 0 ? { resource: resources } : {}),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

/** The label of a key's lookups: `adopt-probe__<the key's label>`. */
const probeLabel = (c: Candidate) => `${PROBE}__${c.address.slice(c.address.indexOf(".") + 1)}`;

interface Diagnostic {
  readonly summary: string;
  readonly detail: string;
  readonly address?: string;
}

/** Error diagnostics of `terraform plan -json`. */
function planErrors(stdout: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const m = JSON.parse(line) as { type?: string; diagnostic?: { severity?: string; summary?: string; detail?: string; address?: string } };
      if (m.type === "diagnostic" && m.diagnostic?.severity === "error") out.push({ summary: m.diagnostic.summary ?? "", detail: m.diagnostic.detail ?? "", address: m.diagnostic.address });
    } catch {
      // Not a JSON line (Terraform's own crash output): the caller reports the output.
    }
  }
  return out;
}

/** The address a diagnostic is about: its own field, or the `to "<address>"` of an import's message. */
const addressOf = (d: Diagnostic): string | undefined => d.address ?? /to "([^"]+)"/.exec(d.detail)?.[1] ?? /\b(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(`${d.summary} ${d.detail}`)?.[1];

async function adoptStack(account: Account, dir: string, locate: (c: Candidate) => string, records: ReadonlySet<string>): Promise<StackResult> {
  const tf = terraform(dir);
  const stack = account.name;
  const errors: string[] = [];
  const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as TfJson;
  const inState = await stateAddresses(stack, dir, config);
  const all = candidatesOf(account, config, records).filter((c) => !inState.has(c.address));
  // Keys without a record are looked up by their tag, beside the rest; a recorded one the stack imports itself.
  let tagged: TagLookup[] = all.filter((c) => c.tagValue !== undefined && !c.recorded).map((candidate) => ({ candidate, stage: "tag", arns: [], others: [] }));
  let candidates = all.filter((c) => !tagged.some((t) => t.candidate === c));
  const keys = new Map<string, { address: string; id: string; provider: string }>();
  const extra = join(dir, EXTRA_FILE);
  try {
    for (let round = 1; round <= 6; round++) {
      writeFileSync(extra, `${JSON.stringify(extraConfig(candidates, keys, tagged), null, 2)}\n`);
      let stdout = "";
      let failed = false;
      try {
        ({ stdout } = await tf("plan", "-input=false", "-no-color", "-lock-timeout=60s", "-json", `-out=${PLAN_FILE}`));
      } catch (e) {
        stdout = (e as { stdout?: string }).stdout ?? "";
        failed = true;
        if (!stdout) throw new CommandError(`${stack}: terraform plan failed:\n${firstTerraformError((e as { stderr?: string }).stderr ?? (e as Error).message)}`);
      }
      if (failed) {
        const diagnostics = planErrors(stdout);
        const missing = new Set(diagnostics.filter((d) => /non-existent remote object/i.test(d.summary)).map(addressOf).filter((a): a is string => a !== undefined));
        const others = diagnostics.filter((d) => !/non-existent remote object/i.test(d.summary));
        if (others.length > 0) {
          for (const d of others) {
            const address = addressOf(d);
            const c = [...candidates, ...tagged.map((t) => t.candidate)].find((x) => x.address === address || x.probes?.inline === address || x.probes?.attachments === address || (address ?? "").includes(probeLabel(x)));
            const why = /\b403\b|AccessDenied|Forbidden/i.test(`${d.summary} ${d.detail}`) ? "exists but this account cannot read it (another account owns it, or the deploy role may not read it)" : "cannot be looked up";
            errors.push(c ? `${locate(c)} ${c.noun} ${c.name}: ${why}: ${d.summary} (${firstLine(d.detail)}; rename it in the map, or remove the existing one)` : `${stack}: terraform plan failed: ${d.summary}${d.detail ? `: ${firstLine(d.detail)}` : ""}`);
          }
          return { stack, records: [], findings: [], errors };
        }
        if (missing.size === 0) throw new CommandError(`${stack}: terraform plan failed:\n${stdout.split("\n").slice(-20).join("\n")}`);
        const stale = candidates.filter((c) => c.recorded && missing.has(c.address));
        if (stale.length > 0) {
          for (const c of stale) errors.push(`${locate(c)} ${c.noun} ${c.name} is recorded in the import records, but no such ${c.noun} exists in account ${account.id} (remove its record)`);
          return { stack, records: [], findings: [], errors };
        }
        // Not there: nothing to adopt for these, and a role's or group's probes go with it.
        const gone = (c: Candidate) => missing.has(c.address) || (c.probes !== undefined && (missing.has(c.probes.inline) || missing.has(c.probes.attachments)));
        candidates = candidates.flatMap((c) => (!gone(c) ? [c] : c.recorded ? [{ ...c, probes: undefined }] : []));
        for (const [k, v] of keys) if (missing.has(v.address)) keys.delete(k);
        // A tagged key gone between the lookup and its import: nothing to adopt.
        tagged = tagged.filter((t) => !(t.stage === "import" && missing.has(t.candidate.address)));
        continue;
      }
      const { stdout: shown } = await tf("show", "-json", PLAN_FILE);
      const plan = JSON.parse(shown) as AdoptPlanJson & DataPlanJson & { resource_changes?: { address: string; change: { before?: Record<string, unknown> | null; importing?: { id: string } } }[] };
      // A key is found through its alias: once the alias is imported, import the key it names too.
      let more = false;
      for (const c of candidates) {
        const s = ADOPT_SECTIONS.find((x) => x.section === c.section)!;
        if (!s.adopt.through || keys.has(c.address) || c.recorded) continue;
        const before = plan.resource_changes?.find((r) => r.address === c.address)?.change.before;
        const id = before ? s.adopt.recordId?.(before) : undefined;
        const address = `${s.adopt.through.resourceType}.${c.address.slice(c.address.indexOf(".") + 1)}`;
        if (id && !inState.has(address)) {
          keys.set(c.address, { address, id, provider: c.provider });
          more = true;
        }
      }
      // A key found through its alias needs no tag lookup; the others go on to their next stage.
      const throughAlias = new Set([...keys.values()].map((k) => k.address));
      tagged = tagged.flatMap((t): TagLookup[] => {
        if (throughAlias.has(t.candidate.address)) return [];
        if (t.stage === "tag") {
          const arns = taggedKeyArns(plan, `data.${TAGGED}.${probeLabel(t.candidate)}`) ?? [];
          if (arns.length === 0) return [];
          more = true;
          return [{ ...t, stage: "state", arns }];
        }
        if (t.stage === "state") {
          const states = new Map(t.arns.map((arn, i) => [arn, dataValues(plan, `data.${KEY_DATA}.${probeLabel(t.candidate)}__${i}`)?.key_state as string | undefined]));
          const { chosen, others } = chooseTaggedKey(states);
          if (!chosen) return [];
          more = true;
          return [{ ...t, stage: "import", chosen, others }];
        }
        return [t];
      });
      if (more) continue;
      // The keys imported with their aliases are adopted too (before the alias, whose listing would otherwise say nothing changes).
      const adoptions: Candidate[] = [];
      for (const c of candidates) {
        const k = keys.get(c.address);
        if (k) adoptions.push({ ...c, address: k.address, recorded: false, probes: undefined });
        adoptions.push(c);
      }
      adoptions.push(...tagged.map((t) => t.candidate));
      const { findings, refusals } = adoptChanges(plan, adoptions);
      for (const t of tagged) {
        if (t.others.length > 0) {
          findings.push({
            resource: `${t.candidate.noun} ${t.candidate.name}`,
            widens: false,
            text: `${t.others.length} other key${t.others.length === 1 ? "" : "s"} carry its tag (${t.others.map(keyIdOf).join(", ")}): left as they are, extra keys of killed deploys; schedule them for deletion by hand`,
          });
        }
      }
      for (const r of refusals) errors.push(`${locate(r.adoption as Candidate)} ${r.adoption.noun} ${r.adoption.name} ${r.reason} (rename it in the map, or remove or rename the existing one)`);
      const records: ImportRecord[] = [];
      for (const c of [...candidates, ...tagged.map((t) => t.candidate)]) {
        const rc = plan.resource_changes?.find((r) => r.address === c.address);
        if (!rc?.change.importing) continue;
        const s = ADOPT_SECTIONS.find((x) => x.section === c.section)!;
        const id = (rc.change.before && s.adopt.recordId?.(rc.change.before)) ?? rc.change.importing.id;
        records.push({ account: stack, section: c.section, name: c.name, id });
      }
      return { stack, records, findings, errors };
    }
    throw new CommandError(`${stack}: the resources to adopt did not settle after six plans`);
  } finally {
    rmSync(extra, { force: true });
    rmSync(join(dir, PLAN_FILE), { force: true });
  }
}

const firstLine = (s: string) => s.split("\n").map((l) => l.trim()).find(Boolean) ?? "";

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(COMMAND, OPTIONS, process.argv.slice(2));
  const parallel = values.parallel === undefined ? 2 : positiveInteger("--parallel", values.parallel);
  const outdir = values.out ?? "cdktf.out";
  const mapFile = process.env.ACCOUNT_MAP || DEFAULT_MAP;
  let loaded;
  try {
    loaded = await loadAccountMap(mapFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const { model, source } = loaded;
  const names = model.accounts.map((a) => a.name);
  if (positionals.length === 0) throw new UsageError(`name the stacks to adopt into (accounts in ${mapFile}: ${names.join(", ")})`);
  const unknown = positionals.filter((p) => !names.includes(p));
  if (unknown.length > 0) throw new UsageError(`unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => JSON.stringify(s)).join(", ")} (accounts in ${mapFile}: ${names.join(", ")})`);
  const accounts = [...new Set(positionals)].sort(byCodePoint).map((n) => model.accounts.find((a) => a.name === n)!);
  requireAwsCredentials(accounts.map((a) => ({ stack: a.name, roleArn: a.deployRoleArn })));

  synthesizeModel(model, { outdir, localEndpoint: process.env.LOCAL_AWS_ENDPOINT || undefined });
  const dirOf = (a: Account) => join(outdir, "stacks", a.name);
  for (const a of accounts) {
    process.stderr.write(`adopt: ${a.name}: terraform init\n`);
    try {
      await terraform(dirOf(a))("init", "-input=false", "-no-color");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new CommandError("terraform is not on PATH (install Terraform 1.10 or later)");
      throw new CommandError(`${a.name}: terraform init failed:\n${firstTerraformError(`${(e as { stderr?: string }).stderr ?? ""}\n${(e as { stdout?: string }).stdout ?? ""}`)}`);
    }
  }
  const recordsOf = (a: Account) => new Set((model.imports ?? []).filter((r) => r.account === a.name).map((r) => `${r.section}/${r.name}`));
  const locate = (a: Account) => (c: Candidate) => {
    // A key of an owner is declared where its owner is (`kmsKeys`, `ownKeys` `secrets/x`: accounts.<a>.secrets.x).
    const [owner, ...name] = c.name.split("/");
    const path = ADOPT_SECTIONS.find((s) => s.section === c.section)?.label ? ["accounts", a.name, owner, name.join("/")] : ["accounts", a.name, c.section, c.name];
    const at = source.locate(path, { key: true });
    return `${mapFile}:${at.line}:${at.column} ${at.path}:`;
  };
  const results: StackResult[] = [];
  await eachAtMost(accounts, parallel, async (a) => {
    process.stderr.write(`adopt: ${a.name}: looking for what exists\n`);
    results.push(await adoptStack(a, dirOf(a), locate(a), recordsOf(a)));
  });
  results.sort((a, b) => byCodePoint(a.stack, b.stack));
  const errors = results.flatMap((r) => r.errors);
  if (errors.length > 0) {
    process.stderr.write(`${errors.join("\n")}\n${errors.length} resource${errors.length === 1 ? "" : "s"} cannot be adopted; nothing was recorded.\n`);
    return 1;
  }
  const found = results.flatMap((r) => r.records);
  const { records, dropped } = nextRecords(model.imports ?? [], new Set(accounts.map((a) => a.name)), found);
  const file = importsFileOf(mapFile);
  const noun = (x: ImportRecord) => `${ADOPT_SECTIONS.find((s) => s.section === x.section)!.noun} ${x.name}`;
  for (const r of results) {
    process.stdout.write(`adopt: ${r.stack}: ${r.records.length === 0 ? "nothing declared exists outside the state" : r.records.map(noun).join(", ")}\n`);
    const gone = dropped.filter((x) => x.account === r.stack);
    if (gone.length > 0) process.stdout.write(`adopt: ${r.stack}: record${gone.length === 1 ? "" : "s"} dropped, in the state now (a deploy imported ${gone.length === 1 ? "it" : "them"}): ${gone.map(noun).join(", ")}\n`);
  }
  if (records.length > 0) writeFileSync(file, renderImports(records));
  else if (existsSync(file)) {
    // Every record is deployed: an import block of a resource in the state is a no-op, so the file goes.
    rmSync(file);
    process.stdout.write(`adopt: no records left: removed ${file}\n`);
  }
  if (found.length > 0) {
    process.stdout.write(`${renderAdoptChanges(results)}\n`);
    process.stdout.write(`adopt: ${found.length} resource${found.length === 1 ? "" : "s"} recorded in ${file}: review it and the changes above, then synth and deploy (the plan imports them).\n`);
  }
  return 0;
}

runCommand(COMMAND, main);
