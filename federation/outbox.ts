import { reachesFollowers } from "../src/domain/visibility.ts";
import { Accept, Announce, Block, Delete, Follow, Like, PUBLIC_COLLECTION, Reject, Undo, Update } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { PostDetails } from "../src/domain/posts.ts";
import type { AccountRow, BlockRow, FollowRow, InteractionRow } from "../src/storage/schema.ts";
import { newId } from "../src/storage/time.ts";
import { allFollowers, type Deliver } from "./deliver.ts";
import type { FederationDeps } from "./deps.ts";
import { accountToPerson } from "./mappers/actor.ts";
import { postToNote, postToTombstone } from "./mappers/note.ts";
import { actorKeys, actorUris } from "./actors.ts";
import { toInstant } from "./mappers/time.ts";
import { createActivity, noteUrls } from "./objects.ts";

function followObject(follow: FollowRow, follower: AccountRow, following: AccountRow): Follow {
  return new Follow({ id: new URL(follow.iri), actor: new URL(follower.iri), object: new URL(following.iri) });
}

function blockObject(block: BlockRow, blocker: AccountRow, target: AccountRow): Block {
  return new Block({ id: new URL(block.iri), actor: new URL(blocker.iri), object: new URL(target.iri), tos: [new URL(target.iri)] });
}

/**
 * Turns domain events into outgoing activities. Delivery only enqueues on the
 * persistent queue, so a dead inbox never fails the change that caused it;
 * errors are reported by the event bus, never thrown into the caller.
 */
export function registerOutbox(federation: PictorFederation, deps: FederationDeps, deliver: Deliver): void {
  const { events, urls } = deps;
  const context = () => federation.createContext(urls.origin, undefined);

  // Deliveries stop on 404 and 410 (Fedify's permanent failures); a personal inbox that is Gone means the account is.
  federation.setOutboxPermanentFailureHandler(async (_ctx, failure) => {
    deps.logger.info("Giving up delivering to {inbox}: {status}", { inbox: failure.inbox.href, status: failure.statusCode });
    if (failure.statusCode === 410) await deps.accounts.deleteRemoteByInbox(failure.inbox.href);
  });

  /** Who receives a post: followers (unless direct), mentioned accounts, and the author of the post it replies to. */
  const postRecipients = async ({ post, author, mentions }: PostDetails): Promise<AccountRow[]> => {
    const accounts = reachesFollowers(post.visibility) ? await allFollowers(deps, author.id) : [];
    accounts.push(...mentions);
    if (post.in_reply_to_iri) {
      const parent = await deps.posts.detailsByIri(post.in_reply_to_iri);
      if (parent) accounts.push(parent.author);
    }
    return accounts;
  };

  // Create, Update and Delete of one post reach each inbox in that order.
  const sendPost = async (details: PostDetails, activity: Parameters<Deliver>[2]) =>
    deliver(details.author, await postRecipients(details), activity, { orderingKey: details.post.iri });

  events.on("post.published", async (details) => {
    await sendPost(details, createActivity(details, noteUrls(context(), deps, details.author.username)));
  });

  events.on("post.updated", async (details) => {
    const note = postToNote(details, noteUrls(context(), deps, details.author.username));
    const version = Date.parse(details.post.updated_at ?? details.post.published_at);
    await sendPost(
      details,
      new Update({ id: new URL(`${details.post.iri}#update/${version}`), actor: new URL(details.author.iri), object: note, updated: note.updated, tos: note.toIds, ccs: note.ccIds }),
    );
  });

  events.on("post.deleted", async (details) => {
    const note = postToNote(details, noteUrls(context(), deps, details.author.username));
    await sendPost(
      details,
      new Delete({ id: new URL(`${details.post.iri}#delete`), actor: new URL(details.author.iri), object: postToTombstone(details), tos: note.toIds, ccs: note.ccIds }),
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
          ccs: [urls.followers(actor.username), new URL(details.author.iri)],
        });
  const interactionRecipients = async (type: InteractionRow["type"], actor: AccountRow, details: PostDetails) =>
    type === "boost" ? [details.author, ...(await allFollowers(deps, actor.id))] : [details.author];

  events.on("interaction.created", async (e) => {
    await deliver(e.actor, await interactionRecipients(e.interaction.type, e.actor, e.details), interactionActivity(e), { orderingKey: e.interaction.iri });
  });

  events.on("interaction.withdrawn", async (e) => {
    const undo = new Undo({ id: urls.activity("undo", newId()), actor: new URL(e.actor.iri), object: interactionActivity(e) });
    await deliver(e.actor, await interactionRecipients(e.interaction.type, e.actor, e.details), undo, { orderingKey: e.interaction.iri });
  });

  events.on("account.updated", async ({ account }) => {
    const ctx = context();
    const actor = accountToPerson(account, actorUris(ctx, account.username), await actorKeys(ctx, account.username));
    const update = new Update({ id: urls.activity("update", newId()), actor: new URL(account.iri), object: actor, tos: [PUBLIC_COLLECTION] });
    await deliver(account, await allFollowers(deps, account.id), update);
  });

  events.on("account.deleted", async ({ account, recipients }) => {
    const del = new Delete({ id: new URL(`${account.iri}#delete`), actor: new URL(account.iri), object: new URL(account.iri), tos: [PUBLIC_COLLECTION] });
    await deliver(account, recipients, del);
  });

  events.on("follow.requested", async ({ follow, follower, following }) => {
    await deliver(follower, [following], followObject(follow, follower, following), { orderingKey: follow.iri });
  });

  events.on("follow.undone", async ({ follow, follower, following }) => {
    const undo = new Undo({ id: urls.activity("undo", newId()), actor: new URL(follower.iri), object: followObject(follow, follower, following) });
    await deliver(follower, [following], undo, { orderingKey: follow.iri });
  });

  events.on("follow.accepted", async ({ follow, follower, following }) => {
    const accept = new Accept({ id: urls.activity("accept", newId()), actor: new URL(following.iri), object: followObject(follow, follower, following) });
    await deliver(following, [follower], accept);
  });

  events.on("follow.rejected", async ({ follow, follower, following }) => {
    const reject = new Reject({ id: urls.activity("reject", newId()), actor: new URL(following.iri), object: followObject(follow, follower, following) });
    await deliver(following, [follower], reject);
  });

  // Blocks go to the blocked account only (deliver skips local ones); the Undo follows the Block on the same ordering key.
  events.on("account.blocked", async ({ block, blocker, target }) => {
    await deliver(blocker, [target], blockObject(block, blocker, target), { orderingKey: block.iri });
  });

  events.on("account.unblocked", async ({ block, blocker, target }) => {
    const undo = new Undo({ id: urls.activity("undo", newId()), actor: new URL(blocker.iri), object: blockObject(block, blocker, target), tos: [new URL(target.iri)] });
    await deliver(blocker, [target], undo, { orderingKey: block.iri });
  });
}
