import { afterAll, describe, expect, it } from "vitest";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { KyselyMessageQueue } from "../federation/queue.ts";
import { type Db, openDb } from "../src/storage/db.ts";
import { migrateToLatest } from "../src/storage/migrate.ts";
import { canMakePgCluster, type PgCluster, startPgCluster } from "./helpers/pg-cluster.ts";
import { waitFor } from "./helpers/pictor.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A PostgreSQL server of the test's own is killed while queue handlers run,
 * then started again. Runs whatever TEST_DATABASE_URL says: the outage is on
 * its own throwaway cluster, never on the shared server.
 */
describe.skipIf(!canMakePgCluster)("the queue and KV store when PostgreSQL goes away and comes back", () => {
  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  const controller = new AbortController();
  let listening: Promise<void> | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUnhandled);
    controller.abort();
    await listening;
    await cluster?.destroy();
    // Bounded: a pool waits for connections left checked out, which a broken queue might do.
    await Promise.race([db?.close().catch(() => {}), sleep(5_000)]);
  });

  it("keeps running, loses nothing and picks every message up again", async () => {
    // Either would have crashed a server: an unawaited failing query, or a pg client's "error" with no listener.
    process.on("unhandledRejection", onUnhandled);
    process.on("uncaughtException", onUnhandled);
    cluster = await startPgCluster();
    db = openDb(cluster.url, { poolSize: 6 });
    await migrateToLatest(db);
    const kv = new KyselyKvStore(db);
    const queue = new KyselyMessageQueue(db, { queue: "outage", pollIntervalMs: 50, leaseMs: 1000, concurrency: 4 });
    const handled = new Map<number, number>();
    listening = queue.listen(
      async (m) => {
        const i = (m as { i: number }).i;
        await sleep(20);
        // Handlers use the database too: during the outage they fail, and their failure path finds it gone as well.
        await kv.set(["handled", String(i)], true);
        handled.set(i, (handled.get(i) ?? 0) + 1);
      },
      { signal: controller.signal },
    );
    const TOTAL = 80;
    await queue.enqueueMany(Array.from({ length: TOTAL }, (_, i) => ({ i })));
    await waitFor(() => handled.size >= 4, 10_000, "the first messages handled");

    await cluster.stop();
    const downAt = handled.size;
    // While it is down, callers get errors (nothing hangs, nothing crashes).
    await expect(queue.enqueue({ i: -1 })).rejects.toThrow();
    await expect(kv.get(["handled", "0"])).rejects.toThrow();
    await sleep(1500);
    expect(handled.size).toBeLessThan(TOTAL);
    expect(handled.size - downAt).toBeLessThanOrEqual(4); // at most what was already past its last query

    await cluster.start();
    await waitFor(() => handled.size === TOTAL, 20_000, `every message handled (had ${handled.size})`);
    await waitFor(async () => (await queue.getDepth()).queued === 0, 10_000, "an empty queue");
    expect(unhandled).toEqual([]);
    expect(await queue.deadLetters()).toEqual([]);
    expect(await kv.get(["handled", String(TOTAL - 1)])).toBe(true);
    // The LISTEN connection came back too.
    await waitFor(
      async () => (await db!.pgPool!.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")).rows[0].n >= 1,
      10_000,
      "the NOTIFY listener to reconnect",
    );
    controller.abort();
    await listening;
    expect(unhandled).toEqual([]);
  }, 45_000);
});
