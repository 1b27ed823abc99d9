import { Application, type Actor, Endpoints, Image, Person, type Recipient } from "@fedify/vocab";
import { toInstant } from "./time.ts";
import type { RemoteAccountInput } from "../../src/domain/accounts.ts";
import { sanitizeRemoteHtml } from "./html.ts";
import type { AccountRow } from "../../src/storage/schema.ts";

/** The URIs of a local actor, as Fedify builds them. */
export interface LocalActorUris {
  id: URL;
  inbox: URL;
  sharedInbox: URL;
  outbox: URL;
  followers: URL;
  following: URL;
  featured: URL;
}

export interface ActorKeys {
  /** The RSA key's CryptographicKey (becomes publicKey). */
  publicKey?: import("@fedify/vocab").CryptographicKey;
  /** Every key as a Multikey (assertionMethod). */
  assertionMethods: import("@fedify/vocab").Multikey[];
}

/** A local account as the Person that other servers see. Pure. */
export function accountToPerson(account: AccountRow, uris: LocalActorUris, keys: ActorKeys): Person {
  return new Person({
    id: uris.id,
    preferredUsername: account.username,
    name: account.display_name || account.username,
    summary: account.bio_html || null,
    url: account.url ? new URL(account.url) : null,
    published: toInstant(account.created_at),
    manuallyApprovesFollowers: account.manually_approves_followers === 1,
    discoverable: account.discoverable === 1,
    indexable: account.indexable === 1,
    inbox: uris.inbox,
    outbox: uris.outbox,
    followers: uris.followers,
    following: uris.following,
    featured: uris.featured,
    endpoints: new Endpoints({ sharedInbox: uris.sharedInbox }),
    icon: account.avatar_url ? new Image({ url: new URL(account.avatar_url) }) : null,
    image: account.header_url ? new Image({ url: new URL(account.header_url) }) : null,
    publicKey: keys.publicKey ?? null,
    assertionMethods: keys.assertionMethods,
    suspended: account.suspended_at != null,
  });
}

/** The instance actor, which signs fetches made on the server's behalf. Pure. */
export function instanceActor(host: string, uris: LocalActorUris, keys: ActorKeys, profileUrl: URL): Application {
  return new Application({
    id: uris.id,
    preferredUsername: host,
    name: host,
    url: profileUrl,
    manuallyApprovesFollowers: true,
    discoverable: false,
    indexable: false,
    inbox: uris.inbox,
    outbox: uris.outbox,
    followers: uris.followers,
    following: uris.following,
    endpoints: new Endpoints({ sharedInbox: uris.sharedInbox }),
    publicKey: keys.publicKey ?? null,
    assertionMethods: keys.assertionMethods,
  });
}

function actorType(actor: Actor): string {
  return actor.constructor.name;
}

/**
 * A remote actor as the account row we keep. Reads only what is embedded in
 * the actor document (no fetches). Returns null when the actor lacks what we
 * need to talk to it (an id and an inbox).
 */
export async function actorToRemoteAccount(actor: Actor): Promise<RemoteAccountInput | null> {
  if (!actor.id || !actor.inboxId || !/^https?:$/.test(actor.inboxId.protocol)) return null;
  const domain = actor.id.hostname.toLowerCase();
  const username = (actor.preferredUsername?.toString() ?? actor.id.pathname.split("/").pop() ?? "").toLowerCase();
  if (!username) return null;
  const icon = actor.iconId ? null : await actor.getIcon({ suppressError: true }).catch(() => null);
  const image = actor.imageId ? null : await actor.getImage({ suppressError: true }).catch(() => null);
  // Only http(s) URLs are kept: nothing else is ever fetched or linked.
  const httpOnly = (u: URL | null | undefined) => (u && (u.protocol === "https:" || u.protocol === "http:") ? u.href : null);
  const imageUrl = (img: typeof icon) => {
    const u = img?.url;
    return httpOnly(u instanceof URL ? u : (u?.href ?? null));
  };
  const url = httpOnly(actor.url instanceof URL ? actor.url : (actor.url?.href ?? null));
  return {
    iri: actor.id.href,
    username,
    domain,
    display_name: (actor.name?.toString() ?? "").slice(0, 200),
    // Remote HTML is untrusted: cleaned here, before it is stored or shown.
    bio_html: sanitizeRemoteHtml((actor.summary?.toString() ?? "").slice(0, 20_000)),
    avatar_url: imageUrl(icon) ?? httpOnly(actor.iconId),
    header_url: imageUrl(image) ?? httpOnly(actor.imageId),
    url,
    inbox_url: actor.inboxId.href,
    shared_inbox_url: httpOnly(actor.endpoints?.sharedInbox),
    followers_url: httpOnly(actor.followersId),
    type: actorType(actor),
    manually_approves_followers: actor.manuallyApprovesFollowers ? 1 : 0,
    discoverable: actor.discoverable ? 1 : 0,
    indexable: actor.indexable ? 1 : 0,
    fetched_at: null,
  };
}

/** A stored remote account as a delivery recipient. Pure. */
export function accountToRecipient(account: AccountRow): Recipient {
  return {
    id: new URL(account.iri),
    inboxId: account.inbox_url ? new URL(account.inbox_url) : null,
    endpoints: account.shared_inbox_url ? { sharedInbox: new URL(account.shared_inbox_url) } : null,
  };
}
