import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import { createRequire } from "node:module";
import type pg from "pg";
import type { Database } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";

/** An open database: the Kysely instance plus what dialect-specific code needs. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** The pg pool, for LISTEN/NOTIFY; undefined on SQLite. */
  pgPool?: pg.Pool;
  /**
   * SQLite only: runs a one-row, one-column read at once, outside Kysely (which
   * costs several times the read itself), or returns undefined while this
   * connection has a transaction open (its uncommitted rows must not be read).
   */
  readValueNow?(text: string, ...params: unknown[]): unknown;
  /** The connection string (or sqlite:path) this Db was opened with. */
  url: string;
  close(): Promise<void>;
}

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
}

function sqlitePath(url: string): string {
  if (url.startsWith("sqlite:")) return url.slice("sqlite:".length);
  if (url.startsWith("file:")) return new URL(url).pathname;
  return url;
}

/** pg loads only when a PostgreSQL database is opened (SQLite instances never pay for it). */
function loadPg(): typeof pg {
  const mod = createRequire(import.meta.url)("pg") as typeof pg;
  // PostgreSQL's bigint (count(*)) arrives as a string by default; our counts fit in a double.
  mod.types.setTypeParser(mod.types.builtins.INT8, (v) => Number.parseInt(v, 10));
  return mod;
}

/**
 * SQLite transactions that begin IMMEDIATE: they take the write lock at the
 * start (waiting for it as waitWhileBusy does) instead of upgrading a read lock later,
 * which another process's commit can turn into an unretryable SQLITE_BUSY.
 * Every transaction Pictor opens writes, so nothing is lost by it.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly inTransaction: () => boolean,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    const acquire = driver.acquireConnection.bind(driver);
    const waiting = new WeakSet<DatabaseConnection>();
    driver.acquireConnection = async () => {
      const connection = await acquire();
      if (!waiting.has(connection)) {
        waiting.add(connection);
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = (query) => waitWhileBusy(() => execute(query), query.sql, this.inTransaction) as never;
      }
      return connection;
    };
    return driver;
  }
}

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_WAIT_MS = 5000;

/**
 * Runs a statement, waiting asynchronously while another process holds the
 * write lock. SQLite's own busy handler (busy_timeout) sleeps inside the call,
 * which in better-sqlite3 freezes the whole event loop: a web process whose
 * queue insert waited for a worker's commit stopped serving every request
 * meanwhile. Only a statement that can be repeated is: one outside a
 * transaction (it did nothing), the `begin immediate` that starts one, or a
 * COMMIT (which SQLite leaves pending when it answers BUSY).
 */
async function waitWhileBusy<T>(run: () => Promise<T>, text: string, inTransaction: () => boolean): Promise<T> {
  let deadline: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== "SQLITE_BUSY") throw error;
      // A BUSY statement changed nothing, so whether a transaction is open reads the same after it as before.
      if (inTransaction() && !/^\s*commit\b/i.test(text)) throw error;
      deadline ??= Date.now() + SQLITE_BUSY_WAIT_MS;
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(16, 2 ** (attempt >> 1))));
    }
  }
}

/**
 * Opens a database from a URL: `postgres://…` for PostgreSQL, otherwise an
 * SQLite file (`sqlite:PATH`, `file:PATH`, a plain path, or `:memory:`).
 */
export function openDb(url: string, options: { poolSize?: number } = {}): Db {
  if (dialectOf(url) === "postgres") {
    const pool = new (loadPg().Pool)({ connectionString: url, max: options.poolSize ?? 10 });
    // A client that loses its connection must not crash the process: idle ones report to the pool,
    // and one in use (pg emits "error" on it, with no listener while checked out) fails its query instead;
    // the pool drops it when it is released.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", () => {}));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: "postgres", pgPool: pool, url, close: () => kysely.destroy() };
  }
  const path = sqlitePath(url);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  // No busy wait inside SQLite: statements wait for the write lock asynchronously (waitWhileBusy).
  sqlite.pragma("busy_timeout = 0");
  sqlite.pragma("synchronous = NORMAL");
  // Kysely prepares every query anew; keep prepared statements for the SQL we run again and again.
  const statements = new Map<string, SQLite.Statement>();
  const database = {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (statements.size >= 500) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
  };
  const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }, () => sqlite.inTransaction) });
  // Statements of their own: pluck() changes a statement for good, and Kysely's must return rows.
  const plucked = new Map<string, SQLite.Statement>();
  const readValueNow = (text: string, ...params: unknown[]) => {
    if (sqlite.inTransaction) return undefined;
    let statement = plucked.get(text);
    if (!statement) plucked.set(text, (statement = sqlite.prepare(text).pluck()));
    return statement.get(...params);
  };
  return { kysely, dialect: "sqlite", url, readValueNow, close: () => kysely.destroy() };
}
