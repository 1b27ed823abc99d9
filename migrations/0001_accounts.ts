import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code from a migration.
// Local and remote accounts share one table; local ones have domain NULL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("iri", "text", (c) => c.notNull().unique())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("domain", "text")
    .addColumn("display_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("bio_html", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("avatar_url", "text")
    .addColumn("header_url", "text")
    .addColumn("url", "text")
    .addColumn("inbox_url", "text")
    .addColumn("shared_inbox_url", "text")
    .addColumn("followers_url", "text")
    .addColumn("type", "text", (c) => c.notNull().defaultTo("Person"))
    .addColumn("manually_approves_followers", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("discoverable", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("indexable", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("fetched_at", "text")
    .execute();
  // One local account per username (case-insensitive: usernames are stored lowercased).
  await db.schema
    .createIndex("accounts_local_username")
    .on("accounts")
    .column("username")
    .unique()
    .where(sql.ref("domain"), "is", null)
    .execute();
  await db.schema
    .createIndex("accounts_remote_handle")
    .on("accounts")
    .columns(["username", "domain"])
    .unique()
    .where(sql.ref("domain"), "is not", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("accounts").execute();
}
