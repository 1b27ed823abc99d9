import type { CompiledQuery } from "kysely";
import type { Db } from "./db.ts";

/**
 * One read shared by everyone who asks while it is pending — but never a read
 * that began before the asker arrived. A call made while a read runs waits for
 * the next one, which every call arriving meanwhile joins, and which starts as
 * soon as the running one ends: about one read per round trip however many
 * ask, and each answer is at least as new as its question.
 */
export class FreshRead<T> {
  #running: Promise<T> | null = null;
  #next: Promise<T> | null = null;
  /** Reads begun (for tests and measurements). */
  reads = 0;

  constructor(private readonly read: () => Promise<T>) {}

  current(): Promise<T> {
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    const startNext = () => {
      this.#next = null;
      return this.#start();
    };
    this.#next = this.#running.then(startNext, startNext);
    return this.#next;
  }

  #start(): Promise<T> {
    this.reads++;
    const run = this.read().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }
}

/**
 * The content version: a counter that database triggers bump in the same
 * transaction as every change to what anonymous pages and public ActivityPub
 * documents show (migrations/0045), whichever process made the change. A copy
 * rendered after reading version v is current while the counter still reads v;
 * `current()` is a FreshRead of it, so a change committed before the call is
 * always seen.
 */
const VERSION_SQL = "select version from content_version where id = ?";

export class ContentVersion extends FreshRead<number> {
  /** `row` 1 is the content version; row 2 moves only with domain_blocks (migrations/0046). */
  constructor(db: Db, row: 1 | 2 = 1) {
    const query: CompiledQuery = db.kysely.selectFrom("content_version").select("version").where("id", "=", row).compile();
    super(async () => {
      // SQLite: read at once, unless this connection is inside a transaction (then as any query, after it).
      // It is checked on every cached hit, and through Kysely it cost several times the read itself.
      try {
        const now = db.readValueNow?.(VERSION_SQL, row);
        if (now !== undefined && now !== null) return Number(now);
      } catch {} // SQLITE_BUSY and the like: the query below waits as every other does
      const found = (await db.kysely.executeQuery<{ version: number | string }>(query)).rows[0];
      if (!found) throw new Error(`content_version has no row ${row}: run the migrations`);
      return Number(found.version);
    });
  }
}
