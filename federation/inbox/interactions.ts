import type { InboxContext } from "@fedify/fedify";
import { type Announce, type Like, Note, type Undo } from "@fedify/vocab";
import type { PostDetails, PostRef } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { isPubliclyVisible, viewerOf } from "../../src/domain/visibility.ts";
import type { FederationDeps } from "../deps.ts";
import { noteToRemotePost } from "../mappers/note.ts";
import { actorAccount } from "./remote-account.ts";

/**
 * A remote post someone we follow boosted: fetched from its own origin
 * (signed by the instance's shared key), never trusted from the activity.
 */
async function fetchRemotePost(ctx: InboxContext<void>, deps: FederationDeps, iri: URL): Promise<PostDetails | undefined> {
  const known = await deps.posts.detailsByIri(iri.href);
  if (known) return known;
  const object = await ctx.lookupObject(iri, { documentLoader: ctx.documentLoader }).catch(() => null);
  if (!(object instanceof Note) || object.id?.href !== iri.href || !object.attributionId) return undefined;
  if (object.attributionId.origin !== iri.origin) return undefined;
  const author = await actorAccount(ctx, deps, object.attributionId);
  if (!author) return undefined;
  const input = await noteToRemotePost(object, author.followers_url);
  if (!input || !isPubliclyVisible(input.visibility)) return undefined;
  return (await deps.posts.receiveRemote(author, input)) ?? (await deps.posts.detailsByIri(iri.href));
}

export async function onLike(ctx: InboxContext<void>, like: Like, deps: FederationDeps): Promise<void> {
  if (!like.id || !like.actorId || !like.objectId) return;
  const details = await deps.posts.refByIri(like.objectId.href);
  // Likes matter for our own posts; a like of a remote post is that server's business.
  if (!details || details.author.domain !== null || details.post.deleted_at) return;
  const actor = await actorAccount(ctx, deps, like.actorId);
  if (!actor) return;
  if (await deps.moderation.blocks(details.author.id, actor.id)) return;
  if (!(await deps.visibility.check(viewerOf(actor), details))) return;
  await deps.interactions.receive("like", actor, details, like.id.href);
}

export async function onAnnounce(ctx: InboxContext<void>, announce: Announce, deps: FederationDeps): Promise<void> {
  if (!announce.id || !announce.actorId || !announce.objectId) return;
  // The Announce itself must come from the booster's origin.
  if (announce.id.origin !== announce.actorId.origin) return;
  const actor = await actorAccount(ctx, deps, announce.actorId);
  if (!actor) return;
  let details: PostRef | undefined = await deps.posts.refByIri(announce.objectId.href);
  if (!details && (await deps.follows.hasLocalFollowers(actor.id))) {
    details = await fetchRemotePost(ctx, deps, announce.objectId);
  }
  if (!details || details.post.deleted_at) return;
  // A boost of a post whose local author blocks the booster is dropped silently.
  if (details.author.domain === null && (await deps.moderation.blocks(details.author.id, actor.id))) return;
  if (details.author.domain === null || (await deps.follows.hasLocalFollowers(actor.id))) {
    await deps.interactions.receive("boost", actor, details, announce.id.href);
  }
}

/** Undo of a Like or Announce; returns whether it matched one. */
export async function onUndoInteraction(_ctx: InboxContext<void>, undo: Undo, deps: FederationDeps): Promise<boolean> {
  if (!undo.actorId || !undo.objectId) return false;
  const actor: AccountRow | undefined = await deps.accounts.getByIri(undo.actorId.href);
  if (!actor || actor.domain === null) return false;
  return deps.interactions.undoReceived(actor, undo.objectId.href);
}
