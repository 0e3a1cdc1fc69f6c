/**
 * Account maps for the benchmark: reproducible from a seed, shaped like a real
 * organization at any size.
 *
 *   node scripts/bench/run.mjs generate --accounts 1000 [--seed 42] [--out FILE]
 *
 * (run.ts imports it; run.mjs bundles them with esbuild, as scripts/build.mjs bundles main.ts.)
 *
 * Shape:
 * - `identity`, the people's account: groups admins, developers and readers, each
 *   assuming the role of the same name in every other account; a `ci` role that
 *   CodeBuild assumes and that assumes `ci` in every other account; one bucket.
 * - every other account: roles admins, developers, readers (AWS managed policies)
 *   and ci (customer managed policy `ci-deploy`; assumable by identity's ci role,
 *   and by CodeBuild directly in about a third of the accounts); a group `oncall`;
 *   one bucket granting read-write to its own ci role, read to the previous and
 *   next account's ci role and read to the previous account's oncall group (the
 *   accounts form a ring).
 *   Each also has a queue (`<account>-jobs`) its own ci role sends to and the
 *   next account's ci role consumes, a topic (`<account>-deploys`) its own ci role
 *   publishes to and its oncall group subscribes to, in every second account also
 *   published to by the previous account's ci role (a publisher in another
 *   account: the topic has a key of its own; the others use alias/aws/sns), and a
 *   secret (`<account>/deploy-token`) read by its own ci role and the previous
 *   account's; every fifth account also a key (`<account>-signing`:
 *   encrypt-decrypt for its ci role, decrypt for the next account's) and a
 *   KMS-encrypted bucket (`encryption: kms`: read-write for its ci role, read for
 *   the next account's). Every grant names a neighbour, never identity's ci role:
 *   one grant per account on that role would put its inline policy past IAM's
 *   10,240 characters from a hundred accounts on (a key statement per topic key).
 * - three external vendors (with externalId), each assuming a read-only role in
 *   some of the accounts.
 * Account ids are unique 12-digit strings; bucket names are valid S3 names, unique
 * to the seed and size through a random token.
 */

/** A seeded generator: sfc32, seeded through splitmix32. Good enough for test data. */
export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

