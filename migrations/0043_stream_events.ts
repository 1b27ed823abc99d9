import type { Kysely } from "kysely";

// Events for the streaming API, written by any process (web, worker, CLI) and read by every web
// process. Ids are UUIDv7 (time-sorted); readers poll a short window and skip what they have seen,
// so an event committed late is still delivered. Rows older than a few minutes are swept.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("stream_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("stream_events").execute();
}
