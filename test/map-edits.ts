/**
 * Random edits of a small map's accounts, shared by the property tests that compare
 * an incremental run with a cold one (test/stacks/incremental.test.ts for the synth,
 * test/access/incremental.test.ts for the access check). Each test keeps its map as
 * data, adds the map-wide parts it edits, and names the accounts' callers its way.
 */

/** An account of such a map: roles with their trust, buckets with their grants. */
export interface EditedAccount {
  name: string;
  id: string;
  roles: Record<string, { assumableBy: string[]; requireMfa?: boolean }>;
  buckets: Record<string, { grants: Record<string, string> }>;
}

/** The accounts of such a map, the serial of the next account added, and the map-wide parts both tests edit. */
export interface EditedAccounts<A extends EditedAccount> {
  accounts: A[];
  serial: number;
  organization: boolean;
  /** The external vendor's external id. */
  externalId: string;
}

export const LEVELS = ["read", "read-write"];

/** The edits of the accounts and of the organization and external id; each test adds its own. */
export const ACCOUNT_OPS = ["addAccount", "removeAccount", "addGrant", "removeGrant", "changeLevel", "rename", "trust", "untrust", "organization", "externalId"] as const;
export type AccountOp = (typeof ACCOUNT_OPS)[number];
export const isAccountOp = (op: string): op is AccountOp => (ACCOUNT_OPS as readonly string[]).includes(op);

/** Drops every reference into an account (it is gone) or moves it (renamed to `to`); a role left trusting nobody trusts EC2. */
export function retargetAccounts(accounts: readonly EditedAccount[], from: string, to?: string): void {
  const move = (ref: string) => (ref.startsWith(`${from}/`) ? (to === undefined ? undefined : `${to}/${ref.slice(from.length + 1)}`) : ref);
  for (const a of accounts) {
    for (const role of Object.values(a.roles)) role.assumableBy = role.assumableBy.flatMap((r) => move(r) ?? []);
    for (const b of Object.values(a.buckets)) b.grants = Object.fromEntries(Object.entries(b.grants).flatMap(([r, l]) => (move(r) === undefined ? [] : [[move(r)!, l]])));
  }
  for (const a of accounts) for (const role of Object.values(a.roles)) if (role.assumableBy.length === 0) role.assumableBy = ["service/ec2.amazonaws.com"];
}

/**
 * Applies one edit of the accounts, chosen by `a` (which account) and `b` (which
 * caller, level or entry). `refs` are the callers the map offers, `fresh` makes a
 * new account from a serial, and `moved` updates what else of the map names an
 * account that is gone (`to` undefined) or renamed.
 */
export function applyAccountEdit<A extends EditedAccount>(
  m: EditedAccounts<A>,
  op: AccountOp,
  a: number,
  b: number,
  refs: readonly string[],
  fresh: (serial: number) => A,
  moved: (from: string, to?: string) => void,
): void {
  const acct = m.accounts[a % m.accounts.length];
  switch (op) {
    case "addAccount": {
      const added = fresh(m.serial++);
      added.roles.reader = { assumableBy: [refs[b % refs.length]] };
      m.accounts.splice(a % (m.accounts.length + 1), 0, added);
      return;
    }
    case "removeAccount":
      if (m.accounts.length <= 2) return;
      m.accounts.splice(m.accounts.indexOf(acct), 1);
      retargetAccounts(m.accounts, acct.name);
      moved(acct.name);
      return;
    case "rename": {
      const to = `${acct.name}x`;
      retargetAccounts(m.accounts, acct.name, to);
      moved(acct.name, to);
      acct.name = to;
      return;
    }
    case "addGrant": {
      const name = Object.keys(acct.buckets)[0] ?? `data-${acct.id}`;
      const bucket = (acct.buckets[name] ??= { grants: {} });
      bucket.grants[refs[b % refs.length]] = LEVELS[b % 2];
      return;
    }
    case "removeGrant":
    case "changeLevel": {
      const grants = Object.values(acct.buckets).flatMap((bucket) => Object.keys(bucket.grants).map((ref) => ({ bucket, ref })));
      if (grants.length === 0) return;
      const { bucket, ref } = grants[b % grants.length];
      if (op === "removeGrant") delete bucket.grants[ref];
      else bucket.grants[ref] = bucket.grants[ref] === "read" ? "read-write" : "read";
      return;
    }
    case "organization":
      m.organization = !m.organization;
      return;
    case "externalId":
      m.externalId = `vendor-${b}`;
      return;
    case "trust":
    case "untrust": {
      const role = acct.roles.ci;
      const ref = refs[b % refs.length];
      if (op === "trust" && !role.assumableBy.includes(ref) && !ref.startsWith(`${acct.name}/role/ci`)) role.assumableBy.push(ref);
      if (op === "untrust" && role.assumableBy.length > 1) role.assumableBy.splice(b % role.assumableBy.length, 1);
      return;
    }
  }
}
