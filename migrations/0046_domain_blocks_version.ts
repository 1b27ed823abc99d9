import { type Kysely, PostgresAdapter, sql } from "kysely";

// A second counter in content_version (row 2), bumped only when domain_blocks changes. The moderation
// service keeps the blocked domains in memory while it reads the same; with the content version (row 1)
// as its key, every like, post or follow anywhere made each process read the whole block list again —
// once per inbound activity and per visibility check, on an instance with a shared blocklist of
// thousands of domains. Row 1 still moves with domain_blocks too (pages show what blocks hide).
export const DOMAIN_BLOCKS_VERSION_ROW = 2;

const OPS = ["insert", "update", "delete"] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql`insert into content_version (id, version) values (2, 0) on conflict (id) do nothing`.execute(db);
  if (pg) {
    await sql`create or replace function domain_blocks_version_bump() returns trigger language plpgsql as $$
      begin update content_version set version = version + 1 where id = 2; return null; end $$`.execute(db);
  }
  for (const op of OPS) {
    const name = `domain_blocks_version_${op}`;
    if (pg) {
      await sql.raw(`drop trigger if exists ${name} on domain_blocks`).execute(db);
      await sql
        .raw(`create constraint trigger ${name} after ${op} on domain_blocks deferrable initially deferred for each row execute function domain_blocks_version_bump()`)
        .execute(db);
    } else {
      await sql.raw(`create trigger if not exists ${name} after ${op} on domain_blocks for each row begin update content_version set version = version + 1 where id = 2; end`).execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const op of OPS) await sql.raw(`drop trigger if exists domain_blocks_version_${op}${pg ? " on domain_blocks" : ""}`).execute(db);
  if (pg) await sql`drop function if exists domain_blocks_version_bump()`.execute(db);
  await sql`delete from content_version where id = 2`.execute(db);
}
