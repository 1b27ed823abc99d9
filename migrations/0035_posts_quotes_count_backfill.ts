import { type Kysely, sql } from "kysely";

// Counts for quotes stored before quotes_count existed: accepted, not deleted, public or unlisted.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update posts set quotes_count = (
      select count(*) from posts q
      where q.quote_iri = posts.iri and q.quote_state = 'accepted' and q.deleted_at is null and q.visibility in ('public', 'unlisted'))
    where exists (select 1 from posts q2 where q2.quote_iri = posts.iri)`.execute(db);
}

export async function down(_db: Kysely<any>): Promise<void> {}
