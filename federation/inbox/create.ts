import type { InboxContext } from "@fedify/fedify";
import { type Create, type Delete, isActor, Note, type Update } from "@fedify/vocab";
import type { AccountRow } from "../../src/storage/schema.ts";
import type { FederationDeps } from "../deps.ts";
import { actorToRemoteAccount } from "../mappers/actor.ts";
import { noteToRemotePost, type RemotePostInput } from "../mappers/note.ts";
import { onStampDeleted, verifyQuote } from "../quotes.ts";
import { actorAccount } from "./remote-account.ts";

/**
 * The Note an activity carries, if it is the actor's own: same origin as the
 * actor and attributed to it. Fedify re-fetches embedded objects from other
 * origins, so a forged cross-origin copy never gets here as-is.
 */
async function ownNote(ctx: InboxContext<void>, activity: Create | Update, actorId: URL): Promise<Note | null> {
  const object = await activity.getObject({ ...ctx, suppressError: true }).catch(() => null);
  if (!(object instanceof Note) || !object.id) return null;
  if (object.id.origin !== actorId.origin) return null;
  if (object.attributionId?.href !== actorId.href) return null;
  return object;
}

/**
 * Whether anyone here cares about this post: a local follower, a local
 * mention, a reply to a local post, or a quote of one (Mastodon sends those to
 * the quoted author). A mention of, reply to or quote of a local account that
 * blocks the author is no reason (the notifications skip that account too), so
 * a reply or mention meant only for a blocker is dropped.
 */
async function isRelevant(deps: FederationDeps, author: AccountRow, input: RemotePostInput): Promise<boolean> {
  const origin = deps.urls.origin.origin;
  const blockedBy = async (local: AccountRow | undefined) => local?.domain === null && (await deps.moderation.blocks(local.id, author.id));
  for (const iri of input.mentionIris) {
    if (new URL(iri).origin === origin && !(await blockedBy(await deps.accounts.getByIri(iri)))) return true;
  }
  if (input.inReplyTo && new URL(input.inReplyTo).origin === origin && !(await blockedBy((await deps.posts.refByIri(input.inReplyTo))?.author))) return true;
  if (input.quote && new URL(input.quote).origin === origin && !(await blockedBy((await deps.posts.refByIri(input.quote))?.author))) return true;
  return (await deps.follows.hasLocalFollowers(author.id));
}

export async function onCreate(ctx: InboxContext<void>, create: Create, deps: FederationDeps): Promise<void> {
  if (!create.actorId) return;
  const note = await ownNote(ctx, create, create.actorId);
  if (!note) return;
  const author = await actorAccount(ctx, deps, create.actorId);
  if (!author) return;
  const input = await noteToRemotePost(note, author.followers_url);
  if (!input || !(await isRelevant(deps, author, input))) return;
  await deps.posts.receiveRemote(author, { ...input, ...(await verifyQuote(ctx, ctx.documentLoader, deps, input, { fetchQuoted: true })) });
}

export async function onUpdate(ctx: InboxContext<void>, update: Update, deps: FederationDeps): Promise<void> {
  if (!update.actorId) return;
  const object = await update.getObject({ ...ctx, suppressError: true }).catch(() => null);
  if (object && isActor(object)) {
    // A profile update: only the actor itself.
    if (object.id?.href !== update.actorId.href) return;
    if (!(await deps.accounts.getByIri(object.id.href))) return;
    const input = await actorToRemoteAccount(object);
    if (input) await deps.accounts.upsertRemote(input);
    return;
  }
  const note = await ownNote(ctx, update, update.actorId);
  if (!note) return;
  const author = await deps.accounts.getByIri(update.actorId.href);
  if (!author || author.domain === null) return;
  const input = await noteToRemotePost(note, author.followers_url);
  // An Update may add a quote, or carry its approval: the stamp is verified as for a Create.
  if (input) await deps.posts.updateRemote(author, { ...input, ...(await verifyQuote(ctx, ctx.documentLoader, deps, input, { fetchQuoted: true })) });
}

export async function onDelete(_ctx: InboxContext<void>, del: Delete, deps: FederationDeps): Promise<void> {
  if (!del.actorId || !del.objectId) return;
  // Only what lives on the actor's own origin can be deleted by it.
  if (del.objectId.origin !== del.actorId.origin) return;
  const author = await deps.accounts.getByIri(del.actorId.href);
  if (!author || author.domain === null) return;
  if (del.objectId.href === del.actorId.href) {
    // The account itself is gone: drop it and, through foreign keys, its content.
    await deps.accounts.deleteRemote(author.iri);
    deps.logger.info("Removed deleted remote account {iri}", { iri: author.iri });
    return;
  }
  if (await onStampDeleted(del.objectId, del.actorId, deps)) return;
  await deps.posts.deleteRemote(author, del.objectId.href);
}
