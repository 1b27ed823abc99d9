import type { Db } from "../../src/storage/db.ts";
import type { MediaRow } from "../../src/storage/schema.ts";
import { newId, nowIso } from "../../src/storage/time.ts";

/** Stores a media row as a finished generation would, without running one. */
export async function insertGeneratedMedia(db: Db, accountId: string, prompt: string, extra: Partial<MediaRow> = {}): Promise<MediaRow> {
  const id = newId();
  const sha = id.replace(/-/g, "").padEnd(64, "0");
  const row = {
    id,
    account_id: accountId,
    post_id: null,
    position: 0,
    job_id: null,
    sha256: sha,
    file_key: `${sha}.jpg`,
    original_key: `${sha}.orig.png`,
    webp_key: `${sha}.webp`,
    thumb_key: `${sha}.thumb.webp`,
    remote_url: null,
    media_type: "image/jpeg",
    width: 1024,
    height: 768,
    blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    alt: "",
    prompt,
    model: "builtin-v1",
    provider: "builtin",
    seed: 42,
    created_at: nowIso(),
    ...extra,
  };
  await db.kysely.insertInto("media").values(row).execute();
  return row as MediaRow;
}
