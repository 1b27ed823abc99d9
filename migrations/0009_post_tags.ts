import type { Kysely } from "kysely";

// Hashtags of posts (lowercased, without the #).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("post_tags")
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("tag", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("post_tags_pk", ["post_id", "tag"])
    .execute();
  await db.schema.createIndex("post_tags_tag").on("post_tags").columns(["tag", "post_id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("post_tags").execute();
}
