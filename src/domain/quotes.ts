import { canQuote } from "./visibility.ts";
import type { Db } from "../storage/db.ts";
import type { AccountRow, QuoteStampRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { DomainError, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import type { PostDetails, PostService } from "./posts.ts";

/**
 * Quotes (FEP-044f). Public and unlisted posts may be quoted by anyone: a
 * QuoteRequest is answered with a stamp (QuoteAuthorization) that anyone can
 * fetch, and that the author can revoke. Followers-only and direct posts can
 * never be quoted.
 */
export class QuoteService {
  constructor(
    private readonly db: Db,
    private readonly posts: PostService,
    private readonly events: DomainEvents,
  ) {}

  static quotable(details: PostDetails): boolean {
    return canQuote(details.post);
  }

  /** Someone asks to quote a local post. Idempotent on the request's IRI. */
  async receiveRequest(input: { requestIri: string; quoter: AccountRow; quotedIri: string; quotingIri: string }): Promise<
    { accepted: true; stamp: QuoteStampRow; quoted: PostDetails } | { accepted: false; quoted: PostDetails | undefined }
  > {
    const quoted = await this.posts.detailsByIri(input.quotedIri);
    if (!quoted || quoted.author.domain !== null || !QuoteService.quotable(quoted)) {
      if (quoted) await this.events.emit("quote.rejected", { requestIri: input.requestIri, quoter: input.quoter, quoted, quotingIri: input.quotingIri });
      return { accepted: false, quoted };
    }
    const existing = await this.db.kysely
      .selectFrom("quote_stamps")
      .selectAll()
      .where((eb) => eb.or([eb("request_iri", "=", input.requestIri), eb.and([eb("post_id", "=", quoted.post.id), eb("quoting_iri", "=", input.quotingIri)])]))
      .executeTakeFirst();
    const stamp: QuoteStampRow = existing ?? {
      id: newId(),
      post_id: quoted.post.id,
      quoting_iri: input.quotingIri,
      quoter_id: input.quoter.id,
      request_iri: input.requestIri,
      created_at: nowIso(),
      revoked_at: null,
    };
    if (existing?.revoked_at) return { accepted: false, quoted };
    if (!existing) await this.db.kysely.insertInto("quote_stamps").values(stamp).onConflict((oc) => oc.doNothing()).execute();
    await this.events.emit("quote.accepted", { stamp, quoter: input.quoter, quoted, requestIri: input.requestIri });
    return { accepted: true, stamp, quoted };
  }

  async stamp(id: string): Promise<{ stamp: QuoteStampRow; quoted: PostDetails } | undefined> {
    const stamp = await this.db.kysely.selectFrom("quote_stamps").selectAll().where("id", "=", id).executeTakeFirst();
    if (!stamp) return undefined;
    const quoted = await this.posts.details(stamp.post_id);
    return quoted ? { stamp, quoted } : undefined;
  }

  /** The author takes a quote permission back; the quoting server is told. */
  async revoke(author: AccountRow, stampId: string): Promise<void> {
    const found = await this.stamp(stampId);
    if (!found) throw notFound("Quote");
    if (found.quoted.author.id !== author.id) throw new DomainError(403, "Only the quoted author can revoke a quote", "forbidden");
    if (found.stamp.revoked_at) return;
    const now = nowIso();
    await this.db.kysely.updateTable("quote_stamps").set({ revoked_at: now }).where("id", "=", stampId).execute();
    const quoter = await this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", found.stamp.quoter_id).executeTakeFirstOrThrow();
    await this.events.emit("quote.revoked", { stamp: { ...found.stamp, revoked_at: now }, quoter, quoted: found.quoted });
  }

  /** The quoted author granted (stampIri) or revoked (null) our post's quote. */
  async setAuthorization(postId: string, stampIri: string | null): Promise<void> {
    const before = await this.posts.details(postId);
    if (!before || before.post.quote_authorization_iri === stampIri) return;
    await this.db.kysely.updateTable("posts").set({ quote_authorization_iri: stampIri, updated_at: nowIso() }).where("id", "=", postId).execute();
    const after = (await this.posts.details(postId))!;
    // Followers see the post again with its stamp (or without it).
    if (after.author.domain === null) await this.events.emit("post.updated", after);
  }

  /** Local posts whose quote `stampIri` authorized. */
  async postsAuthorizedBy(stampIri: string): Promise<string[]> {
    const rows = await this.db.kysely.selectFrom("posts").select("id").where("quote_authorization_iri", "=", stampIri).execute();
    return rows.map((r) => r.id);
  }

  /** Stamps issued for a local post (for the author to review and revoke). */
  async stampsFor(postId: string): Promise<QuoteStampRow[]> {
    return this.db.kysely.selectFrom("quote_stamps").selectAll().where("post_id", "=", postId).orderBy("id").execute();
  }
}
