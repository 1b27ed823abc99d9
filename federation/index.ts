import type { InboxContext } from "@fedify/fedify";
import { Accept, type Activity, Announce, Block, Create, Delete, Flag, Follow, Like, QuoteRequest, Reject, Undo, Update } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { INSTANCE_ACTOR, paths } from "../src/urls.ts";
import { registerActors } from "./actors.ts";
import { makeDeliver } from "./deliver.ts";
import type { FederationDeps } from "./deps.ts";
import { onCreate, onDelete, onUpdate } from "./inbox/create.ts";
import { onFollow, onFollowAnswer, onUndoFollow } from "./inbox/follow.ts";
import { onAnnounce, onLike, onUndoInteraction } from "./inbox/interactions.ts";
import { onBlock, onFlag, onUndoBlock } from "./inbox/moderation.ts";
import { registerNodeInfo } from "./nodeinfo.ts";
import { registerObjects } from "./objects.ts";
import { registerOutbox } from "./outbox.ts";
import { onQuoteAccepted, onQuoteRejected, onQuoteRequest, registerQuotes } from "./quotes.ts";

export type { FederationDeps } from "./deps.ts";

/** Registers every dispatcher and listener, explicitly, in one place. */
export function registerFederation(federation: PictorFederation, deps: FederationDeps): void {
  registerActors(federation, deps);
  registerObjects(federation, deps);
  registerNodeInfo(federation, deps);
  const deliver = makeDeliver(federation, deps);
  registerOutbox(federation, deps, deliver);
  registerQuotes(federation, deps, deliver);

  // Nothing from a blocked domain is processed (it still gets a 202, as Mastodon does).
  const guard =
    <T extends Activity>(handler: (ctx: InboxContext<void>, activity: T) => Promise<unknown>) =>
    async (ctx: InboxContext<void>, activity: T): Promise<void> => {
      if (await deps.moderation.isDomainBlocked(activity.actorId?.hostname)) return;
      await handler(ctx, activity);
    };

  federation
    .setInboxListeners(paths.inbox, paths.sharedInbox)
    // Fetches made while handling the shared inbox are signed by the instance actor.
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .withIdempotency("per-inbox")
    .on(Follow, guard<Follow>((ctx, a) => onFollow(ctx, a, deps)))
    .on(
      Undo,
      guard<Undo>(async (ctx, a) => {
        if (await onUndoInteraction(ctx, a, deps)) return;
        if (await onUndoBlock(ctx, a, deps)) return;
        await onUndoFollow(ctx, a, deps);
      }),
    )
    .on(
      Accept,
      guard<Accept>(async (ctx, a) => {
        if (await onQuoteAccepted(ctx, a, deps)) return;
        await onFollowAnswer(ctx, a, true, deps);
      }),
    )
    .on(
      Reject,
      guard<Reject>(async (ctx, a) => {
        if (await onQuoteRejected(ctx, a, deps)) return;
        await onFollowAnswer(ctx, a, false, deps);
      }),
    )
    .on(Create, guard<Create>((ctx, a) => onCreate(ctx, a, deps)))
    .on(Update, guard<Update>((ctx, a) => onUpdate(ctx, a, deps)))
    .on(Delete, guard<Delete>((ctx, a) => onDelete(ctx, a, deps)))
    .on(Like, guard<Like>((ctx, a) => onLike(ctx, a, deps)))
    .on(Announce, guard<Announce>((ctx, a) => onAnnounce(ctx, a, deps)))
    .on(QuoteRequest, guard<QuoteRequest>((ctx, a) => onQuoteRequest(ctx, a, deps)))
    .on(Block, guard<Block>((ctx, a) => onBlock(ctx, a, deps)))
    .on(Flag, guard<Flag>((ctx, a) => onFlag(ctx, a, deps)))
    .onError((_ctx, error) => {
      deps.logger.error("Inbox listener failed: {error}", { error });
    });
}
