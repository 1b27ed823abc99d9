import type { Kysely } from "kysely";

// Image generation jobs: asked for by an account, run by a worker from the queue.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("generation_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("prompt", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("size", "text", (c) => c.notNull())
    .addColumn("n", "integer", (c) => c.notNull())
    .addColumn("seed", "bigint")
    .addColumn("quality", "text")
    .addColumn("source_media_id", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("started_at", "text")
    .addColumn("finished_at", "text")
    .execute();
  await db.schema.createIndex("generation_jobs_account").on("generation_jobs").columns(["account_id", "state", "created_at"]).execute();
  await db.schema.createIndex("generation_jobs_state").on("generation_jobs").columns(["state", "created_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("generation_jobs").execute();
}
