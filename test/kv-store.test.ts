import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { type Db, openDb } from "../src/storage/db.ts";
import { createTestDb } from "./helpers/db.ts";

const ms = (n: number) => Temporal.Duration.from({ milliseconds: n }) as unknown as globalThis.Temporal.Duration;

describe("KyselyKvStore", () => {
  let t: { db: Db; url: string; cleanup(): Promise<void> };
  let other: Db;
  let kv: KyselyKvStore;
  beforeAll(async () => {
    t = await createTestDb();
    other = openDb(t.url);
    kv = new KyselyKvStore(t.db);
  });
  afterAll(async () => {
    await other?.close();
    await t?.cleanup();
  });

  it("gets, sets, overwrites and deletes JSON values; null is not missing", async () => {
    expect(await kv.get(["a", "b"])).toBeUndefined();
    await kv.set(["a", "b"], { x: [1, "two", null] });
    expect(await kv.get(["a", "b"])).toEqual({ x: [1, "two", null] });
    await kv.set(["a", "b"], 42);
    expect(await kv.get(["a", "b"])).toBe(42);
    await kv.set(["n"], null);
    expect(await kv.get(["n"])).toBeNull();
    await kv.delete(["a", "b"]);
    expect(await kv.get(["a", "b"])).toBeUndefined();
  });

  it("expires entries after their TTL", async () => {
    await kv.set(["ttl"], "soon gone", { ttl: ms(50) });
    expect(await kv.get(["ttl"])).toBe("soon gone");
    await new Promise((r) => setTimeout(r, 80));
    expect(await kv.get(["ttl"])).toBeUndefined();
    await kv.set(["ttl2"], 1, { ttl: ms(1) });
    await new Promise((r) => setTimeout(r, 10));
    expect(await kv.cleanup()).toBeGreaterThanOrEqual(1);
  });

  it("sweeps expired entries away, and only those", async () => {
    await kv.set(["sweep", "old"], 1, { ttl: ms(1) });
    await kv.set(["sweep", "older"], 2, { ttl: ms(1) });
    await kv.set(["sweep", "fresh"], 3, { ttl: ms(60_000) });
    await kv.set(["sweep", "forever"], 4);
    await new Promise((r) => setTimeout(r, 10));
    expect(await kv.sweep()).toBeGreaterThanOrEqual(2);
    const left = await t.db.kysely.selectFrom("kv").select("key").where("key", "like", '["sweep"%').orderBy("key").execute();
    expect(left.map((r) => JSON.parse(r.key))).toEqual([["sweep", "forever"], ["sweep", "fresh"]]);
    expect(await kv.sweep()).toBe(0);
  });

  it("lists by key prefix without matching longer names", async () => {
    await kv.set(["p", "x"], 1);
    await kv.set(["p", "y", "z"], 2);
    await kv.set(["pq"], 3);
    await kv.set(["p"], 0);
    await kv.set(["p%", "_"], 4);
    const list = async (prefix?: [string, ...string[]]) => {
      const out = [];
      for await (const e of kv.list(prefix)) out.push([e.key, e.value]);
      return out;
    };
    const byKey = (a: unknown[], b: unknown[]) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0]));
    expect((await list(["p"])).sort(byKey)).toEqual([
      [["p"], 0],
      [["p", "x"], 1],
      [["p", "y", "z"], 2],
    ].sort(byKey));
    expect(await list(["p", "y"])).toEqual([[["p", "y", "z"], 2]]);
    expect(await list(["p%"])).toEqual([[["p%", "_"], 4]]);
    expect((await list()).length).toBeGreaterThanOrEqual(5);
  });

  it("compares and swaps atomically, even with many contenders on separate connections", async () => {
    expect(await kv.cas(["c"], undefined, 1)).toBe(true);
    expect(await kv.cas(["c"], 2, 3)).toBe(false);
    expect(await kv.cas(["c"], 1, { v: 2 })).toBe(true);
    expect(await kv.cas(["c"], { v: 2 }, { v: 3 })).toBe(true);
    expect(await kv.get(["c"])).toEqual({ v: 3 });
    // 20 increments from two stores: each cas either wins or retries, none is lost. On PostgreSQL they use
    // two connections. SQLite connections in one process would block each other's event loop (better-sqlite3
    // waits synchronously for the lock), so there they share one; across processes the lock does the work.
    const stores = [new KyselyKvStore(t.db), new KyselyKvStore(t.db.dialect === "postgres" ? other : t.db)];
    await kv.set(["counter"], 0);
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const store = stores[i % 2];
        for (;;) {
          const current = (await store.get<number>(["counter"])) ?? 0;
          if (await store.cas(["counter"], current, current + 1)) return;
        }
      }),
    );
    expect(await kv.get(["counter"])).toBe(20);
    // A missing key raced by two inserts: exactly one wins.
    const results = await Promise.all(stores.map((s, i) => s.cas(["fresh"], undefined, i)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
