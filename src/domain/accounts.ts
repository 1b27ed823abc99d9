import { recountQuotes } from "./quote-state.ts";
import { countedReplies, VISIBILITIES } from "./visibility.ts";
import type { webcrypto } from "node:crypto";
import { exportJwk, generateCryptoKeyPair } from "@fedify/fedify";
import { sql, type Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Database, NewAccountRow, Visibility } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { INSTANCE_ACTOR, type LocalUrls } from "../urls.ts";
import { conflict, DomainError, invalid } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { escapeHtml } from "./text.ts";
import { PasswordHasher } from "./passwords.ts";
import { sessionId } from "./sessions.ts";

export const USERNAME_PATTERN = /^[a-z0-9_]{1,30}$/;
const RESERVED_USERNAMES = new Set(["instance", "actor", "relay"]);
export const MIN_PASSWORD_LENGTH = 10;

export interface KeyPairJwk {
  kind: "rsa" | "ed25519";
  publicJwk: webcrypto.JsonWebKey;
  privateJwk: webcrypto.JsonWebKey;
}

export interface LocalAccount extends AccountRow {
  is_admin: number;
}

/** What we know of a remote actor, ready to store; produced by the federation mappers. */
export type RemoteAccountInput = Omit<NewAccountRow, "id" | "created_at" | "updated_at" | "domain"> & {
  domain: string;
};

export function normalizeUsername(raw: string): string {
  return raw.trim().replace(/^@/, "").toLowerCase();
}

export function validateUsername(raw: string): string {
  const username = normalizeUsername(raw);
  if (!USERNAME_PATTERN.test(username)) {
    throw invalid("Username must be 1 to 30 characters: letters a–z, digits, and underscores");
  }
  if (RESERVED_USERNAMES.has(username)) throw invalid(`Username "${username}" is reserved`);
  return username;
}

