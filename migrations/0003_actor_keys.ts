import type { Kysely } from "kysely";

// Key pairs of local actors; owner is an account id or "instance" for the instance actor.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("actor_keys")
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("actor_keys_pk", ["owner", "kind"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("actor_keys").execute();
}
