import { mediaColumns, storeDerivatives } from "../media/derivatives.ts";
import { type InputLimits, MediaError } from "../media/inspect.ts";
import { processImage } from "../media/pipeline.ts";
import type { MediaStore } from "../media/store.ts";
import type { Db } from "../storage/db.ts";
import type { AccountRow, MediaRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import { MAX_ALT } from "./posts.ts";

/** What an upload's media row says made it: nothing here (no prompt, no model), so it never carries the AI label. */
export const UPLOAD_PROVIDER = "upload";

export const UPLOADS_OFF = "Uploads are turned off on this server: images here are generated (POST /api/v1/pictor/generations)";

/** A focal point as Mastodon sends it ("x,y", each from -1 to 1), normalized; null when absent. */
export function normalizeFocus(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null || raw.trim() === "") return null;
  const parts = raw.split(",").map((s) => s.trim());
  const [x, y] = parts.map(Number);
  if (parts.length !== 2 || parts.some((s) => s === "") || !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1 || Math.abs(y) > 1) {
    throw invalid("The focus must be two numbers from -1 to 1, as \"x,y\"");
  }
  return `${x},${y}`;
}

function checkDescription(description: string | null | undefined): string | undefined {
  if (description === undefined || description === null) return undefined;
  const d = description.trim();
  if (d.length > MAX_ALT) throw invalid(`The description must be at most ${MAX_ALT} characters`);
  return d;
}

export interface UploadOptions {
  /** Whether people may upload images of their own (config.uploads). */
  enabled: boolean;
  /** The same byte and pixel limits every image in the pipeline has. */
  limits: InputLimits;
}

/**
 * Images people upload (the client API's media endpoints): run through the
 * same pipeline as generated images (size and pixel caps, PNG/JPEG/WebP/AVIF
 * only, metadata stripped, thumbnail and blurhash), processed at once, and
 * stored as media of their own, not yet posted. They are not generated: no
 * prompt, no model, provider "upload", and no provenance XMP — unless the
 * bytes are exactly an image generated here, which keeps its label.
 */
export class UploadService {
  constructor(
    private readonly db: Db,
    private readonly store: MediaStore,
    private readonly options: UploadOptions,
  ) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  get maxBytes(): number {
    return this.options.limits.maxBytes;
  }

  async upload(account: AccountRow, bytes: Uint8Array, meta: { description?: string | null; focus?: string | null } = {}): Promise<MediaRow> {
    if (!this.options.enabled) throw new DomainError(422, UPLOADS_OFF, "uploads_off");
    if (account.domain !== null) throw invalid("Only local accounts upload images");
    const description = checkDescription(meta.description) ?? "";
    const focus = normalizeFocus(meta.focus);
    let result: Awaited<ReturnType<typeof processImage>>;
    try {
      result = await processImage(bytes, { limits: this.options.limits, provenance: null });
    } catch (error) {
      if (error instanceof MediaError) throw new DomainError(error.code === "too_large" ? 413 : 422, error.message, error.code);
      throw error;
    }
    // Files are named by the original's hash: the same bytes generated here keep their labelled files and their label.
    const generated = await this.db.kysely
      .selectFrom("media")
      .select(["model", "provider"])
      .where("sha256", "=", result.sha256)
      .where("file_key", "is not", null)
      .where("model", "is not", null)
      .executeTakeFirst();
    const columns = generated
      ? {
          sha256: result.sha256,
          file_key: result.full.key,
          original_key: result.original.key,
          webp_key: result.webp.key,
          thumb_key: result.thumb.key,
          media_type: result.full.contentType,
          width: result.full.width,
          height: result.full.height,
          blurhash: result.blurhash,
        }
      : mediaColumns(await storeDerivatives(this.store, result));
    const row = {
      id: newId(),
      account_id: account.id,
      post_id: null,
      position: 0,
      job_id: null,
      ...columns,
      remote_url: null,
      alt: description,
      prompt: null,
      model: generated?.model ?? null,
      provider: generated ? generated.provider : UPLOAD_PROVIDER,
      seed: null,
      focus,
      created_at: nowIso(),
    };
    await this.db.kysely.insertInto("media").values(row).execute();
    return (await this.own(account.id, row.id))!;
  }

  /** One of the account's own local images not yet posted (Mastodon shows and changes only those); undefined otherwise. */
  own(accountId: string, id: string): Promise<MediaRow | undefined> {
    return this.db.kysely
      .selectFrom("media")
      .selectAll()
      .where("id", "=", id)
      .where("account_id", "=", accountId)
      .where("post_id", "is", null)
      .where("file_key", "is not", null)
      .executeTakeFirst();
  }

  /** Changes an unposted image's description or focal point. */
  async describe(accountId: string, id: string, change: { description?: string | null; focus?: string | null }): Promise<MediaRow> {
    const description = checkDescription(change.description);
    const focus = change.focus === undefined ? undefined : normalizeFocus(change.focus);
    const set = { ...(description !== undefined ? { alt: description } : {}), ...(focus !== undefined ? { focus } : {}) };
    if (Object.keys(set).length > 0) {
      await this.db.kysely.updateTable("media").set(set).where("id", "=", id).where("account_id", "=", accountId).where("post_id", "is", null).execute();
    }
    const row = await this.own(accountId, id);
    if (!row) throw notFound("Media");
    return row;
  }
}
