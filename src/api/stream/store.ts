import type { PostDetails } from "../../domain/posts.ts";
import type { Db } from "../../storage/db.ts";
import { newId, nowIso } from "../../storage/time.ts";

/**
 * What the streaming API carries between processes: ids only, never rendered entities (each
 * listener's process renders them as that listener may see them).
 */
export type StreamEventPayloads = {
  /** A post was published here or arrived from elsewhere. */
  status: { postId: string };
  /** A post was edited (`at`: when, so two edits are two events). */
  "status.update": { postId: string; at: string | null };
  /**
   * A post was deleted. A remote post is gone from the database by then: `gone` carries it as it
   * was, so each listener can still be checked against who could see it.
   */
  delete: { postId: string; gone?: PostDetails };
  /** A boost was made (an entry on its booster's followers' home timelines). */
  boost: { interactionId: string; postId: string; boosterId: string };
  /** A boost was taken back. */
  unboost: { interactionId: string; postId: string; boosterId: string };
  /** A notification was made for a local account. */
  notification: { notificationId: string; accountId: string };
};

export type StreamEventKind = keyof StreamEventPayloads;

export type StreamEvent = { [K in StreamEventKind]: { id: string; kind: K; payload: StreamEventPayloads[K] } }[StreamEventKind];

/** The lowest UUIDv7 of a millisecond: ids compare as strings, so this bounds ids by time. */
export function idAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

const KINDS = new Set<string>(["status", "status.update", "delete", "boost", "unboost", "notification"]);

/** The `stream_events` table: written by any process, read by every web process, swept after a few minutes. */
export class StreamEventStore {
  constructor(private readonly db: Db) {}

  async record<K extends StreamEventKind>(kind: K, payload: StreamEventPayloads[K]): Promise<void> {
    await this.db.kysely
      .insertInto("stream_events")
      .values({ id: newId(), kind, payload: JSON.stringify(payload), created_at: nowIso() })
      .execute();
  }

  /** Events with ids from `fromId` on, oldest first (at most `limit`). */
  async since(fromId: string, limit = 1000): Promise<StreamEvent[]> {
    const rows = await this.db.kysely.selectFrom("stream_events").select(["id", "kind", "payload"]).where("id", ">=", fromId).orderBy("id").limit(limit).execute();
    const out: StreamEvent[] = [];
    for (const r of rows) {
      if (!KINDS.has(r.kind)) continue;
      try {
        out.push({ id: r.id, kind: r.kind, payload: JSON.parse(r.payload) } as StreamEvent);
      } catch {
        // A malformed row is skipped.
      }
    }
    return out;
  }

  /** Deletes events older than `maxAgeMs`; returns how many. */
  async sweep(maxAgeMs = 5 * 60_000): Promise<number> {
    const r = await this.db.kysely.deleteFrom("stream_events").where("id", "<", idAt(Date.now() - maxAgeMs)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
