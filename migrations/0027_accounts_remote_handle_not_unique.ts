import { type Kysely, sql } from "kysely";

// A remote account's identity is its IRI: two actors on one host may share a
// username (a renamed account, two services on one host). The unique index on
// (username, domain) for remote accounts becomes a plain one, still used to
// look handles up. Local usernames stay unique (accounts_local_username).
// Both statements are idempotent, so a crash between them is harmless on SQLite.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("accounts_remote_handle").ifExists().execute();
  await db.schema
    .createIndex("accounts_remote_by_handle")
    .ifNotExists()
    .on("accounts")
    .columns(["username", "domain"])
    .where(sql.ref("domain"), "is not", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("accounts_remote_by_handle").ifExists().execute();
  await db.schema
    .createIndex("accounts_remote_handle")
    .ifNotExists()
    .on("accounts")
    .columns(["username", "domain"])
    .unique()
    .where(sql.ref("domain"), "is not", null)
    .execute();
}
