import type { Kysely } from "kysely";

// Settings an admin changes at run time (registrations, generation limits), as JSON values.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("instance_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("instance_settings").execute();
}
