import type { RequestContext } from "@fedify/fedify";
import { ANONYMOUS, type Viewer, viewerOf } from "../src/domain/visibility.ts";
import type { FederationDeps } from "./deps.ts";

/**
 * Who is asking, from the request's verified HTTP signature: an account we
 * know, a stranger (a signer we have not stored), or anonymous (unsigned).
 */
export async function signedViewer(ctx: RequestContext<void>, deps: Pick<FederationDeps, "accounts">): Promise<Viewer> {
  const owner = await ctx.getSignedKeyOwner().catch(() => null);
  if (!owner?.id) return ANONYMOUS;
  const account = await deps.accounts.getByIri(owner.id.href);
  return account ? viewerOf(account) : { kind: "stranger", host: owner.id.hostname };
}
