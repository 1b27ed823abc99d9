import type { Kysely } from "kysely";

// Fedify's key-value store: caches, idempotence records, circuit-breaker state.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("kv")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .execute();
  await db.schema.createIndex("kv_expires").on("kv").column("expires_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("kv").execute();
}
