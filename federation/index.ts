import { Accept, Announce, Block, Create, Delete, Flag, Follow, Like, QuoteRequest, Reject, Undo, Update } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { INSTANCE_ACTOR, paths } from "../src/urls.ts";
import { registerActors } from "./actors.ts";
import type { FederationDeps } from "./deps.ts";
import { onCreate, onDelete, onUpdate } from "./inbox/create.ts";
import { onFollow, onFollowAnswer, onUndoFollow } from "./inbox/follow.ts";
import { onAnnounce, onLike, onUndoInteraction } from "./inbox/interactions.ts";
import { onBlock, onFlag, onUndoBlock } from "./inbox/moderation.ts";
import { registerNodeInfo } from "./nodeinfo.ts";
import { registerObjects } from "./objects.ts";
import { registerOutbox } from "./outbox.ts";
import { onQuoteAccepted, onQuoteRequest, registerQuotes } from "./quotes.ts";

export type { FederationDeps } from "./deps.ts";

/** Registers every dispatcher and listener, explicitly, in one place. */
export function registerFederation(federation: PictorFederation, deps: FederationDeps): void {
  registerActors(federation, deps);
  registerObjects(federation, deps);
  registerNodeInfo(federation, deps);
  registerOutbox(federation, deps);
  registerQuotes(federation, deps);

  federation
    .setInboxListeners(paths.inbox, paths.sharedInbox)
    // Fetches made while handling the shared inbox are signed by the instance actor.
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .withIdempotency("per-inbox")
    .on(Follow, (ctx, activity) => onFollow(ctx, activity, deps))
    .on(Undo, async (ctx, activity) => {
      if (await onUndoInteraction(ctx, activity, deps)) return;
      if (await onUndoBlock(ctx, activity, deps)) return;
      await onUndoFollow(ctx, activity, deps);
    })
    .on(Like, (ctx, activity) => onLike(ctx, activity, deps))
    .on(Block, (ctx, activity) => onBlock(ctx, activity, deps))
    .on(Flag, (ctx, activity) => onFlag(ctx, activity, deps))
    .on(Announce, (ctx, activity) => onAnnounce(ctx, activity, deps))
    .on(Accept, async (ctx, activity) => {
      if (await onQuoteAccepted(ctx, activity, deps)) return;
      await onFollowAnswer(ctx, activity, true, deps);
    })
    .on(QuoteRequest, (ctx, activity) => onQuoteRequest(ctx, activity, deps))
    .on(Reject, (ctx, activity) => onFollowAnswer(ctx, activity, false, deps))
    .on(Create, (ctx, activity) => onCreate(ctx, activity, deps))
    .on(Update, (ctx, activity) => onUpdate(ctx, activity, deps))
    .on(Delete, (ctx, activity) => onDelete(ctx, activity, deps))
    .onError((_ctx, error) => {
      deps.logger.error("Inbox listener failed: {error}", { error });
    });
}
