import { isPubliclyVisible } from "../src/domain/visibility.ts";
import type { Context, DocumentLoader } from "@fedify/fedify";
import { Note, traverseCollection } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { DomainError, invalid } from "../src/domain/errors.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import { INSTANCE_ACTOR } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { actorAccount } from "./inbox/remote-account.ts";
import { noteToRemotePost } from "./mappers/note.ts";
import { verifyQuote } from "./quotes.ts";

/** Fetches a public Note from its own origin and stores it (with its author). */
export async function fetchNote(ctx: Context<void>, loader: DocumentLoader, deps: FederationDeps, iri: URL): Promise<PostDetails | undefined> {
  const known = await deps.posts.detailsByIri(iri.href);
  if (known) return known;
  if (iri.protocol !== "https:" && iri.protocol !== "http:") return undefined;
  const object = await ctx.lookupObject(iri, { documentLoader: loader }).catch(() => null);
  return object instanceof Note ? storeFetchedNote(ctx, loader, deps, iri, object) : undefined;
}

/** Stores a public Note fetched from `iri`, its own id, whose author lives on its origin. */
export async function storeFetchedNote(ctx: Context<void>, loader: DocumentLoader, deps: FederationDeps, iri: URL, object: Note): Promise<PostDetails | undefined> {
  if (object.id?.href !== iri.href || !object.attributionId) return undefined;
  if (object.attributionId.origin !== iri.origin) return undefined;
  const author = await actorAccount(Object.assign(ctx, { documentLoader: loader }), deps, object.attributionId, loader);
  if (!author) return undefined;
  const input = await noteToRemotePost(object, author.followers_url);
  if (!input || !isPubliclyVisible(input.visibility)) return undefined;
  // Its quote's stamp is checked too (the quoted post is not fetched in turn: one level only).
  const quote = await verifyQuote(ctx, loader, deps, input);
  return (await deps.posts.receiveRemote(author, { ...input, ...quote })) ?? (await deps.posts.detailsByIri(iri.href));
}

/**
 * Completes a thread on demand: missing ancestors (at most `maxDepth`), and
 * for a remote post the replies its own server lists (at most `maxReplies`),
 * each fetched from its own origin and signed by the instance actor.
 * Returns how many posts were stored.
 */
export async function fetchThread(
  federation: PictorFederation,
  deps: FederationDeps,
  details: PostDetails,
  opts: { maxDepth?: number; maxReplies?: number } = {},
): Promise<number> {
  const maxDepth = opts.maxDepth ?? 10;
  const maxReplies = opts.maxReplies ?? 40;
  const ctx = federation.createContext(deps.urls.origin, undefined);
  const loader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  let fetched = 0;
  let parentIri = details.post.in_reply_to_iri;
  const seen = new Set([details.post.iri]);
  for (let depth = 0; parentIri && depth < maxDepth && !seen.has(parentIri); depth++) {
    seen.add(parentIri);
    const wasKnown = await deps.posts.knows(parentIri);
    const parent = await fetchNote(ctx, loader, deps, new URL(parentIri));
    if (!parent) break;
    if (!wasKnown) fetched++;
    parentIri = parent.post.in_reply_to_iri;
  }
  if (details.author.domain !== null) {
    const note = await ctx.lookupObject(details.post.iri, { documentLoader: loader }).catch(() => null);
    const replies = note instanceof Note ? await note.getReplies({ documentLoader: loader, suppressError: true }).catch(() => null) : null;
    if (replies) {
      let count = 0;
      for await (const item of traverseCollection(replies, { documentLoader: loader, suppressError: true })) {
        if (count++ >= maxReplies) break;
        const id = item.id;
        if (!id || (await deps.posts.knows(id.href))) continue;
        if (await fetchNote(ctx, loader, deps, id)) fetched++;
      }
    }
  }
  return fetched;
}

/**
 * Finds a post by its IRI or URL: one we have, else fetched from its own
 * origin (signed by the instance actor) and stored. Throws a DomainError a
 * person can act on when there is no public post there.
 */
export async function resolvePost(federation: PictorFederation, deps: FederationDeps, ref: string): Promise<PostDetails> {
  let url: URL;
  try {
    url = new URL(ref.trim());
  } catch {
    throw invalid(`"${ref}" is not a post URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("Only http(s) URLs can be looked up");
  const known = await deps.posts.detailsByIri(url.href);
  if (known) return known;
  if (url.origin === deps.urls.origin.origin) {
    // A local post page: /@user/<id>
    const id = url.pathname.split("/").pop() ?? "";
    const local = await deps.posts.details(id);
    if (local && !local.post.deleted_at) return local;
    throw new DomainError(404, "No such post here", "not_found");
  }
  if (await deps.moderation.isDomainBlocked(url.hostname)) throw new DomainError(403, `${url.hostname} is blocked on this instance`, "domain_blocked");
  const ctx = federation.createContext(deps.urls.origin, undefined);
  const loader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const fetched = await fetchNote(ctx, loader, deps, url);
  if (!fetched) throw new DomainError(404, `Could not find a public post at ${url.href}`, "not_found");
  return fetched;
}
