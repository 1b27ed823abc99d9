import type { Context, DocumentLoader, InboxContext } from "@fedify/fedify";
import { Accept, Delete, Note, QuoteAuthorization, QuoteRequest, Reject } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { type QuoteState, quoteStateOf } from "../src/domain/quote-state.ts";
import { newId } from "../src/storage/time.ts";
import { paths } from "../src/urls.ts";
import type { Deliver } from "./deliver.ts";
import type { FederationDeps } from "./deps.ts";
import { actorAccount } from "./inbox/remote-account.ts";
import { noteToRemotePost, postToNote, type RemotePostInput } from "./mappers/note.ts";
import { noteUrls } from "./objects.ts";
import { fetchNote } from "./threads.ts";

/** The IRI of the QuoteRequest a local post sends for its quote. */
export const quoteRequestIri = (postIri: string) => new URL(`${postIri}#quote-request`);

/**
 * FEP-044f on both sides: stamps we issue (served at their ids, answered to
 * QuoteRequests), and the QuoteRequests our own quoting posts send.
 */
export function registerQuotes(federation: PictorFederation, deps: FederationDeps, deliver: Deliver): void {
  const { quotes, urls, events } = deps;
  const context = () => federation.createContext(urls.origin, undefined);

  federation.setObjectDispatcher(QuoteAuthorization, paths.quoteStamp, async (_ctx, { id }) => {
    const found = await quotes.stamp(id);
    if (!found || found.stamp.revoked_at || found.quoted.post.deleted_at) return null;
    return new QuoteAuthorization({
      id: urls.quoteStamp(id),
      attribution: new URL(found.quoted.author.iri),
      interactingObject: new URL(found.stamp.quoting_iri),
      interactionTarget: new URL(found.quoted.post.iri),
    });
  });

  const request = (requestIri: string, quoterIri: string, quotedIri: string, quotingIri: string) =>
    new QuoteRequest({ id: new URL(requestIri), actor: new URL(quoterIri), object: new URL(quotedIri), instrument: new URL(quotingIri) });

  events.on("quote.accepted", async ({ stamp, quoter, quoted, requestIri }) => {
    if (quoter.domain === null) return;
    await deliver(
      quoted.author,
      [quoter],
      new Accept({
        id: urls.activity("accept", newId()),
        actor: new URL(quoted.author.iri),
        object: request(requestIri, quoter.iri, quoted.post.iri, stamp.quoting_iri),
        result: urls.quoteStamp(stamp.id),
        to: new URL(quoter.iri),
      }),
    );
  });

  events.on("quote.rejected", async ({ requestIri, quoter, quoted, quotingIri }) => {
    if (quoter.domain === null) return;
    await deliver(
      quoted.author,
      [quoter],
      new Reject({ id: urls.activity("reject", newId()), actor: new URL(quoted.author.iri), object: request(requestIri, quoter.iri, quoted.post.iri, quotingIri) }),
    );
  });

  // A local quoter's post was settled with the revocation itself (QuoteService.revoke).
  events.on("quote.revoked", async ({ stamp, quoter, quoted }) => {
    if (quoter.domain === null) return;
    await deliver(
      quoted.author,
      [quoter],
      new Delete({ id: urls.activity("delete", newId()), actor: new URL(quoted.author.iri), object: urls.quoteStamp(stamp.id), to: new URL(quoter.iri) }),
    );
  });

  // Our own post quotes another: ask its author (a local author answers at once, accepting or declining).
  events.on("post.published", async (details) => {
    const quotedIri = details.post.quote_iri;
    if (!quotedIri) return;
    const quoted = await deps.posts.detailsByIri(quotedIri);
    const requestIri = quoteRequestIri(details.post.iri).href;
    if (quoted?.author.domain === null) {
      await quotes.receiveRequest({ requestIri, quoter: details.author, quotedIri, quotingIri: details.post.iri });
      return;
    }
    if (!quoted) return;
    const ctx = context();
    await deliver(
      details.author,
      [quoted.author],
      new QuoteRequest({
        id: new URL(requestIri),
        actor: new URL(details.author.iri),
        object: new URL(quotedIri),
        instrument: postToNote(details, noteUrls(ctx, deps, details.author.username)),
        to: new URL(quoted.author.iri),
      }),
    );
  });
}

export interface QuoteVerdict {
  quoteState: QuoteState | null;
  /** The stamp, once verified; null otherwise. */
  quoteAuthorization: string | null;
}

const isHttp = (iri: string) => /^https?:\/\//.test(iri);

