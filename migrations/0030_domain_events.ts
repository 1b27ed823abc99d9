import type { Kysely } from "kysely";

// The transactional outbox: domain events written in the transaction of the change that caused
// them, removed once every handler has run. A row left behind (a crash between the commit and the
// handlers, or a handler that failed) is dispatched again when its claim runs out.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("domain_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("claimed_until", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("domain_events").execute();
}
