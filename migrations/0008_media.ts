import type { Kysely } from "kysely";

// Images: generated here (files in the media store, named by content hash) or attached to remote posts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("media")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("post_id", "text", (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("job_id", "text")
    .addColumn("sha256", "text")
    .addColumn("file_key", "text")
    .addColumn("original_key", "text")
    .addColumn("webp_key", "text")
    .addColumn("thumb_key", "text")
    .addColumn("remote_url", "text")
    .addColumn("media_type", "text", (c) => c.notNull())
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("blurhash", "text")
    .addColumn("alt", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("prompt", "text")
    .addColumn("model", "text")
    .addColumn("provider", "text")
    .addColumn("seed", "bigint")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("media_post").on("media").columns(["post_id", "position"]).execute();
  await db.schema.createIndex("media_account").on("media").columns(["account_id", "id"]).execute();
  await db.schema.createIndex("media_job").on("media").column("job_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("media").execute();
}
