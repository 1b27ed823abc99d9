import type { Kysely } from "kysely";

// How many accepted quotes of a post are stored (public and unlisted ones, as replies are counted).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").addColumn("quotes_count", "integer", (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").dropColumn("quotes_count").execute();
}
