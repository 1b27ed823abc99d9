import type { Kysely } from "kysely";

// Domains an admin cut off: no federation with them, either way.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("domain_blocks")
    .addColumn("domain", "text", (c) => c.primaryKey())
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("domain_blocks").execute();
}
