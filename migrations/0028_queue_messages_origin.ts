import type { Kysely } from "kysely";

// Which remote origin a queue message talks to (an outbox delivery's inbox),
// so one consumer never gives most of its slots to one server.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("queue_messages").addColumn("origin", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("queue_messages").dropColumn("origin").execute();
}
