import { isActor } from "@fedify/vocab";
import type { PictorFederation } from "../fedify.config.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import { DomainError, invalid } from "../src/domain/errors.ts";
import { INSTANCE_ACTOR } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";
import { actorToRemoteAccount } from "./mappers/actor.ts";

const HANDLE = /^@?([^@\s]+)@([^@\s]+)$/;

/**
 * Finds an account by `@user@host` or profile/actor URL: a local account
 * directly, a remote one through WebFinger and a fetch signed by the
 * instance actor (so servers in authorized-fetch mode answer), then stored.
 */
export async function resolveAccount(
  federation: PictorFederation,
  deps: FederationDeps,
  query: string,
): Promise<AccountRow> {
  const q = query.trim();
  const handle = HANDLE.exec(q);
  if (handle && handle[2].toLowerCase() === deps.urls.host.toLowerCase()) {
    const local = await deps.accounts.getLocalByUsername(handle[1]);
    if (!local) throw new DomainError(404, `No account ${q} here`, "not_found");
    return local;
  }
  if (handle) {
    // A handle we already know: no need to ask the network again.
    const known = await deps.accounts.getRemoteByHandle(handle[1], handle[2].replace(/:\d+$/, ""));
    if (known) return known;
  } else {
    let url: URL;
    try {
      url = new URL(q);
    } catch {
      throw invalid(`"${q}" is neither @user@host nor a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("Only http(s) URLs can be looked up");
    const known = await deps.accounts.getByIri(url.href);
    if (known && known.domain === null) return known;
  }
  const host = handle ? handle[2] : new URL(q).host;
  if (await deps.moderation.isDomainBlocked(host)) throw new DomainError(403, `${host} is blocked on this instance`, "domain_blocked");
  const ctx = federation.createContext(deps.urls.origin, undefined);
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  let object: unknown;
  try {
    object = await ctx.lookupObject(handle ? `@${handle[1]}@${handle[2]}` : q, { documentLoader });
  } catch (error) {
    deps.logger.debug("Lookup of {q} failed: {error}", { q, error });
    object = null;
  }
  if (!object || !isActor(object as never)) throw new DomainError(404, `Could not find an account at ${q}`, "not_found");
  const input = await actorToRemoteAccount(object as never);
  if (!input) throw new DomainError(502, `The account at ${q} is missing an id or an inbox`, "bad_remote");
  if (input.domain === deps.urls.host.toLowerCase()) {
    const local = await deps.accounts.getByIri(input.iri);
    if (local) return local;
  }
  return deps.accounts.upsertRemote(input);
}
