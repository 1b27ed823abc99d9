import { afterEach, describe, expect, it } from "vitest";
import { ModerationService } from "../../src/domain/moderation.ts";
import { ContentVersion } from "../../src/storage/content-version.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { startTestPictor } from "../helpers/pictor.ts";

// Two moderation services on one database stand for two processes: the domain blocks one of them
// writes count in the other at once, while the rest of the database's changes do not make it read
// the whole block list again.
describe("blocked domains, cached per process", () => {
  let pictor: Awaited<ReturnType<typeof startTestPictor>> | undefined;
  afterEach(async () => {
    await pictor?.stop();
    pictor = undefined;
  });

  it("reads the block list again only after it changed, from whichever process", async () => {
    pictor = await startTestPictor();
    const version = new ContentVersion(pictor.db, 2);
    const other = new ModerationService(pictor.db, pictor.urls, pictor.events, 60_000, version);
    await pictor.moderation.blockDomain("spam.example");
    expect(await other.isDomainBlocked("a.spam.example")).toBe(true);
    const reads = version.reads;
    const listReads = other.blockListReads;

    // Content changes (an account, a post) move the content version, not this one.
    const contentBefore = await pictor.contentVersion.current();
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    await pictor.posts.receiveRemote(bob, remotePost("https://remote.example/users/bob/statuses/1"));
    expect(await pictor.contentVersion.current()).toBeGreaterThan(contentBefore);
    const listBefore = await version.current();
    expect(await other.isDomainBlocked("fine.example")).toBe(false);
    expect(await version.current()).toBe(listBefore);
    expect(version.reads).toBeGreaterThan(reads); // checked each time...
    expect(other.blockListReads).toBe(listReads); // ...but the list itself not read again

    // A block or unblock made through the other service counts here at once.
    await pictor.moderation.blockDomain("fine.example");
    expect(await other.isDomainBlocked("fine.example")).toBe(true);
    await pictor.moderation.unblockDomain("spam.example");
    expect(await other.isDomainBlocked("a.spam.example")).toBe(false);
    expect(await version.current()).toBeGreaterThan(listBefore);
    expect(other.blockListReads).toBe(listReads + 2);
  });
});
