import type { Kysely } from "kysely";

// FEP-044f, quoting side: the stamp that authorizes a post's quote, once the quoted author grants it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").addColumn("quote_authorization_iri", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("posts").dropColumn("quote_authorization_iri").execute();
}
