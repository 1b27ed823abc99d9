import { randomUUID } from "node:crypto";
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { sql } from "kysely";
import type pg from "pg";
import type { Db } from "../src/storage/db.ts";
import { newId } from "../src/storage/time.ts";

export interface KyselyMessageQueueOptions {
  /** A name, so several logical queues share one table (default "fedify"). */
  queue?: string;
  /** How often an idle listener looks for due messages (default 200 ms; PostgreSQL is also woken by NOTIFY). */
  pollIntervalMs?: number;
  /** How long a claimed message stays invisible to others; renewed while its handler runs (default 30 s). */
  leaseMs?: number;
  /** Messages one listener handles at once (never two of one ordering key). */
  concurrency?: number;
}

type Row = { id: string; message: string; ordering_key: string | null };

const CHANNEL = "pictor_queue";
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

/**
 * A persistent MessageQueue on Pictor's database, for SQLite and PostgreSQL.
 *
 * Decided deliberately: a message is not deleted when claimed. Claiming sets
 * a lease (renewed while the handler runs); the row is deleted only after
 * the handler finishes. A process that dies mid-handler leaves the row, and
 * another consumer takes it when the lease runs out: delivery is at least
 * once, and receivers deduplicate by activity id.
 *
 * Claims are single statements that two consumers can never both win: on
 * PostgreSQL `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`, on
 * SQLite one `UPDATE … RETURNING` (SQLite runs one writer at a time). A
 * message with an ordering key is claimable only when no earlier message
 * with that key is left, so those run one at a time, in order.
 *
 * Message bodies are never logged: outbox messages carry private keys.
 */
export class KyselyMessageQueue implements MessageQueue {
  readonly #db: Db;
  readonly #queue: string;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #concurrency: number;
  readonly #owner = randomUUID();
  readonly #wakers = new Set<() => void>();
  readonly #logger = getLogger(["pictor", "queue"]);

