import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../storage/db.ts";
import { nowIso } from "../storage/time.ts";
import type { LocalAccount } from "./accounts.ts";

/** A session's row id: the SHA-256 of its token (the token itself is never stored). */
export const sessionId = (token: string) => createHash("sha256").update(token).digest("hex");
const hash = sessionId;
export const SESSION_DAYS = 30;

/** Browser sessions: random tokens, stored hashed, expiring after 30 days. */
export class SessionService {
  constructor(private readonly db: Db) {}

  async create(accountId: string, userAgent = ""): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    await this.db.kysely
      .insertInto("sessions")
      .values({ id: hash(token), account_id: accountId, user_agent: userAgent.slice(0, 300), created_at: nowIso(), expires_at: new Date(now + SESSION_DAYS * 86400_000).toISOString() })
      .execute();
    return token;
  }

  /** The signed-in local account for a token, if the session is alive. */
  async account(token: string | undefined): Promise<LocalAccount | undefined> {
    if (!token || token.length > 100) return undefined;
    return this.db.kysely
      .selectFrom("sessions")
      .innerJoin("accounts", "accounts.id", "sessions.account_id")
      .innerJoin("local_users", "local_users.account_id", "accounts.id")
      .selectAll("accounts")
      .select("local_users.is_admin")
      .where("sessions.id", "=", hash(token))
      .where("sessions.expires_at", ">", nowIso())
      .where("accounts.deleted_at", "is", null)
      .where("accounts.suspended_at", "is", null)
      .executeTakeFirst();
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.db.kysely.deleteFrom("sessions").where("id", "=", hash(token)).execute();
  }

  /** Removes sessions that have expired (run on a schedule by workers); returns how many. */
  async deleteExpired(now: Date = new Date()): Promise<number> {
    const r = await this.db.kysely.deleteFrom("sessions").where("expires_at", "<=", now.toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
