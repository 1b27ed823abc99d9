import type { Kysely } from "kysely";

// The persistent message queue: deliveries, inbox processing, generation jobs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("queue_messages")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("queue", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("ordering_key", "text")
    .addColumn("run_at", "text", (c) => c.notNull())
    .addColumn("locked_until", "text")
    .addColumn("locked_by", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("queue_messages_due").on("queue_messages").columns(["queue", "run_at", "id"]).execute();
  await db.schema.createIndex("queue_messages_ordering").on("queue_messages").columns(["queue", "ordering_key", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("queue_messages").execute();
}
