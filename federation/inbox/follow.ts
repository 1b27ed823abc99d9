import type { InboxContext } from "@fedify/fedify";
import { type Accept, Follow, type Reject, type Undo } from "@fedify/vocab";
import { INSTANCE_ACTOR } from "../../src/urls.ts";
import type { FederationDeps } from "../deps.ts";
import { actorAccount } from "./remote-account.ts";

/** The local account an IRI names, if it is one of our actors. */
async function localTarget(ctx: InboxContext<void>, deps: FederationDeps, iri: URL | null) {
  if (!iri) return undefined;
  const parsed = ctx.parseUri(iri);
  if (parsed?.type !== "actor" || parsed.identifier === INSTANCE_ACTOR) return undefined;
  return deps.accounts.getLocalByUsername(parsed.identifier);
}

/** Someone asks to follow a local account: store the follower, then Accept (or hold for approval). */
export async function onFollow(ctx: InboxContext<void>, follow: Follow, deps: FederationDeps): Promise<void> {
  if (!follow.id || !follow.actorId) return;
  const target = await localTarget(ctx, deps, follow.objectId);
  if (!target) return;
  // Fedify has checked that the signer owns follow.actorId.
  const follower = await actorAccount(ctx, deps, follow.actorId);
  if (!follower) return;
  // From an account the target blocks: dropped without a word (the sender still gets its 202).
  if (await deps.moderation.blocks(target.id, follower.id)) return;
  const { follow: row, created } = await deps.follows.receiveFollow({ iri: follow.id.href, follower, target });
  deps.logger.info("Follow {iri} from {follower} to {target}: {state}", {
    iri: row.iri,
    follower: follower.iri,
    target: target.username,
    state: created ? row.state : `${row.state} (again)`,
  });
  // Answer every accepted Follow, repeats included: the sender may have missed our first Accept.
  if (row.state === "accepted") await deps.follows.announceAccepted(row, follower, target);
}

/** Undo of a Follow: only the follower may undo it. */
export async function onUndoFollow(ctx: InboxContext<void>, undo: Undo, deps: FederationDeps): Promise<boolean> {
  if (!undo.actorId || !undo.objectId) return false;
  const follower = await deps.accounts.getByIri(undo.actorId.href);
  if (!follower) return false;
  // The object is usually embedded; a bare IRI is matched against stored follows without fetching.
  const object = await undo.getObject({ ...ctx, suppressError: true }).catch(() => null);
  if (object && !(object instanceof Follow)) return false;
  if (object instanceof Follow && object.actorId && object.actorId.href !== undo.actorId.href) return false;
  const target = object instanceof Follow ? await localTarget(ctx, deps, object.objectId) : undefined;
  return deps.follows.removeInbound({
    iri: undo.objectId.href,
    followerId: follower.id,
    followingId: target?.id,
  });
}

/** A remote account accepted or rejected one of our Follows. */
export async function onFollowAnswer(
  _ctx: InboxContext<void>,
  answer: Accept | Reject,
  accepted: boolean,
  deps: FederationDeps,
): Promise<void> {
  if (!answer.actorId || !answer.objectId) return;
  const remote = await deps.accounts.getByIri(answer.actorId.href);
  if (!remote) return;
  // Our Follow's IRI is on our origin; match it among follows we sent to this very actor.
  const follow = await deps.follows.getByIri(answer.objectId.href);
  if (!follow || follow.following_id !== remote.id) return;
  if (accepted) await deps.follows.markAccepted({ iri: follow.iri, followingId: remote.id });
  else await deps.follows.removeOutbound({ iri: follow.iri, followerId: follow.follower_id, followingId: remote.id });
}