  constructor(db: Db, options: KyselyMessageQueueOptions = {}) {
    this.#db = db;
    this.#queue = options.queue ?? "fedify";
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.enqueueMany([message], options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return;
    const delayMs = options?.delay ? Math.max(0, options.delay.total({ unit: "millisecond" })) : 0;
    const now = iso();
    const runAt = iso(delayMs);
    const rows = messages.map((message) => ({
      id: newId(),
      queue: this.#queue,
      message: JSON.stringify(message),
      ordering_key: options?.orderingKey ?? null,
      run_at: runAt,
      locked_until: null,
      locked_by: null,
      created_at: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await this.#db.kysely.insertInto("queue_messages").values(rows.slice(i, i + 500)).execute();
    this.#wake();
    if (this.#db.dialect === "postgres") await sql`SELECT pg_notify(${CHANNEL}, ${this.#queue})`.execute(this.#db.kysely).catch(() => {});
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const now = iso();
    const r = await this.#db.kysely
      .selectFrom("queue_messages")
      .select([
        (e) => e.fn.countAll().as("queued"),
        sql<number>`sum(case when run_at <= ${now} and (locked_until is null or locked_until < ${now}) then 1 else 0 end)`.as("ready"),
        sql<number>`sum(case when run_at > ${now} then 1 else 0 end)`.as("delayed"),
      ])
      .where("queue", "=", this.#queue)
      .executeTakeFirstOrThrow();
    return { queued: Number(r.queued), ready: Number(r.ready ?? 0), delayed: Number(r.delayed ?? 0) };
  }

  #wake(): void {
    for (const w of this.#wakers) w();
  }

  /**
   * Claims up to `limit` due messages in one statement. Of the messages that
   * share an ordering key only the oldest is ever due, so one batch never
   * holds two of a key.
   */
  async #claim(limit: number): Promise<Row[]> {
    const now = iso();
    const lockedUntil = iso(this.#leaseMs);
    const skipLocked = this.#db.dialect === "postgres" ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const result = await sql<Row>`
      UPDATE queue_messages
         SET locked_until = ${lockedUntil}, locked_by = ${this.#owner}, attempts = attempts + 1
       WHERE id IN (
         SELECT m.id FROM queue_messages m
          WHERE m.queue = ${this.#queue}
            AND m.run_at <= ${now}
            AND (m.locked_until IS NULL OR m.locked_until < ${now})
            AND (m.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM queue_messages o
                   WHERE o.queue = m.queue AND o.ordering_key = m.ordering_key AND o.id < m.id))
          ORDER BY m.run_at, m.id
          LIMIT ${limit}
          ${skipLocked})
      RETURNING id, message, ordering_key`.execute(this.#db.kysely);
    // RETURNING gives no order: hand messages out oldest first (ids sort by time).
    return result.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Extends the lease of every message this consumer is handling, in one statement. */
  async #renew(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.kysely
      .updateTable("queue_messages")
      .set({ locked_until: iso(this.#leaseMs) })
      .where("id", "in", ids)
      .where("locked_by", "=", this.#owner)
      .execute();
  }

  async #handle(row: Row, handler: (message: unknown) => Promise<void> | void, done: Batcher): Promise<void> {
    try {
      await handler(JSON.parse(row.message));
    } catch (error) {
      // Fedify retries on its own; this is the safety net so nothing is lost.
      const attempts = await this.#db.kysely.selectFrom("queue_messages").select("attempts").where("id", "=", row.id).executeTakeFirst();
      const backoff = Math.min(60 * 60 * 1000, 1000 * 2 ** Math.min(12, attempts?.attempts ?? 1));
      this.#logger.warn("A {queue} message failed (attempt {attempts}); retrying in {backoff} ms: {message}", {
        queue: this.#queue,
        attempts: attempts?.attempts,
        backoff,
        message: error instanceof Error ? error.message : String(error),
      });
      await this.#db.kysely
        .updateTable("queue_messages")
        .set({ run_at: iso(backoff), locked_until: null, locked_by: null })
        .where("id", "=", row.id)
        .execute()
        .catch(() => {});
      return;
    }
    // Deleted only once handled: a crash (or a failed delete) leaves the row, and its lease runs out.
    await done.add(row.id).catch((error) => {
      this.#logger.warn("Deleting a handled {queue} message failed; it will run again: {error}", { queue: this.#queue, error: (error as Error).message });
    });
  }

  /** PostgreSQL: a dedicated connection LISTENs, so enqueues in other processes wake us at once. */
  #listenPg(signal: AbortSignal): void {
    const pool = this.#db.pgPool;
    if (!pool) return;
    let client: pg.PoolClient | undefined;
    const connect = async () => {
      if (signal.aborted) return;
      try {
        client = await pool.connect();
        client.on("notification", (n) => {
          if (n.payload === this.#queue) this.#wake();
        });
        client.on("error", () => {
          client?.release(true);
          client = undefined;
          setTimeout(connect, 1000);
        });
        await client.query(`LISTEN ${CHANNEL}`);
      } catch {
        client?.release(true);
        client = undefined;
        setTimeout(connect, 1000);
      }
    };
    void connect();
    signal.addEventListener("abort", () => {
      client?.query(`UNLISTEN ${CHANNEL}`).catch(() => {});
      client?.release();
      client = undefined;
    }, { once: true });
  }

  /**
   * Handles messages until the signal aborts, then waits for the handlers
   * still running and resolves. Claims come in batches, refilled when half
   * the slots are free; finished messages are deleted together, and one
   * timer renews the leases of all running ones.
   */
  async listen(handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    const signal = options?.signal ?? new AbortController().signal;
    const running = new Map<string, Promise<void>>();
    const finished = new Batcher((ids) => this.#db.kysely.deleteFrom("queue_messages").where("id", "in", ids).execute());
    // A wake-up that comes while no one waits (mid-claim) is remembered, not lost.
    let wakeUp: (() => void) | undefined;
    let woken = false;
    const waker = () => {
      woken = true;
      wakeUp?.();
    };
    this.#wakers.add(waker);
    if (this.#db.dialect === "postgres") this.#listenPg(signal);
    const pollMs = this.#db.dialect === "postgres" ? Math.max(this.#pollMs, 1000) : this.#pollMs;
    const renewer = setInterval(() => void this.#renew([...running.keys()]).catch(() => {}), Math.max(50, this.#leaseMs / 3));
    const refillAt = Math.floor(this.#concurrency / 2);
    try {
      while (!signal.aborted) {
        woken = false;
        if (running.size <= refillAt) {
          try {
            for (const row of await this.#claim(this.#concurrency - running.size)) {
              const p = this.#handle(row, handler, finished).finally(() => {
                running.delete(row.id);
                if (running.size <= refillAt) waker();
              });
              running.set(row.id, p);
            }
          } catch (error) {
            this.#logger.warn("Claiming from {queue} failed: {error}", { queue: this.#queue, error: (error as Error).message });
          }
        }
        if (signal.aborted) break;
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            wakeUp = undefined;
            resolve();
          }
          wakeUp = done;
          signal.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      this.#wakers.delete(waker);
      await Promise.allSettled([...running.values()]);
      clearInterval(renewer);
      await finished.flush();
    }
  }
}

/**
 * Collects ids and runs one statement for all those added in the same turn
 * of the event loop; each add() resolves once its id's statement has run.
 */
class Batcher {
  #ids: string[] = [];
  #pending: Promise<void> | undefined;

  constructor(private readonly run: (ids: string[]) => Promise<unknown>) {}

  add(id: string): Promise<void> {
    this.#ids.push(id);
    this.#pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#pending = undefined;
        void this.flush().then(resolve, reject);
      });
    });
    return this.#pending;
  }

  async flush(): Promise<void> {
    const ids = this.#ids;
    this.#ids = [];
    for (let i = 0; i < ids.length; i += 500) await this.run(ids.slice(i, i + 500));
  }
}
