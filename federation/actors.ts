import { ANONYMOUS } from "../src/domain/visibility.ts";
import { importJwk } from "@fedify/fedify";
import { Tombstone } from "@fedify/vocab";
import { toInstant } from "./mappers/time.ts";
import type { Context } from "@fedify/fedify";
import type { PictorFederation } from "../fedify.config.ts";
import { INSTANCE_ACTOR, paths } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { createActivity, noteUrls } from "./objects.ts";
import { accountToPerson, accountToRecipient, instanceActor, type LocalActorUris } from "./mappers/actor.ts";

const PAGE_SIZE = 40;
/** The cursor of a collection's first page; later cursors are the last follow id seen. */
const FIRST = "first";
const pageCursor = (cursor: string | null) => (cursor === FIRST ? null : cursor);

export function actorUris(ctx: Context<void>, identifier: string): LocalActorUris {
  return {
    id: ctx.getActorUri(identifier),
    inbox: ctx.getInboxUri(identifier),
    sharedInbox: ctx.getInboxUri(),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    featured: ctx.getFeaturedUri(identifier),
  };
}

/** The keys an actor document shows: the RSA key as publicKey, every key as an assertion method. */
export async function actorKeys(ctx: Context<void>, identifier: string) {
  const keyPairs = await ctx.getActorKeyPairs(identifier);
  return {
    publicKey: keyPairs.find((k) => k.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5")?.cryptographicKey,
    assertionMethods: keyPairs.map((k) => k.multikey),
  };
}

/** Actors, their keys, handles, and their collections. */
export function registerActors(federation: PictorFederation, deps: FederationDeps): void {
  const { accounts, follows, urls } = deps;
  const importedKeys = new Map<string, Promise<CryptoKeyPair[]>>();

  federation
    .setActorDispatcher(paths.actor, async (ctx, identifier) => {
      const keys = await actorKeys(ctx, identifier);
      if (identifier === INSTANCE_ACTOR) {
        return instanceActor(urls.host, actorUris(ctx, identifier), keys, urls.origin);
      }
      const account = await accounts.getLocalByUsername(identifier);
      if (!account || account.username !== identifier) {
        // A deleted account answers 410 Gone with a Tombstone.
        const deleted = await accounts.getDeletedLocal(identifier);
        return deleted ? new Tombstone({ id: ctx.getActorUri(identifier), deleted: toInstant(deleted.deleted_at!) }) : null;
      }
      return accountToPerson(account, actorUris(ctx, identifier), keys);
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      let owner: string = INSTANCE_ACTOR;
      if (identifier !== INSTANCE_ACTOR) {
        const account = await accounts.getLocalByUsername(identifier);
        if (!account) return [];
        owner = account.id;
      }
      // Keys never change once made: import them once per process (every signed fetch and delivery needs them).
      let pairs = importedKeys.get(owner);
      if (!pairs) {
        pairs = accounts.keyPairs(owner).then((stored) =>
          Promise.all(
            stored.map(async (k) => ({
              publicKey: await importJwk(k.publicJwk, "public"),
              privateKey: await importJwk(k.privateJwk, "private"),
            })),
          ),
        );
        importedKeys.set(owner, pairs);
        pairs.catch(() => importedKeys.delete(owner));
      }
      return pairs;
    })
    .mapHandle(async (_ctx, handle) => {
      const username = handle.toLowerCase();
      if (username === urls.host.toLowerCase() || username === INSTANCE_ACTOR) return INSTANCE_ACTOR;
      const account = await accounts.getLocalByUsername(username);
      return account ? account.username : null;
    })
    .mapAlias(async (_ctx, resource) => {
      // WebFinger for the HTML profile URL (https://host/@alice) finds the actor too.
      if (resource.origin !== urls.origin.origin) return null;
      const m = /^\/@([a-z0-9_]+)$/i.exec(resource.pathname);
      if (!m) return null;
      const account = await accounts.getLocalByUsername(m[1]);
      return account ? { identifier: account.username } : null;
    });

  federation
    .setFollowersDispatcher(paths.followers, async (_ctx, identifier, cursor) => {
      const account = await accounts.getLocalByUsername(identifier);
      if (!account) return null;
      if (cursor == null) {
        // Fedify asks for everyone at once when delivering to "followers".
        const all = [];
        let next: string | null = null;
        do {
          const page = await follows.followers(account.id, { cursor: next, limit: 1000 });
          all.push(...page.items.map((i) => accountToRecipient(i.account)));
          next = page.nextCursor;
        } while (next);
        return { items: all };
      }
      const page = await follows.followers(account.id, { cursor: pageCursor(cursor), limit: PAGE_SIZE });
      return { items: page.items.map((i) => accountToRecipient(i.account)), nextCursor: page.nextCursor };
    })
    .setFirstCursor(() => FIRST)
    .setCounter(async (_ctx, identifier) => {
      const account = await accounts.getLocalByUsername(identifier);
      return account ? follows.countFollowers(account.id) : null;
    });

  federation
    .setFollowingDispatcher(paths.following, async (_ctx, identifier, cursor) => {
      const account = await accounts.getLocalByUsername(identifier);
      if (!account) return null;
      const page = await follows.following(account.id, { cursor: pageCursor(cursor), limit: PAGE_SIZE });
      return { items: page.items.map((i) => new URL(i.account.iri)), nextCursor: page.nextCursor };
    })
    .setFirstCursor(() => FIRST)
    .setCounter(async (_ctx, identifier) => {
      const account = await accounts.getLocalByUsername(identifier);
      return account ? follows.countFollowing(account.id) : null;
    });

  // The outbox: Creates of the posts anyone may see (public and unlisted), newest first.
  federation
    .setOutboxDispatcher(paths.outbox, async (ctx, identifier, cursor) => {
      const account = await accounts.getLocalByUsername(identifier);
      if (!account) return null;
      // The outbox is the same for everyone: what anonymous viewers may see.
      const page = await deps.reader.byAccount(ANONYMOUS, account.id, { cursor: pageCursor(cursor), limit: 20 });
      const urls = noteUrls(ctx, deps, identifier);
      return { items: page.items.map((d) => createActivity(d, urls)), nextCursor: page.nextCursor };
    })
    .setFirstCursor(() => FIRST)
    .setCounter(async (_ctx, identifier) => {
      const account = await accounts.getLocalByUsername(identifier);
      return account ? deps.reader.countByAccount(ANONYMOUS, account.id) : null;
    });

  federation.setFeaturedDispatcher(paths.featured, async (_ctx, identifier) => {
    const account = await accounts.getLocalByUsername(identifier);
    return account ? { items: [] } : null;
  });
}
