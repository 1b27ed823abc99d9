import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("local_users").addColumn("default_visibility", "text", (c) => c.notNull().defaultTo("public")).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("local_users").dropColumn("default_visibility").execute();
}
