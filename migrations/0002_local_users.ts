import type { Kysely } from "kysely";

// Credentials and roles of local accounts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("local_users")
    .addColumn("account_id", "text", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("local_users").execute();
}
