import type { Kysely } from "kysely";

// What happened to a local account: follows, mentions, likes, boosts, replies, quotes.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", "text", (c) => c.references("posts.id").onDelete("cascade"))
    // The activity or object that caused it; repeats of it notify once.
    .addColumn("source_iri", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("read_at", "text")
    .addUniqueConstraint("notifications_once", ["account_id", "type", "source_iri"])
    .execute();
  await db.schema.createIndex("notifications_account").on("notifications").columns(["account_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("notifications").execute();
}
