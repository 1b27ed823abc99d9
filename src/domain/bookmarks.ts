import { sql } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { invalid } from "./errors.ts";
import type { PostDetails } from "./posts.ts";
import { isPubliclyVisible } from "./visibility.ts";

/** Pins shown on a profile at most (Mastodon's limit). */
export const MAX_PINS = 5;

/**
 * Bookmarks: private to the account that makes them, sent nowhere. The
 * caller has checked that the account may see the post. Repeats change nothing.
 */
export class BookmarkService {
  constructor(private readonly db: Db) {}

  async bookmark(account: AccountRow, details: PostDetails): Promise<void> {
    await this.db.kysely
      .insertInto("bookmarks")
      .values({ id: newId(), account_id: account.id, post_id: details.post.id, created_at: nowIso() })
      .onConflict((oc) => oc.columns(["account_id", "post_id"]).doNothing())
      .execute();
  }

  async unbookmark(account: AccountRow, details: PostDetails): Promise<void> {
    await this.db.kysely.deleteFrom("bookmarks").where("account_id", "=", account.id).where("post_id", "=", details.post.id).execute();
  }
}

/**
 * Pins: a local account's own public or unlisted posts shown first on its
 * profile, at most `MAX_PINS`. Repeats change nothing.
 */
export class PinService {
  constructor(private readonly db: Db) {}

  async pin(account: AccountRow, details: PostDetails): Promise<void> {
    if (details.post.account_id !== account.id) throw invalid("Only your own posts can be pinned");
    if (!isPubliclyVisible(details.post.visibility)) throw invalid("Only public and unlisted posts can be pinned");
    await this.db.kysely.transaction().execute(async (trx) => {
      // One pin at a time per account (SQLite has one writer anyway): a burst cannot pass the limit together.
      if (this.db.dialect === "postgres") await sql`select pg_advisory_xact_lock(hashtext(${`pictor:pins:${account.id}`}))`.execute(trx);
      const existing = await trx.selectFrom("pins").select("post_id").where("account_id", "=", account.id).execute();
      if (existing.some((p) => p.post_id === details.post.id)) return;
      if (existing.length >= MAX_PINS) throw invalid(`You can pin at most ${MAX_PINS} posts`);
      await trx
        .insertInto("pins")
        .values({ account_id: account.id, post_id: details.post.id, created_at: nowIso() })
        .onConflict((oc) => oc.columns(["account_id", "post_id"]).doNothing())
        .execute();
    });
  }

  async unpin(account: AccountRow, details: PostDetails): Promise<void> {
    await this.db.kysely.deleteFrom("pins").where("account_id", "=", account.id).where("post_id", "=", details.post.id).execute();
  }
}
