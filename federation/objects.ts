import type { Context } from "@fedify/fedify";
import { Create, Note } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import { paths } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
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

/** Notes at their ids, followers-only and direct ones only to signed fetches by allowed actors. */
export function registerObjects(federation: PictorFederation, deps: FederationDeps): void {
  const { posts } = deps;
  const load = async (identifier: string, id: string) => {
    const details = await posts.details(id);
    if (!details || details.post.deleted_at || details.author.domain !== null || details.author.username !== identifier) return null;
    return details;
  };

  federation
    .setObjectDispatcher(Note, paths.note, async (ctx, { identifier, id }) => {
      const details = await load(identifier, id);
      return details ? postToNote(details, noteUrls(ctx, deps, identifier)) : null;
    })
    .authorize(async (ctx, { identifier, id }) => {
      const details = await load(identifier, id);
      if (!details) return false;
      if (details.post.visibility === "public" || details.post.visibility === "unlisted") return true;
      const owner = await ctx.getSignedKeyOwner().catch(() => null);
      return owner?.id ? posts.canView(details, owner.id.href) : false;
    });

  // The replies collection of a local post: public and unlisted replies we know of, oldest first, paged.
  federation
    .setCollectionDispatcher("replies", Note, paths.replies, async (ctx, { identifier, id }, cursor) => {
      const details = await load(identifier, id);
      if (!details || !(details.post.visibility === "public" || details.post.visibility === "unlisted")) return null;
      const page = await posts.publicReplies(details.post.iri, { cursor: cursor === "first" ? null : cursor, limit: 20 });
      return {
        items: page.items.map((r) =>
          r.author.domain === null ? postToNote(r, noteUrls(ctx, deps, r.author.username)) : new Note({ id: new URL(r.post.iri), attribution: new URL(r.author.iri) }),
        ),
        nextCursor: page.nextCursor,
      };
    })
    .setFirstCursor(() => "first")
    .setCounter(async (_ctx, { identifier, id }) => {
      const details = await load(identifier, id);
      return details ? posts.countPublicReplies(details.post.iri) : null;
    });
}
