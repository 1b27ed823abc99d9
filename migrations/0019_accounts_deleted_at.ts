import type { Kysely } from "kysely";

// A deleted local account keeps its row (its username stays taken, its actor answers 410 Gone).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("deleted_at", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("accounts").dropColumn("deleted_at").execute();
}
