import { type Kysely, sql } from "kysely";

// Posts by local and remote accounts, keyed by the Note's IRI.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("posts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("iri", "text", (c) => c.notNull().unique())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("url", "text")
    .addColumn("caption", "text")
    .addColumn("content_html", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("summary", "text")
    .addColumn("sensitive", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("show_prompt", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("in_reply_to_iri", "text")
    .addColumn("quote_iri", "text")
    .addColumn("replies_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("likes_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("boosts_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("published_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text")
    .addColumn("deleted_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("posts_account").on("posts").columns(["account_id", "id"]).execute();
  await db.schema.createIndex("posts_in_reply_to").on("posts").column("in_reply_to_iri").execute();
  await db.schema
    .createIndex("posts_public_timeline")
    .on("posts")
    .column("id")
    .where(sql.ref("visibility"), "=", "public")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("posts").execute();
}
