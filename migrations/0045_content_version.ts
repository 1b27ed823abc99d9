import { type Kysely, PostgresAdapter, sql } from "kysely";

// One counter of "what anonymous pages and public ActivityPub documents show", bumped by triggers in the
// same transaction as every change to the tables those are drawn from, whichever process or code path
// writes them (web, worker, CLI). Each process's response caches remember the version an entry was
// rendered at and serve it only while the counter still reads the same.
//
// A table listed with conditions bumps only when a row that can be shown changes: media only once it
// belongs to a post, remote_media only when what a page links to changes (not when a fetch is queued).
// Blocks and mutes are not listed: they change what one account sees, never what anonymous visitors do.
const TABLES: Array<{ table: string; insert?: string | false; update?: string; delete?: string }> = [
  { table: "accounts" },
  { table: "actor_keys" },
  { table: "follows" },
  { table: "posts" },
  {
    table: "media",
    insert: "NEW.post_id IS NOT NULL",
    update: "OLD.post_id IS NOT NULL OR NEW.post_id IS NOT NULL",
    delete: "OLD.post_id IS NOT NULL",
  },
  { table: "post_tags" },
  { table: "post_mentions" },
  { table: "interactions" },
  { table: "quote_stamps" },
  {
    table: "remote_media",
    insert: false,
    update: "OLD.state <> NEW.state OR {thumb} OR {full} OR {blurhash}",
  },
  { table: "domain_blocks" },
  { table: "pins" },
  { table: "instance_settings" },
];

const OPS = ["insert", "update", "delete"] as const;

/** `a IS DISTINCT FROM b` in either dialect (SQLite's IS NOT compares NULLs as values). */
function changed(column: string, pg: boolean): string {
  return pg ? `OLD.${column} IS DISTINCT FROM NEW.${column}` : `OLD.${column} IS NOT NEW.${column}`;
}

function condition(raw: string | undefined, pg: boolean): string | undefined {
  return raw
    ?.replace("{thumb}", changed("thumb_key", pg))
    .replace("{full}", changed("full_key", pg))
    .replace("{blurhash}", changed("blurhash", pg));
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("content_version")
    .ifNotExists()
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("version", "bigint", (c) => c.notNull())
    .execute();
  await sql`insert into content_version (id, version) values (1, 0) on conflict (id) do nothing`.execute(db);
  if (pg) {
    // Deferred to the commit, so the counter's row is locked only while a transaction commits.
    await sql`create or replace function content_version_bump() returns trigger language plpgsql as $$
      begin update content_version set version = version + 1 where id = 1; return null; end $$`.execute(db);
  }
  for (const t of TABLES) {
    for (const op of OPS) {
      if (t[op] === false) continue;
      const name = `content_version_${t.table}_${op}`;
      const when = condition(t[op] || undefined, pg);
      if (pg) {
        await sql.raw(`drop trigger if exists ${name} on ${t.table}`).execute(db);
        await sql
          .raw(
            `create constraint trigger ${name} after ${op} on ${t.table} deferrable initially deferred for each row ${when ? `when (${when}) ` : ""}execute function content_version_bump()`,
          )
          .execute(db);
      } else {
        await sql
          .raw(`create trigger if not exists ${name} after ${op} on ${t.table} for each row ${when ? `when ${when} ` : ""}begin update content_version set version = version + 1 where id = 1; end`)
          .execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const t of TABLES) {
    for (const op of OPS) await sql.raw(`drop trigger if exists content_version_${t.table}_${op}${pg ? ` on ${t.table}` : ""}`).execute(db);
  }
  if (pg) await sql`drop function if exists content_version_bump()`.execute(db);
  await db.schema.dropTable("content_version").execute();
}
