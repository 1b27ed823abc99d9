import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/storage/db.ts";
import { ContentVersion } from "../../src/storage/content-version.ts";
import { createTestDb } from "../helpers/db.ts";

describe("content version", () => {
  let t: { db: Db; cleanup(): Promise<void> } | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("reads a committed change at once, and never a change still uncommitted in its own connection", async () => {
    t = await createTestDb();
    const { db } = t;
    const version = new ContentVersion(db);
    const start = await version.current();
    await sql`update content_version set version = version + 1 where id = 1`.execute(db.kysely);
    expect(await version.current()).toBe(start + 1);

    // A transaction of this process bumps the counter, then rolls back: a read made meanwhile must not
    // return the bump (a copy stamped with it would match a later, different change of the same number).
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let bumped!: () => void;
    const isBumped = new Promise<void>((r) => (bumped = r));
    const rolledBack = db.kysely
      .transaction()
      .execute(async (trx) => {
        await sql`update content_version set version = version + 100 where id = 1`.execute(trx);
        bumped();
        await released;
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await isBumped;
    const during = version.current();
    release();
    expect(await rolledBack).toBe("rolled back");
    expect(await during).toBe(start + 1);
  });
});
