import type { Kysely } from "kysely";

// Posts a local account pins to its profile (the Mastodon API's `pinned`).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pins")
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("pins_pk", ["account_id", "post_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pins").execute();
}
