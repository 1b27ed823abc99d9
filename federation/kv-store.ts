import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { sql } from "kysely";
import type { Db } from "../src/storage/db.ts";

const encodeKey = (key: KvKey) => JSON.stringify(key);

function expiresAt(options?: KvStoreSetOptions): string | null {
  if (!options?.ttl) return null;
  const ms = options.ttl.total({ unit: "millisecond" });
  return new Date(Date.now() + ms).toISOString();
}

const alive = (expires: string | null) => expires === null || expires > new Date().toISOString();

/**
 * Fedify's KvStore on Pictor's own database (SQLite or PostgreSQL), shared
 * by every process. Keys are stored as the JSON text of their arrays, so a
 * prefix is a textual prefix of `["a","b"` — ["a"] never matches ["ab"].
 * Expired entries read as missing and are deleted lazily and by `sweep`.
 */
export class KyselyKvStore implements KvStore {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const row = await this.db.kysely.selectFrom("kv").select(["value", "expires_at"]).where("key", "=", encodeKey(key)).executeTakeFirst();
    if (!row) return undefined;
    if (!alive(row.expires_at)) {
      await this.db.kysely.deleteFrom("kv").where("key", "=", encodeKey(key)).where("expires_at", "=", row.expires_at).execute();
      return undefined;
    }
    return JSON.parse(row.value) as T;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const row = { key: encodeKey(key), value: JSON.stringify(value ?? null), expires_at: expiresAt(options) };
    await this.db.kysely
      .insertInto("kv")
      .values(row)
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: row.value, expires_at: row.expires_at }))
      .execute();
  }

  async delete(key: KvKey): Promise<void> {
    await this.db.kysely.deleteFrom("kv").where("key", "=", encodeKey(key)).execute();
  }

  /**
   * Sets `key` to `newValue` only if it currently holds `expectedValue`
   * (deep equality; missing or expired counts as undefined). Atomic across
   * processes: a row lock on PostgreSQL, SQLite's single writer otherwise;
   * two racing inserts of a missing key cannot both win (primary key).
   */
  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const k = encodeKey(key);
    try {
      return await this.db.kysely.transaction().execute(async (trx) => {
        let q = trx.selectFrom("kv").select(["value", "expires_at"]).where("key", "=", k);
        if (this.db.dialect === "postgres") q = q.forUpdate();
        const row = await q.executeTakeFirst();
        const current = row && alive(row.expires_at) ? JSON.parse(row.value) : undefined;
        if (!isDeepStrictEqual(current, expectedValue)) return false;
        if (newValue === undefined) {
          await trx.deleteFrom("kv").where("key", "=", k).execute();
          return true;
        }
        const values = { key: k, value: JSON.stringify(newValue), expires_at: expiresAt(options) };
        if (row) await trx.updateTable("kv").set({ value: values.value, expires_at: values.expires_at }).where("key", "=", k).execute();
        else await trx.insertInto("kv").values(values).execute();
        return true;
      });
    } catch (error) {
      // Another process inserted the missing key first: our expectation no longer holds.
      if (/unique|duplicate|constraint/i.test(String((error as Error)?.message))) return false;
      throw error;
    }
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    let q = this.db.kysely.selectFrom("kv").select(["key", "value", "expires_at"]).orderBy("key");
    if (prefix && prefix.length > 0) {
      const exact = encodeKey(prefix);
      const start = `${exact.slice(0, -1)},`;
      q = q.where((eb) => eb.or([eb("key", "=", exact), eb(sql`substr(${sql.ref("key")}, 1, ${[...start].length})`, "=", start)]));
    }
    for (const row of await q.execute()) {
      if (!alive(row.expires_at)) continue;
      yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) };
    }
  }

  /**
   * Deletes expired entries, a thousand per statement so SQLite's write lock
   * is held briefly; returns how many. Workers call it on a schedule.
   */
  async sweep(): Promise<number> {
    const now = new Date().toISOString();
    let total = 0;
    for (;;) {
      const expired = this.db.kysely.selectFrom("kv").select("key").where("expires_at", "<=", now).limit(1000);
      const r = await this.db.kysely.deleteFrom("kv").where("key", "in", expired).executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < 1000) return total;
    }
  }

  /** The same as sweep(). */
  cleanup(): Promise<number> {
    return this.sweep();
  }
}
