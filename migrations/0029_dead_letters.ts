import type { Kysely } from "kysely";

// Queue messages that failed too many times, set aside with their last error
// until an admin retries or drops them. The message may carry private keys.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("dead_letters")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("queue", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("ordering_key", "text")
    .addColumn("origin", "text")
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("failed_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dead_letters").execute();
}
