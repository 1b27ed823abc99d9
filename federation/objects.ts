import type { Context, RequestContext } from "@fedify/fedify";
import { Create, Note } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import { paths } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { signedViewer } from "./viewer.ts";
import { addressing, type NoteUrls, postToNote } from "./mappers/note.ts";
import { toInstant } from "./mappers/time.ts";

export function noteUrls(ctx: Context<void>, deps: FederationDeps, authorUsername: string): NoteUrls {
  return {
    media: (key) => deps.urls.media(key),
    followers: ctx.getFollowersUri(authorUsername),
    tag: (tag) => deps.urls.tag(tag),
  };
}

/** The Create that wraps a post's Note (also what the outbox collection lists). Pure given its inputs. */
export function createActivity(details: PostDetails, urls: NoteUrls): Create {
  const note = postToNote(details, urls);
  const { to, cc } = addressing(details.post.visibility, urls.followers, details.mentions.map((m) => new URL(m.iri)));
  return new Create({
    id: new URL(`${details.post.iri}#create`),
    actor: new URL(details.author.iri),
    object: note,
    published: toInstant(details.post.published_at),
    tos: to,
    ccs: cc,
  });
}

/**
 * Notes at their ids, and their replies collections, for whoever the request's
 * signature says is asking: a post the signer may not see answers 404, as one
 * that does not exist.
 */
export function registerObjects(federation: PictorFederation, deps: FederationDeps): void {
  const { reader } = deps;
  const load = async (ctx: RequestContext<void>, identifier: string, id: string) => {
    const viewer = await signedViewer(ctx, deps);
    const details = await reader.get(viewer, id);
    if (!details || details.author.domain !== null || details.author.username !== identifier) return null;
    return { details, viewer };
  };

  federation.setObjectDispatcher(Note, paths.note, async (ctx, { identifier, id }) => {
    const found = await load(ctx, identifier, id);
    return found ? postToNote(found.details, noteUrls(ctx, deps, identifier)) : null;
  });

  // The replies collection of a local post: the replies the signer may see, oldest first, paged.
  federation
    .setCollectionDispatcher("replies", Note, paths.replies, async (ctx, { identifier, id }, cursor) => {
      const found = await load(ctx, identifier, id);
      if (!found) return null;
      const page = await reader.replies(found.viewer, found.details.post.iri, { cursor: cursor === "first" ? null : cursor, limit: 20 });
      return {
        items: page.items.map((r) =>
          r.author.domain === null ? postToNote(r, noteUrls(ctx, deps, r.author.username)) : new Note({ id: new URL(r.post.iri), attribution: new URL(r.author.iri) }),
        ),
        nextCursor: page.nextCursor,
      };
    })
    .setFirstCursor(() => "first")
    .setCounter(async (ctx, { identifier, id }) => {
      const found = await load(ctx, identifier, id);
      return found ? reader.countReplies(found.viewer, found.details.post.iri) : null;
    })
    // Fedify would answer an empty collection for any id: a post the signer may not see (or that does not exist) is refused alike.
    .authorize(async (ctx, { identifier, id }) => (await load(ctx, identifier, id)) !== null);

  // `likes` and `shares`: the totals other servers show (Hollo; Mastodon 4.3+ as untrusted counts), the
  // counters kept on the post's row. Who liked or boosted is not listed, as Mastodon does not list it.
  for (const [name, path, count] of [
    ["likes", paths.likes, (d: PostDetails) => d.post.likes_count],
    ["shares", paths.shares, (d: PostDetails) => d.post.boosts_count],
  ] as const) {
    federation
      .setCollectionDispatcher(name, Note, path, async (ctx, { identifier, id }) => ((await load(ctx, identifier, id)) ? { items: [] } : null))
      .setCounter(async (ctx, { identifier, id }) => {
        const found = await load(ctx, identifier, id);
        return found ? count(found.details) : null;
      })
      .authorize(async (ctx, { identifier, id }) => (await load(ctx, identifier, id)) !== null);
  }
}
