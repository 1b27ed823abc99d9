import type { Kysely } from "kysely";
import type { Database, PostRow, QuoteState } from "../storage/schema.ts";
import { countedQuotes } from "./visibility.ts";

export type { QuoteState };

/**
 * A quote's standing (FEP-044f), as Mastodon 4.5 keeps it:
 * - `pending`: no stamp yet, or one that could not be verified (it could not
 *   be fetched, came from another server than the quoted author's, or names
 *   other posts). Never shown as approved.
 * - `accepted`: a verified stamp from the quoted author, or a quote of one's own post.
 * - `rejected`: the quoted author declined (a Reject of the QuoteRequest).
 * - `revoked`: the quoted author deleted the stamp afterwards.
 *
 * This is the state of a post's quote; null when it quotes nothing.
 */
export function quoteStateOf(post: Pick<PostRow, "quote_iri" | "quote_state" | "quote_authorization_iri">): QuoteState | null {
  if (!post.quote_iri) return null;
  return post.quote_state ?? (post.quote_authorization_iri ? "accepted" : "pending");
}

/** Whether the quote may be drawn as approved (a card of the quoted post). */
export function quoteApproved(post: Pick<PostRow, "quote_iri" | "quote_state" | "quote_authorization_iri">): boolean {
  return quoteStateOf(post) === "accepted";
}

/**
 * Sets `quotes_count` of the post at `quotedIri` (if stored) from the rows:
 * accepted quotes that count (see countsAsQuote). A recount, so any order of
 * arrivals, approvals, revocations and deletions ends at the truth. The
 * quoted post's row is locked first (an UPDATE locks it on PostgreSQL until
 * commit; SQLite runs one writer at a time), so two quotes settled at the same
 * moment count each other.
 */
export async function recountQuotes(k: Kysely<Database>, quotedIri: string | null | undefined, opts: { lock?: boolean } = {}): Promise<void> {
  if (!quotedIri) return;
  if (opts.lock !== false) await k.updateTable("posts").set((eb) => ({ quotes_count: eb.ref("quotes_count") })).where("iri", "=", quotedIri).execute();
  const r = await k
    .selectFrom("posts as p")
    .select((e) => e.fn.countAll().as("n"))
    .where("p.quote_iri", "=", quotedIri)
    .where("p.quote_state", "=", "accepted")
    .where(countedQuotes())
    .executeTakeFirstOrThrow();
  await k.updateTable("posts").set({ quotes_count: Number(r.n) }).where("iri", "=", quotedIri).where("quotes_count", "!=", Number(r.n)).execute();
}