export function prng(seed: number): Rng {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

const TEAMS = [
  "payments", "checkout", "search", "catalog", "profiles", "billing", "ledger", "risk", "fraud", "ml",
  "data", "analytics", "platform", "edge", "mobile", "web", "support", "growth", "ads", "logistics",
  "inventory", "pricing", "notify", "media", "video", "maps", "auth", "gateway", "infra", "security",
];
const ENVS = ["prod", "staging", "dev", "sandbox"];
/** Home regions, weighted toward the default. */
const REGIONS = ["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1"];
const VENDORS = [
  { name: "vigil-monitoring", share: 0.3, policy: "ReadOnlyAccess" },
  { name: "tally-finops", share: 0.05, policy: "job-function/ViewOnlyAccess" },
  { name: "bastion-security", share: 0.12, policy: "SecurityAudit" },
];
/** The identity groups, each assuming the role of its name everywhere. */
const PEOPLE = [
  { role: "admins", managed: "AdministratorAccess", session: "1h" },
  { role: "developers", managed: "PowerUserAccess", session: "4h" },
  { role: "readers", managed: "ReadOnlyAccess", session: "8h" },
];

/** What a generated map declares. */
export interface MapSummary {
  readonly accounts: number;
  readonly seed: number;
  readonly externals: number;
  readonly roles: number;
  readonly groups: number;
  readonly buckets: number;
  /** Entries of every role's assumableBy. */
  readonly callers: number;
  /** Entries of every bucket's grants. */
  readonly bucketGrants: number;
  readonly queues: number;
  readonly topics: number;
  readonly secrets: number;
  readonly keys: number;
  /** Entries of every queue's, topic's, secret's and key's grants. */
  readonly otherGrants: number;
}

export interface GeneratedMap {
  readonly text: string;
  readonly summary: MapSummary;
}

interface Workload {
  readonly name: string;
  readonly id: string;
  readonly region: string;
  readonly codebuild: boolean;
  vendors: { name: string; policy: string }[];
}

const hex = (rng: Rng, n: number): string => Array.from({ length: n }, () => rng.int(16).toString(16)).join("");

/** The map of `accounts` accounts (at least 3: identity and two others) as YAML text. */
export function generateMap(opts: { accounts: number; seed?: number }): GeneratedMap {
  const total = opts.accounts;
  const seed = opts.seed ?? 42;
  if (!Number.isInteger(total) || total < 3) throw new Error(`accounts must be an integer of at least 3, got ${total}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  const rng = prng(seed * 1000003 + total);
  const token = hex(rng, 6);
  const ids = new Set<string>();
  const newId = (): string => {
    for (;;) {
      // 10^11 .. 10^12-1, from two draws (one draw has only 32 bits).
      const id = String(100_000_000_000 + rng.int(900_000) * 1_000_000 + rng.int(1_000_000));
      if (!ids.has(id)) {
        ids.add(id);
        return id;
      }
    }
  };

  const digits = String(total).length;
  const workloads: Workload[] = [];
  for (let i = 1; i < total; i++) {
    const name = `${rng.pick(TEAMS)}-${rng.pick(ENVS)}-${String(i).padStart(digits, "0")}`;
    workloads.push({ name, id: newId(), region: rng.pick(REGIONS), codebuild: rng.chance(1 / 3), vendors: [] });
  }
  const identityId = newId();
  const vendors = VENDORS.map((v) => ({ ...v, id: newId(), externalId: `${v.name.split("-")[0]}-${hex(rng, 10)}` }));
  for (const w of workloads) {
    // The monitoring vendor watches every prod account; each vendor also some others.
    w.vendors = vendors.filter((v) => (v.name === "vigil-monitoring" && w.name.includes("-prod-")) || rng.chance(v.share));
  }
  const bucketOf = (account: string) => `${token}-${account}-artifacts`;

  const out: string[] = [];
  const line = (s: string) => out.push(s);
  line(`# Generated by scripts/bench/generate.ts (accounts ${total}, seed ${seed}): do not edit.`);
  line("version: 1");
  line("");
  line("defaults:");
  line("  region: us-east-1");
  line("  deployRole: OrganizationAccountAccessRole");
  line("  maxSessionDuration: 1h");
  line("  requireMfa: true");
  line("  tags: { CostCenter: platform, ManagedBy: cross-account-bootstrap }");
  line("");
  line("organization:");
  line(`  id: o-${hex(rng, 10)}`);
  line("");
  line("state:");
  line("  backend: s3");
  line(`  bucket: ${token}-terraform-state`);
  line("  region: us-east-1");
  line("");
  line("external:");
  for (const v of vendors) {
    line(`  ${v.name}:`);
    line(`    id: "${v.id}"`);
    line(`    externalId: ${v.externalId}`);
  }
  line("");
  line("accounts:");
  line("  identity:");
  line(`    id: "${identityId}"`);
  line(`    groups: [${PEOPLE.map((p) => p.role).join(", ")}]`);
  line("    roles:");
  line("      ci: { assumableBy: [service/codebuild.amazonaws.com] }");
  line("    buckets:");
  line(`      ${bucketOf("identity")}:`);
  line("        grants:");
  line("          identity/admins: read-write");
  line("          identity/role/ci: read");

  let roles = 1;
  let callers = 1;
  let bucketGrants = 2;
  let buckets = total;
  let keys = 0;
  let otherGrants = 0;
  workloads.forEach((w, i) => {
    const n = workloads.length;
    const prev = workloads[(i - 1 + n) % n];
    const next = workloads[(i + 1) % n];
    line("");
    line(`  ${w.name}:`);
    line(`    id: "${w.id}"`);
    if (w.region !== "us-east-1") line(`    region: ${w.region}`);
    line("    groups: [oncall]");
    line("    policies:");
    line("      ci-deploy:");
    line(`        - { actions: [s3:GetObject, s3:PutObject], resources: ["arn:aws:s3:::${bucketOf(w.name)}/*"] }`);
    line(`        - { actions: [cloudformation:CreateStack, cloudformation:UpdateStack], resources: ["arn:aws:cloudformation:${w.region}:${w.id}:stack/${w.name}-*/*"] }`);
    line("    roles:");
    for (const p of PEOPLE) {
      const session = p.session === "1h" ? "" : `, maxSessionDuration: ${p.session}`;
      line(`      ${p.role}: { assumableBy: [identity/${p.role}], managedPolicies: [${p.managed}]${session} }`);
    }
    const ciCallers = w.codebuild ? "identity/role/ci, service/codebuild.amazonaws.com" : "identity/role/ci";
    line(`      ci: { assumableBy: [${ciCallers}], policies: [ci-deploy], requireMfa: false }`);
    for (const v of w.vendors) line(`      ${v.name}-read: { assumableBy: [external/${v.name}], managedPolicies: [${v.policy}] }`);
    roles += PEOPLE.length + 1 + w.vendors.length;
    callers += PEOPLE.length + (w.codebuild ? 2 : 1) + w.vendors.length;

    line("    buckets:");
    line(`      ${bucketOf(w.name)}:`);
    // One bucket in ten lives outside its account's home region: one more provider.
    if (rng.chance(0.1)) line(`        region: ${w.region === "eu-west-1" ? "eu-central-1" : "eu-west-1"}`);
    line("        grants:");
    line(`          ${w.name}/role/ci: read-write`);
    const neighbours = [...new Set([prev.name, next.name])].filter((x) => x !== w.name);
    for (const nb of neighbours) line(`          ${nb}/role/ci: read`);
    if (prev.name !== w.name) line(`          ${prev.name}/oncall: read`);
    bucketGrants += 1 + neighbours.length + (prev.name !== w.name ? 1 : 0);
    // No draw of the generator below: the names, ids and regions above stay those of earlier versions.
    const keyed = (i + 1) % 5 === 0;
    if (keyed) {
      line(`      ${token}-${w.name}-exports:`);
      line("        encryption: kms");
      line("        grants:");
      line(`          ${w.name}/role/ci: read-write`);
      if (next.name !== w.name) line(`          ${next.name}/role/ci: read`);
      buckets += 1;
      bucketGrants += next.name !== w.name ? 2 : 1;
    }
    const other = (x: Workload) => x.name !== w.name;
    line("    queues:");
    line(`      ${w.name}-jobs:`);
    line("        grants:");
    line(`          ${w.name}/role/ci: ${other(next) ? "send" : "send-consume"}`);
    if (other(next)) line(`          ${next.name}/role/ci: consume`);
    line("    topics:");
    line(`      ${w.name}-deploys:`);
    line("        grants:");
    line(`          ${w.name}/role/ci: publish`);
    line(`          ${w.name}/oncall: subscribe`);
    const crossPublisher = i % 2 === 1 && other(prev);
    if (crossPublisher) line(`          ${prev.name}/role/ci: publish`);
    line("    secrets:");
    line(`      ${w.name}/deploy-token:`);
    line("        grants:");
    line(`          ${w.name}/role/ci: read`);
    if (other(prev)) line(`          ${prev.name}/role/ci: read`);
    otherGrants += (other(next) ? 2 : 1) + (crossPublisher ? 3 : 2) + (other(prev) ? 2 : 1);
    if (keyed) {
      line("    keys:");
      line(`      ${w.name}-signing:`);
      line("        grants:");
      line(`          ${w.name}/role/ci: encrypt-decrypt`);
      if (other(next)) line(`          ${next.name}/role/ci: decrypt`);
      keys += 1;
      otherGrants += other(next) ? 2 : 1;
    }
  });
  line("");
  return {
    text: out.join("\n"),
    summary: {
      accounts: total,
      seed,
      externals: vendors.length,
      roles,
      groups: PEOPLE.length + workloads.length,
      buckets,
      callers,
      bucketGrants,
      queues: workloads.length,
      topics: workloads.length,
      secrets: workloads.length,
      keys,
      otherGrants,
    },
  };
}

/** The account `onboardOne` appends, and the workload account whose ci role reads its bucket. */
export const NEWCOMER = "newcomer";

/**
 * A generated map with one account onboarded at its end, as the generator writes
 * a workload account: people roles trusted from identity, a ci role, a bucket its
 * ci writes and the first workload account's ci reads. The stacks it changes
 * are the newcomer's, identity's (its people and ci may assume the new roles;
 * past IAM's quota their policies take the compact form and stay as they were)
 * and the neighbour's (its ci reads the new bucket).
 */
export function onboardOne(text: string): { text: string; neighbour: string } {
  const neighbour = /^ {2}([a-z]+-[a-z]+-[0-9]+):$/m.exec(text)?.[1];
  if (neighbour === undefined) throw new Error("onboardOne: the map has no workload account");
  // Not 999999999999 and below: the access check's outsider (an account nobody names) takes the first of those the map leaves
  // free (access/principals.ts), and a newcomer there would move it, changing every target's probes.
  let id = 899_999_999_999;
  while (text.includes(`"${id}"`)) id -= 1;
  const lines = [
    `  ${NEWCOMER}:`,
    `    id: "${id}"`,
    "    roles:",
    "      admins: { assumableBy: [identity/admins], managedPolicies: [AdministratorAccess] }",
    "      ci: { assumableBy: [identity/role/ci], requireMfa: false }",
    "    buckets:",
    `      ${NEWCOMER}-artifacts-${id}:`,
    "        grants:",
    `          ${NEWCOMER}/role/ci: read-write`,
    `          ${neighbour}/role/ci: read`,
  ];
  return { text: `${text.trimEnd()}\n\n${lines.join("\n")}\n`, neighbour };
}
