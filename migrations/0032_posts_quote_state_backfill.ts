import { type Kysely, sql } from "kysely";

// Quotes stored before quote_state existed: accepted when they carry a stamp, else pending.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update posts set quote_state = case when quote_authorization_iri is not null then 'accepted' else 'pending' end
    where quote_iri is not null and quote_state is null`.execute(db);
}

export async function down(_db: Kysely<any>): Promise<void> {}
