import { isActor, Note } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import { DomainError, invalid } from "../src/domain/errors.ts";
import { INSTANCE_ACTOR } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { actorToRemoteAccount } from "./mappers/actor.ts";
import { fetchNote, storeFetchedNote } from "./threads.ts";

/** `@user@host` (or `user@host`); a URL such as https://host/@user never reads as one. */
const HANDLE = /^@?([^@\s/:]+)@([^@\s/]+)$/;

/**
 * Finds an account by `@user@host` or profile/actor URL: a local account
 * directly, a remote one through WebFinger and a fetch signed by the
 * instance actor (so servers in authorized-fetch mode answer), then stored.
 */
export async function resolveAccount(
  federation: PictorFederation,
  deps: FederationDeps,
  query: string,
): Promise<AccountRow> {
  const q = query.trim();
  const handle = HANDLE.exec(q);
  if (handle && handle[2].toLowerCase() === deps.urls.host.toLowerCase()) {
    const local = await deps.accounts.getLocalByUsername(handle[1]);
    if (!local) throw new DomainError(404, `No account ${q} here`, "not_found");
    return local;
  }
  if (handle) {
    // A handle we already know: no need to ask the network again.
    const known = await deps.accounts.getRemoteByHandle(handle[1], handle[2].replace(/:\d+$/, ""));
    if (known) return known;
  } else {
    let url: URL;
    try {
      url = new URL(q);
    } catch {
      throw invalid(`"${q}" is neither @user@host nor a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("Only http(s) URLs can be looked up");
    const known = await deps.accounts.getByIri(url.href);
    if (known && known.domain === null) return known;
  }
  const host = handle ? handle[2] : new URL(q).host;
  if (await deps.moderation.isDomainBlocked(host)) throw new DomainError(403, `${host} is blocked on this instance`, "domain_blocked");
  const ctx = federation.createContext(deps.urls.origin, undefined);
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  let object: unknown;
  try {
    object = await ctx.lookupObject(handle ? `@${handle[1]}@${handle[2]}` : q, { documentLoader });
  } catch (error) {
    deps.logger.debug("Lookup of {q} failed: {error}", { q, error });
    object = null;
  }
  if (!object || !isActor(object as never)) throw new DomainError(404, `Could not find an account at ${q}`, "not_found");
  const input = await actorToRemoteAccount(object as never);
  if (!input) throw new DomainError(502, `The account at ${q} is missing an id or an inbox`, "bad_remote");
  if (input.domain === deps.urls.host.toLowerCase()) {
    const local = await deps.accounts.getByIri(input.iri);
    if (local) return local;
  }
  return deps.accounts.upsertRemote(input);
}

/** What a search finds: an account, or a post (to open in Pictor). */
export type Found = { kind: "account"; account: AccountRow } | { kind: "post"; details: PostDetails };

export const SEARCH_HINT = "Search for @user@host, or the http(s) address of a profile or a post.";

/**
 * What a search box query names: a handle (`@user@host`), or an http(s) URL
 * of a profile or a post, here or elsewhere. Remote things are fetched signed
 * by the instance actor: a post page answers with its Note (Mastodon's
 * `/@user/:id`), a profile page with its actor, or names it through a
 * `rel="alternate"` link (Fedify's loader follows those). Anything else is
 * refused with a message before anything is fetched.
 */
export async function lookup(federation: PictorFederation, deps: FederationDeps, query: string): Promise<Found> {
  const q = query.trim();
  if (HANDLE.test(q)) return { kind: "account", account: await resolveAccount(federation, deps, q) };
  let url: URL;
  try {
    url = new URL(q);
  } catch {
    throw invalid(`"${q.slice(0, 100)}" is neither a handle nor a URL. ${SEARCH_HINT}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid(`Only http(s) addresses can be looked up. ${SEARCH_HINT}`);
  if (url.origin === deps.urls.origin.origin) return lookupLocal(deps, url);
  const knownPost = await deps.posts.detailsByIri(url.href);
  if (knownPost) return { kind: "post", details: knownPost };
  const knownAccount = await deps.accounts.getByIri(url.href);
  if (knownAccount) return { kind: "account", account: knownAccount };
  if (await deps.moderation.isDomainBlocked(url.hostname)) throw new DomainError(403, `${url.hostname} is blocked on this instance`, "domain_blocked");
  const ctx = federation.createContext(deps.urls.origin, undefined);
  const loader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const object = await ctx.lookupObject(url.href, { documentLoader: loader }).catch((error) => {
    deps.logger.debug("Lookup of {url} failed: {error}", { url: url.href, error });
    return null;
  });
  if (object instanceof Note && object.id) {
    // A page URL (https://host/@bob/1) answers with a Note whose id differs: that id is fetched from its own origin.
    const details =
      object.id.href === url.href ? await storeFetchedNote(ctx, loader, deps, url, object) : object.id.origin === url.origin ? await fetchNote(ctx, loader, deps, object.id) : undefined;
    if (details) return { kind: "post", details };
    throw new DomainError(404, `Could not find a public post at ${url.href}`, "not_found");
  }
  if (object && isActor(object) && object.id) {
    // The actor is taken from its own id, as resolveAccount does for handles.
    return { kind: "account", account: await resolveAccount(federation, deps, object.id.href) };
  }
  throw new DomainError(404, `Could not find an account or a public post at ${url.href}`, "not_found");
}

/** A URL of this instance: a profile (/@alice, /users/alice) or a post (/@alice/ID, /users/alice/posts/ID, /posts/ID). */
async function lookupLocal(deps: FederationDeps, url: URL): Promise<Found> {
  const path = url.pathname.replace(/\/+$/, "");
  const profile = /^\/(?:@|users\/)([A-Za-z0-9_]+)$/.exec(path);
  if (profile) {
    const account = await deps.accounts.getLocalByUsername(profile[1]);
    if (account) return { kind: "account", account };
  }
  const post = /^\/(?:@([A-Za-z0-9_]+)|users\/([A-Za-z0-9_]+)\/posts|posts)\/([^/]+)$/.exec(path);
  if (post) {
    const details = await deps.posts.details(post[3]);
    const username = post[1] ?? post[2];
    if (details && (!username || (details.author.domain === null && details.author.username === username.toLowerCase()))) return { kind: "post", details };
  }
  throw new DomainError(404, `Nothing here at ${url.href}`, "not_found");
}
