import type { Kysely } from "kysely";

// Quotes of a post are counted (and found) by the quoted post's IRI.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("posts_quote").on("posts").column("quote_iri").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("posts_quote").execute();
}
