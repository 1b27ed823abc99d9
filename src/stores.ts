import { InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import type { FederationStores } from "../fedify.config.ts";
import type { Db } from "./storage/db.ts";

/** The KV store and queue on the project's own database, shared by every process. */
export function persistentStores(_db: Db): FederationStores {
  // TEMPORARY until the Kysely-backed store and queue land.
  return { kv: new MemoryKvStore(), queue: new InProcessMessageQueue() };
}
