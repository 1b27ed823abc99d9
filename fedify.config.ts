import { createFederation, type DocumentLoader, type Federation, type KvStore, type MessageQueue } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Config } from "./src/config.ts";
import { explain } from "./src/net/errors.ts";

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
  const federation = createFederation<void>({
    kv: stores.kv,
    queue: stores.queue,
    manuallyStartQueue: true,
    origin: config.publicUrl.href,
    // Refuse private addresses outside tests and local development. Fedify checks the URLs its
    // document loaders fetch; every connection it makes (lookups and deliveries, which go through
    // the global fetch) is also checked after DNS, and timed out, by the guarded HTTP client the
    // composition root installs as the global dispatcher (src/net).
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: "Pictor/0.1.0", url: config.publicUrl },
    onOutboxError(error, activity) {
      // Never log the activity body or the queue message: they may carry keys.
      logger.warn("Delivery of {activityId} failed: {message}", {
        activityId: activity?.id?.href,
        message: explain(error),
      });
    },
  });
  reuseLoaders(federation);
  return federation;
}

type LoaderFactory = (options?: unknown) => DocumentLoader;
type AuthenticatedLoaderFactory = (identity: { keyId: URL; privateKey: CryptoKey }, options?: unknown) => DocumentLoader;

/**
 * Fedify 2.3 builds a fresh KV-cached document loader and context loader,
 * each with a new URLPattern, for every context it creates: several per
 * inbound activity, about a tenth of the CPU an activity costs. What they
 * return depends only on the options passed (private-address switch, user
 * agent), which are the same for every call here, so one loader per distinct
 * options is kept and handed out again. Caching and the private-address
 * guard are Fedify's own, unchanged.
 *
 * The factories are instance fields of Fedify's federation, not part of its
 * typed interface: if a release renames them this throws at start-up (and in
 * the tests) rather than silently losing the saving.
 */
export function reuseLoaders(federation: PictorFederation, maxVariants = 8): void {
  const fields = federation as unknown as Record<"documentLoaderFactory" | "contextLoaderFactory", LoaderFactory | undefined>;
  for (const name of ["documentLoaderFactory", "contextLoaderFactory"] as const) {
    const build = fields[name];
    if (typeof build !== "function") throw new Error(`Fedify no longer has federation.${name}; update reuseLoaders() in fedify.config.ts`);
    const built = new Map<string, DocumentLoader>();
    fields[name] = (options) => {
      const key = JSON.stringify(options ?? null);
      let loader = built.get(key);
      if (!loader) {
        loader = build.call(federation, options);
        if (built.size < maxVariants) built.set(key, loader);
      }
      return loader;
    };
  }
  // Signed fetches: Fedify builds a new authenticated loader for every context that signs as an
  // actor — the shared inbox makes one per inbound POST (signing as the instance actor). One per
  // signing key (the key pairs dispatcher hands out the same imported CryptoKey every time) and
  // options is enough; what it returns depends on nothing else.
  const authenticated = federation as unknown as Record<"authenticatedDocumentLoaderFactory", AuthenticatedLoaderFactory | undefined>;
  const buildSigned = authenticated.authenticatedDocumentLoaderFactory;
  if (typeof buildSigned !== "function") throw new Error("Fedify no longer has federation.authenticatedDocumentLoaderFactory; update reuseLoaders() in fedify.config.ts");
  const signed = new WeakMap<CryptoKey, Map<string, DocumentLoader>>();
  authenticated.authenticatedDocumentLoaderFactory = (identity, options) => {
    let byKey = signed.get(identity.privateKey);
    if (!byKey) signed.set(identity.privateKey, (byKey = new Map()));
    const key = `${identity.keyId.href}\n${JSON.stringify(options ?? null)}`;
    let loader = byKey.get(key);
    if (!loader) {
      loader = buildSigned.call(federation, identity, options);
      if (byKey.size < maxVariants) byKey.set(key, loader);
    }
    return loader;
  };
}
