import { InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import type { PictorStores } from "./app.ts";
import type { Db } from "./storage/db.ts";

/** The KV store and queues on the project's own database, shared by every process. */
export function persistentStores(_db: Db): PictorStores {
  // TEMPORARY until the Kysely-backed store and queue land.
  return { kv: new MemoryKvStore(), queue: new InProcessMessageQueue(), jobs: new InProcessMessageQueue() };
}