/**
 * How far a remote post's quote is authorized, checked as Mastodon 4.5's
 * VerifyQuoteService does: accepted when the author quotes their own post, or
 * when the stamp the Note names (`quoteAuthorization`) is, fetched from the
 * quoted author's server, a QuoteAuthorization attributed to the quoted
 * author whose `interactingObject` is this very post and `interactionTarget`
 * the quoted one (our own stamps are read from our table). Anything else —
 * no stamp, one that cannot be fetched, lives elsewhere, or names other posts
 * — leaves the quote pending: never shown as approved. With `fetchQuoted`,
 * an unknown quoted post is fetched (public only) first, so its author is known.
 */
export async function verifyQuote(
  ctx: Context<void>,
  loader: DocumentLoader,
  deps: FederationDeps,
  input: RemotePostInput,
  opts: { fetchQuoted?: boolean } = {},
): Promise<QuoteVerdict> {
  if (!input.quote) return { quoteState: null, quoteAuthorization: null };
  const claimed = input.quoteAuthorization && isHttp(input.quoteAuthorization) ? input.quoteAuthorization : null;
  const stored = await deps.posts.refByIri(input.iri);
  const before = stored && stored.post.quote_iri === input.quote ? quoteStateOf(stored.post) : null;
  // The same stamp, verified before: no need to fetch it again.
  if (before === "accepted" && claimed && stored?.post.quote_authorization_iri === claimed) return { quoteState: "accepted", quoteAuthorization: claimed };
  const verdict = await judge(ctx, loader, deps, input, claimed, opts);
  // Declined or taken back stays so until a stamp that checks out comes.
  if (verdict.quoteState === "pending" && (before === "rejected" || before === "revoked")) return { quoteState: before, quoteAuthorization: null };
  return verdict;
}

async function judge(ctx: Context<void>, loader: DocumentLoader, deps: FederationDeps, input: RemotePostInput, claimed: string | null, opts: { fetchQuoted?: boolean }): Promise<QuoteVerdict> {
  const quoteIri = input.quote!;
  const pending: QuoteVerdict = { quoteState: "pending", quoteAuthorization: null };
  const ours = deps.urls.origin.origin;
  let quoted = await deps.posts.refByIri(quoteIri);
  if (!quoted && opts.fetchQuoted && isHttp(quoteIri) && new URL(quoteIri).origin !== ours && !(await deps.moderation.isDomainBlocked(new URL(quoteIri).hostname))) {
    quoted = await fetchNote(ctx, loader, deps, new URL(quoteIri)).catch(() => undefined);
  }
  // FEP-044f: quoting one's own post needs no stamp.
  if (quoted && quoted.author.iri === input.authorIri) return { quoteState: "accepted", quoteAuthorization: claimed };
  if (!claimed) {
    // A quote of ours granted already (its QuoteRequest came first): our stamp stands, whatever the Note says yet.
    const given = quoted?.author.domain === null ? await deps.quotes.givenFor(quoted.post.id, input.iri) : undefined;
    if (!given || (await deps.accounts.getByIri(input.authorIri))?.id !== given.quoter_id) return pending;
    return given.revoked_at ? { quoteState: "revoked", quoteAuthorization: null } : { quoteState: "accepted", quoteAuthorization: deps.urls.quoteStamp(given.id).href };
  }
  const stampUrl = new URL(claimed);
  if (stampUrl.origin === ours) {
    // One of our stamps: it must have been given to this author for this post and this quoted post.
    const found = await deps.quotes.stampByIri(claimed);
    if (!found || found.stamp.quoting_iri !== input.iri || found.quoted.post.iri !== quoteIri) return pending;
    const quoter = await deps.accounts.getByIri(input.authorIri);
    if (!quoter || quoter.id !== found.stamp.quoter_id) return pending;
    return found.stamp.revoked_at ? { quoteState: "revoked", quoteAuthorization: null } : { quoteState: "accepted", quoteAuthorization: claimed };
  }
  const quotedAuthor = quoted?.author.iri ?? null;
  const authorOrigin = quotedAuthor ? new URL(quotedAuthor).origin : new URL(quoteIri).origin;
  if (stampUrl.origin !== authorOrigin) return pending;
  const stamp = await ctx.lookupObject(stampUrl, { documentLoader: loader }).catch(() => null);
  if (!(stamp instanceof QuoteAuthorization) || stamp.id?.href !== claimed) return pending;
  const by = stamp.attributionId;
  if (!by || (quotedAuthor ? by.href !== quotedAuthor : by.origin !== authorOrigin)) return pending;
  if (stamp.interactingObjectId?.href !== input.iri || stamp.interactionTargetId?.href !== quoteIri) return pending;
  return { quoteState: "accepted", quoteAuthorization: claimed };
}

