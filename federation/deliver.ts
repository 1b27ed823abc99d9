import type { Activity } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import type { FederationDeps } from "./deps.ts";
import { accountToRecipient } from "./mappers/actor.ts";

export type Deliver = (sender: AccountRow, recipients: Iterable<AccountRow>, activity: Activity, opts?: { orderingKey?: string }) => Promise<void>;

/**
 * The one way Pictor sends an activity: to remote recipients only, never to
 * a blocked domain, through shared inboxes where possible, on the persistent
 * queue (so this returns once enqueued).
 */
export function makeDeliver(federation: PictorFederation, deps: FederationDeps): Deliver {
  return async (sender, recipients, activity, opts = {}) => {
    const allowed: AccountRow[] = [];
    const seen = new Set<string>();
    for (const a of recipients) {
      if (a.domain === null || !a.inbox_url || seen.has(a.id)) continue;
      seen.add(a.id);
      if (await deps.moderation.isDomainBlocked(a.domain)) continue;
      allowed.push(a);
    }
    if (allowed.length === 0) return;
    await federation
      .createContext(deps.urls.origin, undefined)
      .sendActivity({ identifier: sender.username }, allowed.map(accountToRecipient), activity, { preferSharedInbox: true, ...opts });
  };
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
