import { isIP } from "node:net";
import type { Activity } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import { isGlobalAddress } from "../src/net/address.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import type { FederationDeps } from "./deps.ts";
import { accountToRecipient } from "./mappers/actor.ts";

export type Deliver = (sender: AccountRow, recipients: Iterable<AccountRow>, activity: Activity, opts?: { orderingKey?: string }) => Promise<void>;

/**
 * The one way Pictor sends an activity: to remote recipients only, never to
 * a blocked domain, through shared inboxes where possible, on the persistent
 * queue (so this returns once enqueued). Every POST goes through the guarded
 * HTTP client (src/net), which refuses private addresses after DNS; inboxes
 * that are plainly internal (an IP literal, a non-http scheme) are dropped
 * here already, rather than retried on the queue for days.
 */
export function makeDeliver(federation: PictorFederation, deps: FederationDeps): Deliver {
  return async (sender, recipients, activity, opts = {}) => {
    const allowed: AccountRow[] = [];
    const seen = new Set<string>();
    for (const a of recipients) {
      if (a.domain === null || !a.inbox_url || seen.has(a.id)) continue;
      seen.add(a.id);
      const internal = [a.inbox_url, a.shared_inbox_url].find((url) => url && !deliverable(url, deps.config.allowPrivateAddress));
      if (internal) {
        deps.logger.warn("Not delivering to {actor}: its inbox {inbox} is not a public http(s) address", { actor: a.iri, inbox: internal });
        continue;
      }
      if (await deps.moderation.isDomainBlocked(a.domain)) continue;
      allowed.push(a);
    }
    if (allowed.length === 0) return;
    await federation
      .createContext(deps.urls.origin, undefined)
      .sendActivity({ identifier: sender.username }, allowed.map(accountToRecipient), activity, { preferSharedInbox: true, ...opts });
  };
}

/** Whether an inbox URL may be posted to: http(s), and not an IP literal outside the global ranges (names are checked after DNS). */
function deliverable(url: string, allowPrivate: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return allowPrivate || !isIP(host) || isGlobalAddress(host);
}

/** Every follower of an account (all pages). */
export async function allFollowers(deps: FederationDeps, accountId: string): Promise<AccountRow[]> {
  const out: AccountRow[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.follows.followers(accountId, { cursor, limit: 1000 });
    for (const { account } of page.items) out.push(account);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
