import type { Kysely } from "kysely";

// Follow relationships between any two accounts, keyed by the Follow activity's IRI.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("follows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("iri", "text", (c) => c.notNull().unique())
    .addColumn("follower_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("following_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .addUniqueConstraint("follows_pair", ["follower_id", "following_id"])
    .execute();
  await db.schema.createIndex("follows_following").on("follows").columns(["following_id", "state", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("follows").execute();
}
