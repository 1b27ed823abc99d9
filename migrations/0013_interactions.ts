import type { Kysely } from "kysely";

// Likes and boosts, local or remote, keyed by the Like/Announce activity's IRI.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("interactions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("iri", "text", (c) => c.notNull().unique())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("interactions_once", ["type", "account_id", "post_id"])
    .execute();
  await db.schema.createIndex("interactions_post").on("interactions").columns(["post_id", "type"]).execute();
  await db.schema.createIndex("interactions_account").on("interactions").columns(["account_id", "type", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("interactions").execute();
}
