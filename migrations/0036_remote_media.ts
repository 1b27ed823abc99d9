import type { Kysely } from "kysely";

// The cache of remote images (attachments, avatars, headers), keyed by their URL: a thumbnail and
// blurhash kept while anything uses the image, a full-size copy kept for a while, or why it failed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("remote_media")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("url", "text", (c) => c.notNull().unique())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("thumb_key", "text")
    .addColumn("full_key", "text")
    .addColumn("blurhash", "text")
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("size_bytes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("fetched_at", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("remote_media").execute();
}
