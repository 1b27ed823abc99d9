import type { Kysely } from "kysely";

// Invitations for invite-only registrations; the code is stored only as its SHA-256.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("invites")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_by", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("used_by", "text", (c) => c.references("accounts.id").onDelete("set null"))
    .addColumn("used_at", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("invites").execute();
}
