import type { Kysely } from "kysely";

// Accounts mentioned (and so addressed) by posts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("post_mentions")
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("post_mentions_pk", ["post_id", "account_id"])
    .execute();
  await db.schema.createIndex("post_mentions_account").on("post_mentions").columns(["account_id", "post_id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("post_mentions").execute();
}
