import { Accept, Follow, Reject, Undo } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { AccountRow, FollowRow } from "../src/storage/schema.ts";
import { newId } from "../src/storage/time.ts";
import type { FederationDeps } from "./deps.ts";
import { accountToRecipient } from "./mappers/actor.ts";

function followObject(follow: FollowRow, follower: AccountRow, following: AccountRow): Follow {
  return new Follow({ id: new URL(follow.iri), actor: new URL(follower.iri), object: new URL(following.iri) });
}

/**
 * Turns domain events into outgoing activities. Sending only enqueues on the
 * persistent queue, so a dead inbox never fails the change that caused it;
 * errors are reported by the event bus, never thrown into the caller.
 */
export function registerOutbox(federation: PictorFederation, deps: FederationDeps): void {
  const { events, urls } = deps;
  const context = () => federation.createContext(urls.origin, undefined);

  events.on("follow.requested", async ({ follow, follower, following }) => {
    await context().sendActivity(
      { identifier: follower.username },
      accountToRecipient(following),
      followObject(follow, follower, following),
    );
  });

  events.on("follow.undone", async ({ follow, follower, following }) => {
    await context().sendActivity(
      { identifier: follower.username },
      accountToRecipient(following),
      new Undo({
        id: urls.activity("undo", newId()),
        actor: new URL(follower.iri),
        object: followObject(follow, follower, following),
      }),
    );
  });

  events.on("follow.accepted", async ({ follow, follower, following }) => {
    if (follower.domain === null) return;
    await context().sendActivity(
      { identifier: following.username },
      accountToRecipient(follower),
      new Accept({
        id: urls.activity("accept", newId()),
        actor: new URL(following.iri),
        object: followObject(follow, follower, following),
      }),
    );
  });

  events.on("follow.rejected", async ({ follow, follower, following }) => {
    if (follower.domain === null) return;
    await context().sendActivity(
      { identifier: following.username },
      accountToRecipient(follower),
      new Reject({
        id: urls.activity("reject", newId()),
        actor: new URL(following.iri),
        object: followObject(follow, follower, following),
      }),
    );
  });
}
