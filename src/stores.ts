import { KyselyKvStore } from "../federation/kv-store.ts";
import { KyselyMessageQueue } from "../federation/queue.ts";
import type { PictorStores } from "./app.ts";
import type { Db } from "./storage/db.ts";

/** The KV store and queues on the project's own database, shared by every process and machine. */
export function persistentStores(db: Db, options: { leaseMs?: number; pollIntervalMs?: number } = {}): PictorStores {
  return {
    kv: new KyselyKvStore(db),
    // A delivery or inbox task still running after 10 s (an inbox that never answers) gives its slot to the next.
    queue: new KyselyMessageQueue(db, { queue: "fedify", concurrency: 8, slowAfterMs: 10_000, ...options }),
    // One image at a time per process: generation is CPU-heavy (builtin) or slow and rate-limited (providers).
    jobs: new KyselyMessageQueue(db, { queue: "jobs", concurrency: 1, ...options }),
  };
}
