import type { InboxContext } from "@fedify/fedify";
import type { Block, Flag, Undo } from "@fedify/vocab";
import { INSTANCE_ACTOR } from "../../src/urls.ts";
import type { FederationDeps } from "../deps.ts";
import { actorAccount } from "./remote-account.ts";

/** A remote account blocks a local one: stored for admins, and follows between them end. */
export async function onBlock(ctx: InboxContext<void>, block: Block, deps: FederationDeps): Promise<void> {
  if (!block.id || !block.actorId || !block.objectId) return;
  const parsed = ctx.parseUri(block.objectId);
  if (parsed?.type !== "actor" || parsed.identifier === INSTANCE_ACTOR) return;
  const target = await deps.accounts.getLocalByUsername(parsed.identifier);
  const blocker = await actorAccount(ctx, deps, block.actorId);
  if (!target || !blocker) return;
  await deps.moderation.block(block.id.href, blocker, target);
}

export async function onUndoBlock(_ctx: InboxContext<void>, undo: Undo, deps: FederationDeps): Promise<boolean> {
  if (!undo.actorId || !undo.objectId) return false;
  const blocker = await deps.accounts.getByIri(undo.actorId.href);
  return blocker ? deps.moderation.unblock(undo.objectId.href, blocker) : false;
}

/** A report (Flag) from another server about local accounts or posts. */
export async function onFlag(ctx: InboxContext<void>, flag: Flag, deps: FederationDeps): Promise<void> {
  if (!flag.id || !flag.actorId) return;
  const reporter = await actorAccount(ctx, deps, flag.actorId);
  if (!reporter) return;
  const objects = flag.objectIds.map((u) => u.href);
  let target = null;
  for (const iri of objects) {
    const account = await deps.accounts.getByIri(iri);
    if (account?.domain === null) {
      target = account;
      break;
    }
    const post = await deps.posts.detailsByIri(iri);
    if (post?.author.domain === null) {
      target = post.author;
      break;
    }
  }
  if (!target) return; // nothing of ours was reported
  await deps.moderation.report({ iri: flag.id.href, reporter, target, objectIris: objects, comment: flag.content?.toString() ?? "" });
}
