import type { Kysely } from "kysely";

// An image's focal point ("x,y", each -1..1, as the Mastodon API sends it), or null.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("media").addColumn("focus", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("media").dropColumn("focus").execute();
}