export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid(`Password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw invalid("Password must be at most 1024 characters");
}

async function generateKeyPairs(): Promise<KeyPairJwk[]> {
  const out: KeyPairJwk[] = [];
  for (const [kind, algorithm] of [
    ["rsa", "RSASSA-PKCS1-v1_5"],
    ["ed25519", "Ed25519"],
  ] as const) {
    const pair = await generateCryptoKeyPair(algorithm);
    out.push({ kind, publicJwk: await exportJwk(pair.publicKey), privateJwk: await exportJwk(pair.privateKey) });
  }
  return out;
}

export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly urls: LocalUrls,
    /** Every password hash and check goes through it: a few at a time, never piling up. */
    readonly hasher: PasswordHasher = new PasswordHasher(),
  ) {}

  /**
   * Creates a local account. `inTransaction` runs inside the transaction that
   * inserts it (e.g. spending an invitation): if it throws, no account is made.
   * `onlyIfFirst` (the first-run setup) refuses when another local account
   * exists by then, so two setups at once cannot make two admins.
   */
  async createLocal(
    input: {
      username: string;
      password: string;
      displayName?: string;
      bio?: string;
      admin?: boolean;
      locked?: boolean;
    },
    options: { inTransaction?: (trx: Transaction<Database>, accountId: string) => Promise<void>; onlyIfFirst?: boolean } = {},
  ): Promise<AccountRow> {
    const username = validateUsername(input.username);
    validatePassword(input.password);
    const displayName = (input.displayName ?? "").trim();
    if (displayName.length > 100) throw invalid("Display name must be at most 100 characters");
    if ((await this.getLocalByUsername(username)) || (await this.getDeletedLocal(username))) throw conflict(`Username "${username}" is taken`);
    // Slow work (hashing, key generation) happens before the transaction.
    const [passwordHash, keys] = await Promise.all([this.hasher.hash(input.password), generateKeyPairs()]);
    const now = nowIso();
    const id = newId();
    try {
      await this.db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto("accounts")
          .values({
            id,
            iri: this.urls.actor(username).href,
            username,
            domain: null,
            display_name: displayName,
            bio_html: input.bio ?? "",
            avatar_url: null,
            header_url: null,
            url: this.urls.profile(username).href,
            inbox_url: null,
            shared_inbox_url: null,
            followers_url: this.urls.followers(username).href,
            manually_approves_followers: input.locked ? 1 : 0,
            created_at: now,
            updated_at: now,
            fetched_at: null,
          })
          .execute();
        await trx
          .insertInto("local_users")
          .values({ account_id: id, password_hash: passwordHash, is_admin: input.admin ? 1 : 0, created_at: now })
          .execute();
        await trx
          .insertInto("actor_keys")
          .values(
            keys.map((k) => ({
              owner: id,
              kind: k.kind,
              public_jwk: JSON.stringify(k.publicJwk),
              private_jwk: JSON.stringify(k.privateJwk),
              created_at: now,
            })),
          )
          .execute();
        if (options.onlyIfFirst) {
          // PostgreSQL: one setup at a time, and the count (a new snapshot) sees every committed one.
          if (this.db.dialect === "postgres") await sql`select pg_advisory_xact_lock(hashtext('pictor:first-account'))`.execute(trx);
          const others = await trx.selectFrom("local_users").select((e) => e.fn.countAll().as("n")).where("account_id", "!=", id).executeTakeFirstOrThrow();
          if (Number(others.n) > 0) throw conflict("This instance is already set up; log in instead");
        }
        await options.inTransaction?.(trx, id);
      });
    } catch (error) {
      // Lost a race for the same username against another process.
      if (!(error instanceof DomainError) && (await this.getLocalByUsername(username))) throw conflict(`Username "${username}" is taken`);
      throw error;
    }
    return (await this.getLocalByUsername(username))!;
  }

  async getLocalByUsername(username: string): Promise<LocalAccount | undefined> {
    return this.db.kysely
      .selectFrom("accounts")
      .innerJoin("local_users", "local_users.account_id", "accounts.id")
      .selectAll("accounts")
      .select("local_users.is_admin")
      .where("accounts.domain", "is", null)
      .where("accounts.username", "=", normalizeUsername(username))
      .executeTakeFirst();
  }

  async listLocal(): Promise<LocalAccount[]> {
    return this.db.kysely
      .selectFrom("accounts")
      .innerJoin("local_users", "local_users.account_id", "accounts.id")
      .selectAll("accounts")
      .select("local_users.is_admin")
      .where("accounts.domain", "is", null)
      .orderBy("accounts.id")
      .execute();
  }

  async countLocal(): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("local_users")
      .select((e) => e.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async getById(id: string): Promise<AccountRow | undefined> {
    return this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async getByIri(iri: string): Promise<AccountRow | undefined> {
    return this.db.kysely.selectFrom("accounts").selectAll().where("iri", "=", iri).executeTakeFirst();
  }

  /**
   * A remote account by handle. A handle is not an identity (the IRI is): two
   * actors on one host may share a username, and then the most recently
   * fetched one answers.
   */
  async getRemoteByHandle(username: string, domain: string): Promise<AccountRow | undefined> {
    return this.db.kysely
      .selectFrom("accounts")
      .selectAll()
      .where("username", "=", normalizeUsername(username))
      .where("domain", "=", domain.trim().toLowerCase())
      .orderBy("fetched_at", (o) => o.desc().nullsLast())
      .orderBy("updated_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * The account whose password this is, if any. An unknown username costs the
   * same as a known one (a dummy hash is checked), so timing tells nothing.
   * Throws a 503 DomainError when too many checks are already waiting.
   */
  async checkPassword(username: string, password: string): Promise<LocalAccount | undefined> {
    const account = await this.getLocalByUsername(username);
    const row = account
      ? await this.db.kysely.selectFrom("local_users").select("password_hash").where("account_id", "=", account.id).executeTakeFirst()
      : undefined;
    if (!account || !row) return this.hasher.verifyUnknown(password).then(() => undefined);
    return (await this.hasher.verify(password, row.password_hash)) ? account : undefined;
  }

  /** Stores or refreshes a remote actor, keyed by its IRI; safe to repeat. */
  async upsertRemote(input: RemoteAccountInput): Promise<AccountRow> {
    const now = nowIso();
    const values = { ...input, domain: input.domain.toLowerCase(), username: input.username.toLowerCase() };
    const { iri: _iri, ...updates } = values;
    await this.db.kysely
      .insertInto("accounts")
      .values({ ...values, id: newId(), created_at: now, updated_at: now, fetched_at: now })
      .onConflict((oc) => oc.column("iri").doUpdateSet({ ...updates, updated_at: now, fetched_at: now }))
      .execute();
    return (await this.getByIri(input.iri))!;
  }

  /** Removes a remote account and, through foreign keys, everything that hangs off it. */
  async deleteRemote(iri: string): Promise<boolean> {
    return (await this.#deleteRemoteWhere("iri", iri)) > 0;
  }

  /** Deletes remote accounts (their posts and interactions go with them), first taking their part out of other posts' counts. */
  async #deleteRemoteWhere(column: "iri" | "inbox_url", value: string): Promise<number> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const ids = (await trx.selectFrom("accounts").select("id").where(column, "=", value).where("domain", "is not", null).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      const quoted = await releaseCounts(trx, ids);
      const r = await trx.deleteFrom("accounts").where("id", "in", ids).executeTakeFirst();
      for (const iri of quoted) await recountQuotes(trx, iri);
      return Number(r.numDeletedRows);
    });
  }

  /**
   * Deletes a local account: its followers and the accounts it follows are
   * told (Delete of the actor, queued while its keys still exist), then its
   * posts, follows, notifications, credentials and keys go. The row stays,
   * marked deleted, so the username is never reused and the actor answers 410.
   */
  async deleteLocal(account: AccountRow, events: DomainEvents): Promise<void> {
    if (account.domain !== null) throw invalid("Only local accounts can be deleted here");
    const recipients = await this.db.kysely
      .selectFrom("follows")
      .innerJoin("accounts", (j) =>
        j.on((eb) =>
          eb.or([
            eb.and([eb("follows.follower_id", "=", account.id), eb("accounts.id", "=", eb.ref("follows.following_id"))]),
            eb.and([eb("follows.following_id", "=", account.id), eb("accounts.id", "=", eb.ref("follows.follower_id"))]),
          ]),
        ),
      )
      .selectAll("accounts")
      .where("accounts.domain", "is not", null)
      .execute();
    await events.emit("account.deleted", { account, recipients });
    const now = nowIso();
    await this.db.kysely.transaction().execute(async (trx) => {
      const quoted = await releaseCounts(trx, [account.id]);
      await trx.deleteFrom("posts").where("account_id", "=", account.id).execute();
      for (const iri of quoted) await recountQuotes(trx, iri);
      await trx.deleteFrom("follows").where((eb) => eb.or([eb("follower_id", "=", account.id), eb("following_id", "=", account.id)])).execute();
      await trx.deleteFrom("notifications").where("account_id", "=", account.id).execute();
      await trx.deleteFrom("interactions").where("account_id", "=", account.id).execute();
      await trx.deleteFrom("media").where("account_id", "=", account.id).execute();
      await trx.deleteFrom("local_users").where("account_id", "=", account.id).execute();
      await trx.deleteFrom("actor_keys").where("owner", "=", account.id).execute();
      await trx.updateTable("accounts").set({ deleted_at: now, display_name: "", bio_html: "", avatar_url: null, header_url: null, updated_at: now }).where("id", "=", account.id).execute();
    });
  }

  /** A deleted local account by username (for answering 410). */
  async getDeletedLocal(username: string): Promise<AccountRow | undefined> {
    return this.db.kysely
      .selectFrom("accounts")
      .selectAll()
      .where("domain", "is", null)
      .where("username", "=", normalizeUsername(username))
      .where("deleted_at", "is not", null)
      .executeTakeFirst();
  }

  /** A local account edits its profile; followers' servers get an Update. */
  async updateProfile(account: AccountRow, input: { displayName: string; bio: string; locked: boolean; avatarUrl?: string | null; headerUrl?: string | null }, events: DomainEvents): Promise<AccountRow> {
    const displayName = input.displayName.trim();
    if (displayName.length > 100) throw invalid("Display name must be at most 100 characters");
    const bio = input.bio.trim();
    if (bio.length > 2000) throw invalid("Bio must be at most 2000 characters");
    // Bios are plain text: escaped, paragraphs kept.
    const bioHtml = bio
      .split(/\n{2,}/)
      .filter((p) => p.trim())
      .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
      .join("");
    return events.transaction(this.db, async (trx, stage) => {
      await trx
        .updateTable("accounts")
        .set({
          display_name: displayName,
          bio_html: bioHtml,
          manually_approves_followers: input.locked ? 1 : 0,
          ...(input.avatarUrl !== undefined ? { avatar_url: input.avatarUrl } : {}),
          ...(input.headerUrl !== undefined ? { header_url: input.headerUrl } : {}),
          updated_at: nowIso(),
        })
        .where("id", "=", account.id)
        .execute();
      const row = await trx.selectFrom("accounts").selectAll().where("id", "=", account.id).executeTakeFirstOrThrow();
      stage("account.updated", { account: row });
      return row;
    });
  }

  /**
   * Changes the password and ends every other session of the account (a
   * thief signed in elsewhere is signed out); `keepSession`, the token of the
   * session that asked, stays signed in.
   */
  async changePassword(account: AccountRow, current: string, next: string, keepSession?: string): Promise<void> {
    if (!(await this.checkPassword(account.username, current))) throw invalid("The current password is wrong");
    validatePassword(next);
    const passwordHash = await this.hasher.hash(next);
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable("local_users").set({ password_hash: passwordHash }).where("account_id", "=", account.id).execute();
      let others = trx.deleteFrom("sessions").where("account_id", "=", account.id);
      if (keepSession) others = others.where("id", "!=", sessionId(keepSession));
      await others.execute();
    });
  }

  async preferences(accountId: string): Promise<{ defaultVisibility: Visibility; showPromptDefault: boolean }> {
    const r = await this.db.kysely.selectFrom("local_users").select(["default_visibility", "show_prompt_default"]).where("account_id", "=", accountId).executeTakeFirst();
    return { defaultVisibility: r?.default_visibility ?? "public", showPromptDefault: (r?.show_prompt_default ?? 1) === 1 };
  }

  async setPreferences(accountId: string, prefs: { defaultVisibility: Visibility; showPromptDefault: boolean }): Promise<void> {
    if (!VISIBILITIES.includes(prefs.defaultVisibility)) throw invalid("Unknown visibility");
    await this.db.kysely
      .updateTable("local_users")
      .set({ default_visibility: prefs.defaultVisibility, show_prompt_default: prefs.showPromptDefault ? 1 : 0 })
      .where("account_id", "=", accountId)
      .execute();
  }

  /** The first admin (the account that set the instance up), for the instance's contact. */
  async firstAdmin(): Promise<LocalAccount | undefined> {
    return this.db.kysely
      .selectFrom("accounts")
      .innerJoin("local_users", "local_users.account_id", "accounts.id")
      .selectAll("accounts")
      .select("local_users.is_admin")
      .where("local_users.is_admin", "=", 1)
      .where("accounts.deleted_at", "is", null)
      .orderBy("accounts.id")
      .limit(1)
      .executeTakeFirst();
  }

  /** Where the account stopped reading these timelines (home, notifications), shared by its apps. */
  async markers(accountId: string, timelines: readonly string[]): Promise<Array<{ timeline: string; last_read_id: string; version: number; updated_at: string }>> {
    if (timelines.length === 0) return [];
    return this.db.kysely
      .selectFrom("markers")
      .select(["timeline", "last_read_id", "version", "updated_at"])
      .where("account_id", "=", accountId)
      .where("timeline", "in", [...timelines])
      .execute();
  }

  /** Saves a timeline's read position; each save counts its version up by one. */
  async saveMarker(accountId: string, timeline: string, lastReadId: string): Promise<void> {
    const now = nowIso();
    await this.db.kysely
      .insertInto("markers")
      .values({ account_id: accountId, timeline, last_read_id: lastReadId, version: 1, updated_at: now })
      .onConflict((oc) => oc.columns(["account_id", "timeline"]).doUpdateSet({ last_read_id: lastReadId, version: sql<number>`markers.version + 1`, updated_at: now }))
      .execute();
  }

  /** An admin suspends (or lifts the suspension of) a local account: it cannot sign in meanwhile. */
  async setSuspended(account: AccountRow, suspended: boolean): Promise<void> {
    await this.db.kysely.updateTable("accounts").set({ suspended_at: suspended ? nowIso() : null }).where("id", "=", account.id).execute();
    if (suspended) await this.db.kysely.deleteFrom("sessions").where("account_id", "=", account.id).execute();
  }

  /** Removes remote accounts whose own inbox answered 410 Gone (their server says they no longer exist). */
  async deleteRemoteByInbox(inbox: string): Promise<number> {
    return this.#deleteRemoteWhere("inbox_url", inbox);
  }


  /** The stored key pairs of an account (or of the instance actor), generated once. */
  async keyPairs(owner: string): Promise<KeyPairJwk[]> {
    const rows = await this.db.kysely
      .selectFrom("actor_keys")
      .selectAll()
      .where("owner", "=", owner)
      .orderBy("kind", "desc") // rsa before ed25519: the first RSA key becomes publicKey
      .execute();
    if (rows.length === 0 && owner === INSTANCE_ACTOR) return this.#createInstanceKeys();
    return rows.map((r) => ({ kind: r.kind, publicJwk: JSON.parse(r.public_jwk), privateJwk: JSON.parse(r.private_jwk) }));
  }

  async #createInstanceKeys(): Promise<KeyPairJwk[]> {
    const keys = await generateKeyPairs();
    const now = nowIso();
    // Several processes may race here: the first insert wins, the others read it back.
    await this.db.kysely
      .insertInto("actor_keys")
      .values(
        keys.map((k) => ({
          owner: INSTANCE_ACTOR,
          kind: k.kind,
          public_jwk: JSON.stringify(k.publicJwk),
          private_jwk: JSON.stringify(k.privateJwk),
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(["owner", "kind"]).doNothing())
      .execute();
    return this.keyPairs(INSTANCE_ACTOR);
  }
}

/**
 * Takes the likes, boosts and counted replies of accounts about to be
 * deleted out of the counts of the posts they were on (their rows go with
 * the accounts). Runs in the deleting transaction; returns the IRIs of the
 * posts they quoted, whose quote counts are recounted once their posts are gone.
 */
async function releaseCounts(trx: Transaction<Database>, accountIds: string[]): Promise<string[]> {
  const COLUMN = { like: "likes_count", boost: "boosts_count" } as const;
  const interactions = await trx
    .selectFrom("interactions")
    .select(["post_id", "type", (e) => e.fn.countAll().as("n")])
    .where("account_id", "in", accountIds)
    .groupBy(["post_id", "type"])
    .execute();
  for (const r of interactions) {
    const column = COLUMN[r.type];
    const n = Number(r.n);
    await trx
      .updateTable("posts")
      .set((eb) => ({ [column]: eb.case().when(column, ">", n).then(eb(column, "-", n)).else(0).end() }))
      .where("id", "=", r.post_id)
      .where("account_id", "not in", accountIds)
      .execute();
  }
  const replies = await trx
    .selectFrom("posts as p")
    .select(["p.in_reply_to_iri", (e) => e.fn.countAll().as("n")])
    .where("p.account_id", "in", accountIds)
    .where("p.in_reply_to_iri", "is not", null)
    .where(countedReplies())
    .groupBy("p.in_reply_to_iri")
    .execute();
  for (const r of replies) {
    const n = Number(r.n);
    await trx
      .updateTable("posts")
      .set((eb) => ({ replies_count: eb.case().when("replies_count", ">", n).then(eb("replies_count", "-", n)).else(0).end() }))
      .where("iri", "=", r.in_reply_to_iri!)
      .where("account_id", "not in", accountIds)
      .execute();
  }
  const quotes = await trx.selectFrom("posts").select("quote_iri").distinct().where("account_id", "in", accountIds).where("quote_iri", "is not", null).execute();
  return quotes.map((q) => q.quote_iri!);
}
