import { Accept, Announce, type Create, Delete, Follow, Like, PUBLIC_COLLECTION, type Recipient, Reject, Undo, Update } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { AccountRow, FollowRow, InteractionRow } from "../src/storage/schema.ts";
import { newId } from "../src/storage/time.ts";
import type { FederationDeps } from "./deps.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import { accountToRecipient } from "./mappers/actor.ts";
import { postToNote, postToTombstone } from "./mappers/note.ts";
import { toInstant } from "./mappers/time.ts";
import { createActivity, noteUrls } from "./objects.ts";

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

  /**
   * Who receives a post: remote followers (unless direct), remote mentioned
   * accounts, and the remote author of the post it replies to. Fedify sends
   * once per shared inbox.
   */
  const postRecipients = async ({ post, author, mentions }: PostDetails): Promise<Recipient[]> => {
    const accounts = new Map<string, AccountRow>();
    if (post.visibility !== "direct") {
      let cursor: string | null = null;
      do {
        const page = await deps.follows.followers(author.id, { cursor, limit: 1000 });
        for (const { account } of page.items) accounts.set(account.id, account);
        cursor = page.nextCursor;
      } while (cursor);
    }
    for (const m of mentions) accounts.set(m.id, m);
    if (post.in_reply_to_iri) {
      const parent = await deps.posts.detailsByIri(post.in_reply_to_iri);
      if (parent) accounts.set(parent.author.id, parent.author);
    }
    return [...accounts.values()].filter((a) => a.domain !== null && a.inbox_url).map(accountToRecipient);
  };

  const sendPost = async (details: PostDetails, activity: Create | Update | Delete) => {
    const recipients = await postRecipients(details);
    if (recipients.length === 0) return;
    await context().sendActivity({ identifier: details.author.username }, recipients, activity, {
      preferSharedInbox: true,
      // Create, Update and Delete of one post reach each inbox in that order.
      orderingKey: details.post.iri,
    });
  };

  events.on("post.published", async (details) => {
    await sendPost(details, createActivity(details, noteUrls(context(), deps, details.author.username)));
  });

  events.on("post.updated", async (details) => {
    const urls = noteUrls(context(), deps, details.author.username);
    const note = postToNote(details, urls);
    await sendPost(
      details,
      new Update({
        id: new URL(`${details.post.iri}#update/${Date.parse(details.post.updated_at ?? details.post.published_at)}`),
        actor: new URL(details.author.iri),
        object: note,
        updated: note.updated,
        tos: note.toIds,
        ccs: note.ccIds,
      }),
    );
  });

  events.on("post.deleted", async (details) => {
    const urls = noteUrls(context(), deps, details.author.username);
    const note = postToNote(details, urls);
    await sendPost(
      details,
      new Delete({
        id: new URL(`${details.post.iri}#delete`),
        actor: new URL(details.author.iri),
        object: postToTombstone(details),
        tos: note.toIds,
        ccs: note.ccIds,
      }),
    );
  });

  // Likes go to the author; boosts to the booster's followers and the author, so counts move there too.
  const interactionActivity = ({ interaction, actor, details }: { interaction: InteractionRow; actor: AccountRow; details: PostDetails }) =>
    interaction.type === "like"
      ? new Like({ id: new URL(interaction.iri), actor: new URL(actor.iri), object: new URL(details.post.iri), tos: [new URL(details.author.iri)] })
      : new Announce({
          id: new URL(interaction.iri),
          actor: new URL(actor.iri),
          object: new URL(details.post.iri),
          published: toInstant(interaction.created_at),
          tos: [PUBLIC_COLLECTION],
          ccs: [new URL(deps.urls.followers(actor.username)), new URL(details.author.iri)],
        });

  const interactionRecipients = async (type: "like" | "boost", actor: AccountRow, details: PostDetails): Promise<Recipient[]> => {
    const accounts = new Map<string, AccountRow>();
    accounts.set(details.author.id, details.author);
    if (type === "boost") {
      let cursor: string | null = null;
      do {
        const page = await deps.follows.followers(actor.id, { cursor, limit: 1000 });
        for (const { account } of page.items) accounts.set(account.id, account);
        cursor = page.nextCursor;
      } while (cursor);
    }
    return [...accounts.values()].filter((a) => a.domain !== null && a.inbox_url).map(accountToRecipient);
  };

  events.on("interaction.created", async (e) => {
    const recipients = await interactionRecipients(e.interaction.type, e.actor, e.details);
    if (recipients.length === 0) return;
    await context().sendActivity({ identifier: e.actor.username }, recipients, interactionActivity(e), {
      preferSharedInbox: true,
      orderingKey: e.interaction.iri,
    });
  });

  events.on("interaction.withdrawn", async (e) => {
    const recipients = await interactionRecipients(e.interaction.type, e.actor, e.details);
    if (recipients.length === 0) return;
    await context().sendActivity(
      { identifier: e.actor.username },
      recipients,
      new Undo({ id: urls.activity("undo", newId()), actor: new URL(e.actor.iri), object: interactionActivity(e) }),
      { preferSharedInbox: true, orderingKey: e.interaction.iri },
    );
  });

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
