import type { Kysely } from "kysely";

// A post's earlier versions (the Mastodon API's status history): each row is what the post said before an edit.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("post_edits")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("content_html", "text", (c) => c.notNull())
    .addColumn("caption", "text")
    .addColumn("summary", "text")
    .addColumn("sensitive", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("media_alts", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("post_edits_post").on("post_edits").columns(["post_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("post_edits").execute();
}
