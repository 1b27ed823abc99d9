import type { Logger } from "@logtape/logtape";
import type { InputLimits } from "../media/inspect.ts";
import { MediaError } from "../media/inspect.ts";
import { processImage } from "../media/pipeline.ts";
import { fetchRemoteImage, RemoteImageError } from "../media/remote.ts";
import type { MediaStore } from "../media/store.ts";
import type { Db } from "../storage/db.ts";
import type { RemoteMediaRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";

export interface RemoteMediaDeps {
  db: Db;
  store: MediaStore;
  /** The guarded client's fetch (src/net): SSRF-guarded on every hop, with its timeouts. */
  fetch: typeof fetch;
  /** MEDIA_MAX_BYTES and MEDIA_MAX_PIXELS. */
  limits: InputLimits;
  /** Puts one fetch on the jobs queue (`{ remoteMedia: url }`). */
  enqueue(url: string): Promise<void>;
  logger: Logger;
  /** False turns the cache off (REMOTE_MEDIA_CACHE): pages show remote URLs. */
  enabled?: boolean;
  /** For one whole download (default 30 s). */
  timeoutMs?: number;
}

/** Fetches of one image, the first included, while the failures are worth another try (timeouts, 5xx). */
export const MAX_ATTEMPTS = 3;
/** At most this many URLs are looked at per request (a page shows far fewer). */
const MAX_URLS = 100;
/** Rows looked at per prune step, so a prune never holds the database long. */
const BATCH = 500;
/** An image counts as unused only this long after it was first asked for (its post may be on its way in). */
const UNUSED_GRACE_MS = 60 * 60 * 1000;

const httpUrls = (urls: Iterable<string | null | undefined>) =>
  [...new Set([...urls].filter((u): u is string => typeof u === "string" && /^https?:\/\//i.test(u)))].slice(0, MAX_URLS);

/**
 * The cache of remote images (attachments, avatars, headers). Pages and
 * arriving posts ask for images (`request`); a job on the jobs queue fetches
 * each through the guarded client and runs it through the media pipeline
 * (`run`): a WebP thumbnail and a full-size WebP, metadata stripped, and a
 * blurhash, served from this origin. Until then pages use the remote URL. An
 * image that is too large, not an image, or on a private address is recorded
 * as failed and never fetched again (pages show a link with its alt text);
 * timeouts and 5xx are tried again, at most MAX_ATTEMPTS times in all.
 * Full-size copies are removed after REMOTE_MEDIA_RETENTION (`prune`) and
 * fetched again when someone opens the post; thumbnails stay while anything
 * uses the image.
 */
export class RemoteMediaCache {
  readonly #db: Db;
  constructor(private readonly deps: RemoteMediaDeps) {
    this.#db = deps.db;
  }

  get enabled(): boolean {
    return this.deps.enabled !== false;
  }

  /** What is cached (or failed) for these URLs, by URL, in one query. */
  async lookup(urls: Iterable<string | null | undefined>): Promise<Map<string, RemoteMediaRow>> {
    const list = httpUrls(urls);
    if (list.length === 0) return new Map();
    const rows = await this.#db.kysely.selectFrom("remote_media").selectAll().where("url", "in", list).execute();
    return new Map(rows.map((r) => [r.url, r]));
  }

  /**
   * Asks for these images to be cached, in the background: URLs never seen
   * are queued; with `full`, so are cached ones whose full-size copy was
   * pruned (fetched again on demand). Failed ones are not tried again.
   * Returns how many fetches were queued.
   */
  async request(urls: Iterable<string | null | undefined>, opts: { full?: boolean } = {}): Promise<number> {
    if (!this.enabled) return 0;
    const list = httpUrls(urls);
    if (list.length === 0) return 0;
    const k = this.#db.kysely;
    const now = nowIso();
    const fresh = await k
      .insertInto("remote_media")
      .values(list.map((url) => ({ id: newId(), url, state: "queued" as const, created_at: now, updated_at: now })))
      .onConflict((oc) => oc.column("url").doNothing())
      .returning("url")
      .execute();
    const again = opts.full
      ? await k
          .updateTable("remote_media")
          .set({ state: "queued", attempts: 0, updated_at: now })
          .where("url", "in", list)
          .where("state", "=", "cached")
          .where("full_key", "is", null)
          .where("error", "is", null)
          .returning("url")
          .execute()
      : [];
    const queued = [...fresh, ...again].map((r) => r.url);
    for (const url of queued) await this.deps.enqueue(url);
    return queued.length;
  }

  /** The job: fetches one image, runs the pipeline, stores the files and records them (or why not). Never throws. */
  async run(url: string): Promise<void> {
    const k = this.#db.kysely;
    const row = await k.selectFrom("remote_media").selectAll().where("url", "=", url).executeTakeFirst();
    if (!row || row.state !== "queued") return;
    const attempts = row.attempts + 1;
    await k.updateTable("remote_media").set({ attempts, updated_at: nowIso() }).where("id", "=", row.id).execute();
    try {
      const bytes = await fetchRemoteImage(url, { fetch: this.deps.fetch, maxBytes: this.deps.limits.maxBytes, timeoutMs: this.deps.timeoutMs ?? 30_000 });
      // No AI label: Pictor did not make this image. Sharp drops the rest of its metadata (EXIF, GPS).
      const result = await processImage(bytes, { limits: this.deps.limits, provenance: null });
      const tag = `remote-${row.id}-${result.sha256.slice(0, 16)}`;
      const thumbKey = `${tag}.thumb.webp`;
      const fullKey = `${tag}.webp`;
      await this.deps.store.put(thumbKey, result.thumb.bytes, "image/webp");
      await this.deps.store.put(fullKey, result.webp.bytes, "image/webp");
      const now = nowIso();
      await k
        .updateTable("remote_media")
        .set({
          state: "cached",
          thumb_key: thumbKey,
          full_key: fullKey,
          blurhash: result.blurhash,
          width: result.width,
          height: result.height,
          size_bytes: result.thumb.bytes.byteLength + result.webp.bytes.byteLength,
          error: null,
          fetched_at: now,
          updated_at: now,
        })
        .where("id", "=", row.id)
        .execute();
      // The same URL may now serve other bytes: the old files go.
      for (const old of [row.thumb_key, row.full_key]) if (old && old !== thumbKey && old !== fullKey) await this.#deleteFile(old);
    } catch (error) {
      const failure = describe(error);
      if (failure.code === "internal") this.deps.logger.warn("Caching {url} failed: {error}", { url, error });
      // A copy fetched again that fails keeps its thumbnail; the error stops further fetches on demand.
      const state = row.thumb_key ? "cached" : failure.retryable && attempts < MAX_ATTEMPTS ? "queued" : "failed";
      await k
        .updateTable("remote_media")
        .set({ state, error: `${failure.code}: ${failure.message}`.slice(0, 500), updated_at: nowIso() })
        .where("id", "=", row.id)
        .execute()
        .catch((e) => this.deps.logger.warn("Recording a failed fetch of {url} failed: {error}", { url, error: e }));
    }
  }

  /** Queues again fetches whose job was lost or is due another try (queued for over `staleMs`). Returns how many. */
  async requeueStale(staleMs: number): Promise<number> {
    if (!this.enabled) return 0;
    const rows = await this.#db.kysely
      .selectFrom("remote_media")
      .select("url")
      .where("state", "=", "queued")
      .where("updated_at", "<", nowIso(new Date(Date.now() - staleMs)))
      .where("attempts", "<", MAX_ATTEMPTS)
      .orderBy("updated_at")
      .limit(BATCH)
      .execute();
    for (const r of rows) await this.deps.enqueue(r.url);
    return rows.length;
  }

  /**
   * Removes full-size copies fetched more than `olderThanMs` ago (thumbnails
   * stay), and every file and record of images nothing uses any more (their
   * posts deleted, avatars replaced). Safe to run anywhere, any time.
   */
  async prune(olderThanMs: number): Promise<{ fullCopies: number; unused: number; bytesFreed: number }> {
    const k = this.#db.kysely;
    const cutoff = nowIso(new Date(Date.now() - olderThanMs));
    let fullCopies = 0;
    let unused = 0;
    let bytesFreed = 0;
    for (;;) {
      const expired = await k
        .selectFrom("remote_media")
        .select(["id", "full_key", "size_bytes"])
        .where("full_key", "is not", null)
        .where("fetched_at", "<", cutoff)
        .limit(BATCH)
        .execute();
      for (const r of expired) {
        const size = (await this.deps.store.stat(r.full_key!).catch(() => null))?.size ?? 0;
        await k
          .updateTable("remote_media")
          .set({ full_key: null, size_bytes: Math.max(0, Number(r.size_bytes) - size), updated_at: nowIso() })
          .where("id", "=", r.id)
          .execute();
        await this.#deleteFile(r.full_key!);
        bytesFreed += size;
      }
      fullCopies += expired.length;
      if (expired.length < BATCH) break;
    }
    const grace = nowIso(new Date(Date.now() - UNUSED_GRACE_MS));
    for (;;) {
      const gone = await k
        .selectFrom("remote_media as r")
        .select(["r.id", "r.thumb_key", "r.full_key", "r.size_bytes"])
        .where("r.created_at", "<", grace)
        .where("r.url", "not in", (eb) => eb.selectFrom("media").select("remote_url").where("remote_url", "is not", null).$castTo<string>())
        .where("r.url", "not in", (eb) => eb.selectFrom("accounts").select("avatar_url").where("avatar_url", "is not", null).$castTo<string>())
        .where("r.url", "not in", (eb) => eb.selectFrom("accounts").select("header_url").where("header_url", "is not", null).$castTo<string>())
        .limit(BATCH)
        .execute();
      for (const r of gone) {
        await k.deleteFrom("remote_media").where("id", "=", r.id).execute();
        for (const key of [r.thumb_key, r.full_key]) if (key) await this.#deleteFile(key);
        bytesFreed += Number(r.size_bytes);
      }
      unused += gone.length;
      if (gone.length < BATCH) break;
    }
    return { fullCopies, unused, bytesFreed };
  }

  /** The admin figure: images known, full-size copies held, failures, and the bytes the files take. */
  async usage(): Promise<{ images: number; fullCopies: number; failed: number; bytes: number }> {
    const r = await this.#db.kysely
      .selectFrom("remote_media")
      .select((e) => [
        e.fn.countAll().as("images"),
        e.fn.count("full_key").as("full"),
        e.fn.sum<number | string | null>("size_bytes").as("bytes"),
        e.fn.sum<number | string | null>(e.case().when("state", "=", "failed").then(1).else(0).end()).as("failed"),
      ])
      .executeTakeFirstOrThrow();
    return { images: Number(r.images), fullCopies: Number(r.full), failed: Number(r.failed ?? 0), bytes: Number(r.bytes ?? 0) };
  }

  async #deleteFile(key: string): Promise<void> {
    await this.deps.store.delete(key).catch((error) => this.deps.logger.warn("Removing cached {key} failed: {error}", { key, error }));
  }
}

function describe(error: unknown): { code: string; message: string; retryable: boolean } {
  if (error instanceof RemoteImageError) return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof MediaError) return { code: error.code, message: error.message, retryable: false };
  return { code: "internal", message: error instanceof Error ? error.message : String(error), retryable: true };
}