/**
 * A remote account asks to quote one of our posts. The quoting post is stored
 * first (embedded in the request, as Mastodon sends it, or fetched from its
 * id), so the quote shows here — and its notification leads to it — even
 * when nobody here follows the quoter.
 */
export async function onQuoteRequest(ctx: InboxContext<void>, req: QuoteRequest, deps: FederationDeps): Promise<void> {
  if (!req.id || !req.actorId || !req.objectId || !req.instrumentId) return;
  // The quoting post must live where its author does.
  if (req.instrumentId.origin !== req.actorId.origin) return;
  const quoter = await actorAccount(ctx, deps, req.actorId);
  if (!quoter) return;
  // A quote of a post whose local author blocks the quoter is dropped silently, as its likes and boosts are.
  const quoted = await deps.posts.refByIri(req.objectId.href);
  if (quoted?.author.domain === null && (await deps.moderation.blocks(quoted.author.id, quoter.id))) return;
  if (quoted?.author.domain === null && !(await deps.posts.knows(req.instrumentId.href))) {
    const note = await req.getInstrument({ ...ctx, suppressError: true }).catch(() => null);
    if (note instanceof Note && note.id?.href === req.instrumentId.href && note.attributionId?.href === quoter.iri) {
      const input = await noteToRemotePost(note, quoter.followers_url);
      if (input?.quote === req.objectId.href) await deps.posts.receiveRemote(quoter, { ...input, ...(await verifyQuote(ctx, ctx.documentLoader, deps, input)) });
    }
  }
  await deps.quotes.receiveRequest({ requestIri: req.id.href, quoter, quotedIri: req.objectId.href, quotingIri: req.instrumentId.href });
}

/** Our post whose QuoteRequest an Accept or Reject answers, and whether its actor is the quoted author. */
async function answered(activity: Accept | Reject, deps: FederationDeps) {
  if (!activity.actorId || !activity.objectId || !activity.objectId.href.endsWith("#quote-request")) return undefined;
  const postIri = activity.objectId.href.slice(0, -"#quote-request".length);
  const ours = await deps.posts.detailsByIri(postIri);
  if (!ours || ours.author.domain !== null || !ours.post.quote_iri) return null;
  const quoted = await deps.posts.refByIri(ours.post.quote_iri);
  if (!quoted || quoted.author.iri !== activity.actorId.href) return null;
  return { ours, quoted };
}

/**
 * An Accept of one of our QuoteRequests: the stamp must come from the quoted
 * author's origin, be attributed to them, and name our post and the quoted
 * one. Returns whether it answered a QuoteRequest at all.
 */
export async function onQuoteAccepted(ctx: InboxContext<void>, accept: Accept, deps: FederationDeps): Promise<boolean> {
  const found = await answered(accept, deps);
  if (found === undefined) return false;
  if (!found) return true;
  const { ours, quoted } = found;
  const stampIri = accept.resultId;
  if (!stampIri || stampIri.origin !== accept.actorId!.origin) return true;
  const stamp = await ctx.lookupObject(stampIri, { documentLoader: ctx.documentLoader }).catch(() => null);
  if (!(stamp instanceof QuoteAuthorization) || stamp.id?.href !== stampIri.href) return true;
  if (stamp.attributionId?.href !== quoted.author.iri) return true;
  if (stamp.interactingObjectId?.href !== ours.post.iri || stamp.interactionTargetId?.href !== ours.post.quote_iri) return true;
  await deps.quotes.setState(ours.post.id, "accepted", stampIri.href);
  return true;
}

/** A Reject of one of our QuoteRequests, from the quoted author: our quote is declined. Returns whether it answered one. */
export async function onQuoteRejected(_ctx: InboxContext<void>, reject: Reject, deps: FederationDeps): Promise<boolean> {
  const found = await answered(reject, deps);
  if (found === undefined) return false;
  if (found) await deps.quotes.setState(found.ours.post.id, "rejected", null);
  return true;
}

/**
 * A Delete of a stamp (by its author, on its origin: checked by the caller)
 * that authorized stored quotes: they are revoked. Returns whether it matched.
 */
export async function onStampDeleted(objectId: URL, actorId: URL, deps: FederationDeps): Promise<boolean> {
  const posts = await deps.quotes.postsAuthorizedBy(objectId.href);
  for (const id of posts) {
    const details = await deps.posts.details(id);
    const quoted = details?.post.quote_iri ? await deps.posts.refByIri(details.post.quote_iri) : undefined;
    if (quoted && quoted.author.iri !== actorId.href) continue;
    await deps.quotes.setState(id, "revoked", null);
  }
  return posts.length > 0;
}
