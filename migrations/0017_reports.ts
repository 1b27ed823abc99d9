import type { Kysely } from "kysely";

// Reports (Flag activities, or local reports) for admins to review.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("reports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("iri", "text", (c) => c.notNull().unique())
    .addColumn("reporter_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("target_id", "text", (c) => c.references("accounts.id").onDelete("cascade"))
    .addColumn("object_iris", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("comment", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .execute();
  await db.schema.createIndex("reports_open").on("reports").columns(["resolved_at", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("reports").execute();
}
