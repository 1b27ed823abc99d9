import type { Kysely } from "kysely";

// FEP-044f: the QuoteAuthorization stamps we issue when someone quotes a local post.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("quote_stamps")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("post_id", "text", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("quoting_iri", "text", (c) => c.notNull())
    .addColumn("quoter_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("request_iri", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("revoked_at", "text")
    .addUniqueConstraint("quote_stamps_once", ["post_id", "quoting_iri"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("quote_stamps").execute();
}
