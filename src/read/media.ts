import type { Db } from "../storage/db.ts";
import type { MediaRow } from "../storage/schema.ts";

/** Reads of a person's own images (for choosing an avatar or header). Only the owner reads these. */
export class MediaReader {
  constructor(private readonly db: Db) {}

  /** The owner's most recent stored images, newest first. */
  ownImages(ownerId: string, limit = 24): Promise<MediaRow[]> {
    return this.db.kysely
      .selectFrom("media")
      .selectAll()
      .where("account_id", "=", ownerId)
      .where("file_key", "is not", null)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  /** One of the owner's stored images, or undefined when it is not theirs. */
  ownImage(ownerId: string, id: string): Promise<MediaRow | undefined> {
    return this.db.kysely.selectFrom("media").selectAll().where("id", "=", id).where("account_id", "=", ownerId).where("file_key", "is not", null).executeTakeFirst();
  }
}
