import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Db, openDb } from "../../src/storage/db.ts";
import { migrateToLatest } from "../../src/storage/migrate.ts";

/** The PostgreSQL server to test against, or undefined to test on SQLite. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

export interface TestDatabase {
  /** A URL that other processes (a second server, a worker) can open too. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Makes an empty database of the dialect under test: a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set, else a fresh SQLite file.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL) {
    const name = `pictor_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "pictor-test-"));
  return {
    url: `sqlite:${join(dir, "test.sqlite")}`,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An open, migrated database of the dialect under test, and its cleanup. */
export async function createTestDb(): Promise<{ db: Db; url: string; cleanup(): Promise<void> }> {
  const t = await createTestDatabase();
  const db = openDb(t.url);
  await migrateToLatest(db);
  return {
    db,
    url: t.url,
    async cleanup() {
      await db.close();
      await t.drop();
    },
  };
}
