import { canQuote } from "./visibility.ts";
import type { Kysely, Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Database, PostRow, QuoteStampRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { DomainError, notFound } from "./errors.ts";
import type { DomainEvents, Stage } from "./events.ts";
import type { PostDetails, PostService } from "./posts.ts";
import { type QuoteState, quoteStateOf, recountQuotes } from "./quote-state.ts";

/**
 * Quotes (FEP-044f). Public and unlisted posts may be quoted by anyone: a
 * QuoteRequest is answered with a stamp (QuoteAuthorization) that anyone can
 * fetch, and that the author can revoke. Followers-only and direct posts can
 * never be quoted. Every quoting post we store keeps the state of its quote
 * (see quote-state.ts); the quoted post counts the accepted ones.
 */
export class QuoteService {
  constructor(
    private readonly db: Db,
    private readonly posts: PostService,
    private readonly events: DomainEvents,
    private readonly urls: LocalUrls,
  ) {}

  static quotable(details: PostDetails): boolean {
    return canQuote(details.post);
  }

  /**
   * Someone asks to quote a local post. Idempotent on the request's IRI. The
   * quoting post, when stored (local, or fetched beforehand), takes the answer.
   */
  async receiveRequest(input: { requestIri: string; quoter: AccountRow; quotedIri: string; quotingIri: string }): Promise<
    { accepted: true; stamp: QuoteStampRow; quoted: PostDetails } | { accepted: false; quoted: PostDetails | undefined }
  > {
    const quoted = await this.posts.detailsByIri(input.quotedIri);
    if (!quoted || quoted.author.domain !== null || !QuoteService.quotable(quoted)) {
      // Only our own posts' quotes are ours to decline.
      if (quoted?.author.domain === null) {
        const quoting = await this.posts.detailsByIri(input.quotingIri);
        await this.events.transaction(this.db, async (trx, stage) => {
          await this.#settle(trx, stage, quoting, input.quoter.id, input.quotedIri, "rejected", null);
          stage("quote.rejected", { requestIri: input.requestIri, quoter: input.quoter, quoted, quotingIri: input.quotingIri });
        });
      }
      return { accepted: false, quoted };
    }
    // A stamp for this request, or for the same quote of the same post, is the one stamp there is.
    const storedStamp = (k: Kysely<Database>) =>
      k
        .selectFrom("quote_stamps")
        .selectAll()
        .where((eb) => eb.or([eb("request_iri", "=", input.requestIri), eb.and([eb("post_id", "=", quoted.post.id), eb("quoting_iri", "=", input.quotingIri)])]))
        .executeTakeFirst();
    const existing = await storedStamp(this.db.kysely);
    if (existing?.revoked_at) return { accepted: false, quoted };
    const stamp: QuoteStampRow = existing ?? {
      id: newId(),
      post_id: quoted.post.id,
      quoting_iri: input.quotingIri,
      quoter_id: input.quoter.id,
      request_iri: input.requestIri,
      created_at: nowIso(),
      revoked_at: null,
    };
    const quotingDetails = await this.posts.detailsByIri(stamp.quoting_iri);
    const kept = await this.events.transaction(this.db, async (trx, stage) => {
      let kept = stamp;
      if (!existing) {
        const inserted = await trx.insertInto("quote_stamps").values(stamp).onConflict((oc) => oc.doNothing()).returning("id").execute();
        if (inserted.length === 0) {
          // A copy of this request (a redelivery) handled at the same moment stored its stamp first:
          // answer with that one, never with a stamp that was not stored (its IRI would be a 404).
          const stored = await storedStamp(trx);
          if (!stored || stored.revoked_at) return null;
          kept = stored;
        }
      }
      const quoting = await this.#settle(trx, stage, quotingDetails, input.quoter.id, input.quotedIri, "accepted", this.urls.quoteStamp(kept.id).href);
      stage("quote.accepted", { stamp: kept, quoter: input.quoter, quoted, requestIri: input.requestIri, quoting });
      return kept;
    });
    if (!kept) return { accepted: false, quoted };
    return { accepted: true, stamp: kept, quoted };
  }

  async stamp(id: string): Promise<{ stamp: QuoteStampRow; quoted: PostDetails } | undefined> {
    const stamp = await this.db.kysely.selectFrom("quote_stamps").selectAll().where("id", "=", id).executeTakeFirst();
    if (!stamp) return undefined;
    const quoted = await this.posts.details(stamp.post_id);
    return quoted ? { stamp, quoted } : undefined;
  }

  /** A stamp we issued, by its IRI (`/quotes/{id}` here); undefined for any other IRI. */
  async stampByIri(iri: string): Promise<{ stamp: QuoteStampRow; quoted: PostDetails } | undefined> {
    const prefix = this.urls.quoteStamp("").href;
    if (!iri.startsWith(prefix)) return undefined;
    const id = decodeURIComponent(iri.slice(prefix.length));
    return id && !id.includes("/") ? this.stamp(id) : undefined;
  }

  /** The stamp given to `quotingIri` for a local post, if any. */
  async givenFor(quotedPostId: string, quotingIri: string): Promise<QuoteStampRow | undefined> {
    return this.db.kysely.selectFrom("quote_stamps").selectAll().where("post_id", "=", quotedPostId).where("quoting_iri", "=", quotingIri).executeTakeFirst();
  }

  /** The author takes a quote permission back; the quoting server is told, and the stored quoting post shows it. */
  async revoke(author: AccountRow, stampId: string): Promise<void> {
    const found = await this.stamp(stampId);
    if (!found) throw notFound("Quote");
    if (found.quoted.author.id !== author.id) throw new DomainError(403, "Only the quoted author can revoke a quote", "forbidden");
    if (found.stamp.revoked_at) return;
    const now = nowIso();
    const quoter = await this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", found.stamp.quoter_id).executeTakeFirstOrThrow();
    const quoting = await this.posts.detailsByIri(found.stamp.quoting_iri);
    await this.events.transaction(this.db, async (trx, stage) => {
      await trx.updateTable("quote_stamps").set({ revoked_at: now }).where("id", "=", stampId).execute();
      await this.#settle(trx, stage, quoting, quoter.id, found.quoted.post.iri, "revoked", null);
      stage("quote.revoked", { stamp: { ...found.stamp, revoked_at: now }, quoter, quoted: found.quoted });
    });
  }

  /**
   * The quote of a stored post changed standing: granted (with the stamp),
   * declined, or revoked. A local post goes out again (an Update) when its
   * stamp changes, so followers' servers see it with (or without) it.
   */
  async setState(postId: string, state: QuoteState, stampIri: string | null): Promise<void> {
    const before = await this.posts.details(postId);
    if (!before?.post.quote_iri) return;
    await this.events.transaction(this.db, async (trx, stage) => {
      await this.#settle(trx, stage, before, before.author.id, before.post.quote_iri!, state, stampIri);
    });
  }

  /**
   * Writes a quoting post's new standing (if it is stored, by that author, and
   * quotes that post), recounts the quoted post's quotes, and stages the
   * Update of a local post whose stamp changed. Returns the post as it is now.
   * `quoting` is read before the transaction (SQLite has one connection).
   */
  async #settle(trx: Transaction<Database>, stage: Stage, quoting: PostDetails | undefined, quoterId: string, quotedIri: string, state: QuoteState, stampIri: string | null): Promise<PostRow | null> {
    if (!quoting) return null;
    const post = await trx.selectFrom("posts").selectAll().where("id", "=", quoting.post.id).executeTakeFirst();
    if (!post || post.account_id !== quoterId || post.quote_iri !== quotedIri) return null;
    if (quoteStateOf(post) === state && post.quote_authorization_iri === stampIri) return post;
    const isLocal = quoting.author.domain === null;
    const stampChanged = post.quote_authorization_iri !== stampIri;
    const updatedAt = isLocal && stampChanged ? nowIso() : post.updated_at;
    await trx.updateTable("posts").set({ quote_state: state, quote_authorization_iri: stampIri, updated_at: updatedAt }).where("id", "=", post.id).execute();
    await recountQuotes(trx, quotedIri);
    const after = { ...post, quote_state: state, quote_authorization_iri: stampIri, updated_at: updatedAt };
    // Followers see a local post again with its stamp (or without it).
    if (isLocal && stampChanged && !post.deleted_at) stage("post.updated", { ...quoting, post: after });
    return after;
  }

  /** Stored posts whose quote `stampIri` authorized. */
  async postsAuthorizedBy(stampIri: string): Promise<string[]> {
    const rows = await this.db.kysely.selectFrom("posts").select("id").where("quote_authorization_iri", "=", stampIri).execute();
    return rows.map((r) => r.id);
  }

  /** Stamps issued for a local post (for the author to review and revoke). */
  async stampsFor(postId: string): Promise<QuoteStampRow[]> {
    return this.db.kysely.selectFrom("quote_stamps").selectAll().where("post_id", "=", postId).orderBy("id").execute();
  }
}
