import type { Db } from "../storage/db.ts";
import type { MediaRow } from "../storage/schema.ts";

/** Reads of a person's own images (for choosing an avatar or header). Only the owner reads these. */
export class MediaReader {
  constructor(private readonly db: Db) {}

  /**
   * The images the owner posted (in posts not deleted), newest first, each
   * picture once: the same file posted twice shows once.
   */
  async ownImages(ownerId: string, limit = 24): Promise<MediaRow[]> {
    const rows = await this.db.kysely
      .selectFrom("media")
      .innerJoin("posts", "posts.id", "media.post_id")
      .selectAll("media")
      .where("media.account_id", "=", ownerId)
      .where("posts.account_id", "=", ownerId)
      .where("posts.deleted_at", "is", null)
      .where("media.file_key", "is not", null)
      .orderBy("media.id", "desc")
      .limit(limit * 3)
      .execute();
    const seen = new Set<string>();
    return rows
      .filter((m) => {
        const key = m.sha256 ?? m.id;
        return seen.has(key) ? false : Boolean(seen.add(key));
      })
      .slice(0, limit);
  }

  /** One of the owner's stored images, or undefined when it is not theirs. */
  ownImage(ownerId: string, id: string): Promise<MediaRow | undefined> {
    return this.db.kysely.selectFrom("media").selectAll().where("id", "=", id).where("account_id", "=", ownerId).where("file_key", "is not", null).executeTakeFirst();
  }
}
