import { createFederation, type Federation, type KvStore, type MessageQueue } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Config } from "./src/config.ts";

/** Pictor's federation carries no per-request context data: dependencies are closed over at registration. */
export type PictorFederation = Federation<void>;

export interface FederationStores {
  kv: KvStore;
  /** The persistent queue for inbox, outbox and fan-out work. */
  queue: MessageQueue;
}


/**
 * The one place that calls createFederation. Every process (web, worker, CLI)
 * builds the same federation; queues start only where startQueue is called,
 * so a web process can leave delivery to separate workers.
 */
export function buildFederation(config: Config, stores: FederationStores): PictorFederation {
  const logger = getLogger(["pictor", "federation", "outbox"]);
  return createFederation<void>({
    kv: stores.kv,
    queue: stores.queue,
    manuallyStartQueue: true,
    origin: config.publicUrl.href,
    // Refuse private addresses outside tests and local development.
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: "Pictor/0.1.0", url: config.publicUrl },
    onOutboxError(error, activity) {
      // Never log the activity body or the queue message: they may carry keys.
      logger.warn("Delivery of {activityId} failed: {message}", {
        activityId: activity?.id?.href,
        message: error.message,
      });
    },
  });
}
