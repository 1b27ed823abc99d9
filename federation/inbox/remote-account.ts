import type { Context, DocumentLoader } from "@fedify/fedify";
import { isActor } from "@fedify/vocab";
import type { AccountRow } from "../../src/storage/schema.ts";
import type { FederationDeps } from "../deps.ts";
import { actorToRemoteAccount } from "../mappers/actor.ts";

/**
 * The stored account for an activity's actor, fetched (signed) and stored on
 * first sight. Fedify has already checked that the request's signer owns it.
 */
export async function actorAccount(
  ctx: Context<void> & { documentLoader: DocumentLoader },
  deps: FederationDeps,
  actorId: URL,
  documentLoader: DocumentLoader = ctx.documentLoader,
): Promise<AccountRow | null> {
  if (await deps.moderation.isDomainBlocked(actorId.hostname)) return null;
  const known = await deps.accounts.getByIri(actorId.href);
  if (known) return known.domain === null ? null : known;
  const object = await ctx.lookupObject(actorId, { documentLoader }).catch(() => null);
  if (!object || !isActor(object) || object.id?.href !== actorId.href) return null;
  const input = await actorToRemoteAccount(object);
  return input ? deps.accounts.upsertRemote(input) : null;
}
