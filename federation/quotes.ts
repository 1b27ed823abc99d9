import type { InboxContext } from "@fedify/fedify";
import { Accept, Delete, QuoteAuthorization, QuoteRequest, Reject } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { newId } from "../src/storage/time.ts";
import { paths } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { actorAccount } from "./inbox/remote-account.ts";
import type { Deliver } from "./deliver.ts";
import { postToNote } from "./mappers/note.ts";
import { noteUrls } from "./objects.ts";

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

  events.on("quote.revoked", async ({ stamp, quoter, quoted }) => {
    if (quoter.domain === null) {
      for (const postId of await quotes.postsAuthorizedBy(urls.quoteStamp(stamp.id).href)) await quotes.setAuthorization(postId, null);
      return;
    }
    await deliver(
      quoted.author,
      [quoter],
      new Delete({ id: urls.activity("delete", newId()), actor: new URL(quoted.author.iri), object: urls.quoteStamp(stamp.id), to: new URL(quoter.iri) }),
    );
  });

  // Our own post quotes another: ask its author (a local author answers at once).
  events.on("post.published", async (details) => {
    const quotedIri = details.post.quote_iri;
    if (!quotedIri) return;
    const quoted = await deps.posts.detailsByIri(quotedIri);
    const requestIri = quoteRequestIri(details.post.iri).href;
    if (quoted?.author.domain === null) {
      const answer = await quotes.receiveRequest({ requestIri, quoter: details.author, quotedIri, quotingIri: details.post.iri });
      if (answer.accepted) await quotes.setAuthorization(details.post.id, urls.quoteStamp(answer.stamp.id).href);
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

/** A remote account asks to quote one of our posts. */
export async function onQuoteRequest(ctx: InboxContext<void>, req: QuoteRequest, deps: FederationDeps): Promise<void> {
  if (!req.id || !req.actorId || !req.objectId || !req.instrumentId) return;
  // The quoting post must live where its author does.
  if (req.instrumentId.origin !== req.actorId.origin) return;
  const quoter = await actorAccount(ctx, deps, req.actorId);
  if (!quoter) return;
  // A quote of a post whose local author blocks the quoter is dropped silently, as its likes and boosts are.
  const quoted = await deps.posts.refByIri(req.objectId.href);
  if (quoted?.author.domain === null && (await deps.moderation.blocks(quoted.author.id, quoter.id))) return;
  await deps.quotes.receiveRequest({ requestIri: req.id.href, quoter, quotedIri: req.objectId.href, quotingIri: req.instrumentId.href });
}

/**
 * An Accept of one of our QuoteRequests: the stamp must come from the quoted
 * author's origin and name our post and the quoted one. Returns whether it matched.
 */
export async function onQuoteAccepted(ctx: InboxContext<void>, accept: Accept, deps: FederationDeps): Promise<boolean> {
  if (!accept.actorId || !accept.objectId || !accept.objectId.href.endsWith("#quote-request")) return false;
  const postIri = accept.objectId.href.slice(0, -"#quote-request".length);
  const ours = await deps.posts.detailsByIri(postIri);
  if (!ours || ours.author.domain !== null || !ours.post.quote_iri) return true;
  const quoted = await deps.posts.detailsByIri(ours.post.quote_iri);
  if (!quoted || quoted.author.iri !== accept.actorId.href) return true;
  const stampIri = accept.resultId;
  if (!stampIri || stampIri.origin !== accept.actorId.origin) return true;
  const stamp = await ctx.lookupObject(stampIri, { documentLoader: ctx.documentLoader }).catch(() => null);
  if (!(stamp instanceof QuoteAuthorization)) return true;
  if (stamp.interactingObjectId?.href !== postIri || stamp.interactionTargetId?.href !== ours.post.quote_iri) return true;
  await deps.quotes.setAuthorization(ours.post.id, stampIri.href);
  return true;
}

/** A Delete of a stamp that authorized one of our quotes. Returns whether it matched. */
export async function onStampDeleted(objectId: URL, deps: FederationDeps): Promise<boolean> {
  const posts = await deps.quotes.postsAuthorizedBy(objectId.href);
  for (const id of posts) await deps.quotes.setAuthorization(id, null);
  return posts.length > 0;
}
