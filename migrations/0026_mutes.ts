import type { Kysely } from "kysely";

// Mutes: a local account hides another's posts from its lists; nothing is sent anywhere.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mutes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("target_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("mutes_pair", ["account_id", "target_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("mutes").execute();
}
