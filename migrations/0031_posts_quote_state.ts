import type { Kysely } from "kysely";

// FEP-044f: how far a post's quote is authorized — pending, accepted, rejected or revoked (NULL: no quote).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").addColumn("quote_state", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").dropColumn("quote_state").execute();
}
