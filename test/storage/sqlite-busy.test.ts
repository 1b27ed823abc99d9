import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, openDb } from "../../src/storage/db.ts";
import { TEST_DATABASE_URL } from "../helpers/db.ts";

// Two connections to one SQLite file stand for a web process and a worker. SQLite lets one write at
// a time; the one that waits must wait without stopping its event loop (better-sqlite3 runs every
// statement synchronously, so SQLite's own busy_timeout used to freeze the whole process).
describe.skipIf(Boolean(TEST_DATABASE_URL))("SQLite write lock, waited for asynchronously", () => {
  let dir: string | undefined;
  const dbs: Db[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function twoConnections(): Promise<[Db, Db]> {
    dir = mkdtempSync(join(tmpdir(), "pictor-busy-"));
    const url = `sqlite:${join(dir, "db.sqlite")}`;
    const a = openDb(url);
    const b = openDb(url);
    dbs.push(a, b);
    await sql`create table t (x integer not null)`.execute(a.kysely);
    return [a, b];
  }

  it("keeps the event loop turning while another connection holds the write lock, then writes", async () => {
    const [worker, web] = await twoConnections();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // The worker holds the write lock across awaits, as a transaction does while its process does other work.
    const transaction = worker.kysely.transaction().execute(async (trx) => {
      await sql`insert into t (x) values (1)`.execute(trx);
      locked();
      await released;
      await sql`insert into t (x) values (2)`.execute(trx);
    });
    await isLocked;

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    // An autocommit write and a transaction from the other connection both wait for the lock...
    const insert = sql`insert into t (x) values (3)`.execute(web.kysely);
    const second = web.kysely.transaction().execute((trx) => sql`insert into t (x) values (4)`.execute(trx));
    // ...while timers still fire in this same process (with a synchronous busy wait none would, and the
    // lock holder, waiting on this timer, could never commit: both would fail after the busy timeout).
    await new Promise((r) => setTimeout(r, 150));
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(5);
    release();
    await transaction;
    await insert;
    await second;
    const rows = await sql<{ x: number }>`select x from t order by x`.execute(web.kysely);
    expect(rows.rows.map((r) => r.x)).toEqual([1, 2, 3, 4]);
  });

  it("fails a write inside a transaction at once instead of repeating it", async () => {
    const [a, b] = await twoConnections();
    await sql`insert into t (x) values (1)`.execute(a.kysely);
    // b holds a read snapshot in a transaction of its own making (Pictor's begin IMMEDIATE; this one is
    // DEFERRED to show the rule) while a holds the write lock. b's write cannot upgrade: repeating it
    // would only wait for a's commit and then fail anyway, its snapshot stale.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = a.kysely.transaction().execute(async (trx) => {
      await sql`insert into t (x) values (2)`.execute(trx);
      locked();
      await released;
    });
    const outcome = await b.kysely.connection().execute(async (c) => {
      await sql`begin deferred`.execute(c);
      try {
        await sql`select count(*) from t`.execute(c);
        await isLocked;
        const started = Date.now();
        const error = await sql`insert into t (x) values (3)`.execute(c).then(
          () => null,
          (e: unknown) => e as { code?: string },
        );
        return { error, ms: Date.now() - started };
      } finally {
        await sql`rollback`.execute(c);
      }
    });
    setTimeout(release, 300);
    await holder;
    expect(outcome.error?.code).toBe("SQLITE_BUSY");
    expect(outcome.ms).toBeLessThan(250);
  });
});
