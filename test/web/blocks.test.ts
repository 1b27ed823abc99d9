import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { Client } from "./browser-client.ts";

describe("blocks and mutes in the web app", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let amy: AccountRow;
  let ben: AccountRow;
  let web: Client;
  const follow = (followerId: string, followingId: string) =>
    pictor.db.kysely.selectFrom("follows").select("state").where("follower_id", "=", followerId).where("following_id", "=", followingId).executeTakeFirst();

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    amy = await pictor.accounts.createLocal({ username: "amy", password: "a long password" });
    ben = await pictor.accounts.createLocal({ username: "ben", password: "a long password" });
    web = new Client(pictor);
    await web.page("/login");
    expect((await web.form("/login", { username: "amy", password: "a long password" })).status).toBe(303);
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("blocks and unblocks from a profile, with the follow button gone meanwhile", async () => {
    await pictor.follows.follow(ben, amy);
    await pictor.follows.follow(amy, ben);
    const { html } = await web.page("/@ben");
    expect(html).toMatch(/<form method="post" action="\/block">/);
    expect(html).toMatch(/<form method="post" action="\/mute" data-inline="true">/);
    expect(html).toContain('action="/follow"');
    // Without the CSRF token, nothing happens.
    expect((await web.form("/block", { target: ben.iri, action: "do", _csrf: "forged-token-forged-token" })).status).toBe(403);
    expect(await pictor.moderation.blocks(amy.id, ben.id)).toBe(false);

    const res = await web.form("/block", { target: ben.iri, action: "do" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/@ben");
    expect(await pictor.moderation.blocks(amy.id, ben.id)).toBe(true);
    expect(await follow(ben.id, amy.id)).toBeUndefined();
    expect(await follow(amy.id, ben.id)).toBeUndefined();
    const after = (await web.page("/@ben")).html;
    expect(after).not.toContain('action="/follow"');
    expect(after).toMatch(/name="action" value="undo"\/?>\s*<button type="submit" aria-pressed="true">Unblock<\/button>/);
    // Following through the form is refused while the block stands.
    const refused = await web.form("/follow", { target: "@ben@pictor.test", action: "follow" });
    expect(refused.status).toBe(422);
    expect(await follow(amy.id, ben.id)).toBeUndefined();

    const undo = await web.form("/block", { target: "@ben@pictor.test", action: "undo" }, { "X-Requested-With": "fetch" });
    expect(await undo.json()).toEqual({ pressed: false, label: "Block", next: "do" });
    expect(await pictor.moderation.blocks(amy.id, ben.id)).toBe(false);
    expect((await web.page("/@ben")).html).toContain('action="/follow"');
  });

  it("mutes with the script's JSON, and lists blocks and mutes in settings with buttons that lift them", async () => {
    const muted = await web.form("/mute", { target: ben.iri, action: "do" }, { "X-Requested-With": "fetch" });
    expect(await muted.json()).toEqual({ pressed: true, label: "Muted", next: "undo" });
    expect(await pictor.moderation.mutes(amy.id, ben.id)).toBe(true);
    expect((await web.page("/@ben")).html).toMatch(/aria-pressed="true">Muted<\/button>/);

    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const blocked = await web.form("/block", { target: bob.iri, action: "do" });
    expect(blocked.headers.get("location")).toBe(`/@bob@${bob.domain}`);
    const sent = await waitFor(() => remote.received.find((r) => r.body?.type === "Block"), 15_000, "the Block");
    expect(sent.body).toMatchObject({ actor: amy.iri, object: bob.iri });

    const { html } = await web.page("/settings");
    const blockedSection = html.slice(html.indexOf('id="blocked"'), html.indexOf('id="muted"'));
    const mutedSection = html.slice(html.indexOf('id="muted"'));
    expect(blockedSection).toContain(`@bob@${bob.domain}`);
    expect(blockedSection).not.toContain("@ben@pictor.test");
    expect(mutedSection).toContain("@ben@pictor.test");
    expect(mutedSection).toContain('aria-label="Unmute @ben@pictor.test"');

    const unblock = await web.form("/block", { target: bob.iri, action: "undo", back: "/settings#blocked" });
    expect(unblock.status).toBe(303);
    expect(unblock.headers.get("location")).toBe("/settings#blocked");
    await waitFor(() => remote.received.find((r) => r.body?.type === "Undo" && r.body.object?.type === "Block"), 15_000, "the Undo{Block}");
    // `back` must stay on this site.
    const unmute = await web.form("/mute", { target: ben.iri, action: "undo", back: "//evil.example/" });
    expect(unmute.headers.get("location")).toBe("/@ben");
    const after = (await web.page("/settings")).html;
    expect(after).toContain("You block nobody.");
    expect(after).toContain("You mute nobody.");
    expect(await pictor.moderation.mutes(amy.id, ben.id)).toBe(false);
  });

  it("asks visitors to sign in, and refuses blocking oneself", async () => {
    const visitor = new Client(pictor);
    await visitor.page("/login");
    const res = await visitor.form("/block", { target: ben.iri, action: "do" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/login/);
    expect(await pictor.moderation.blockedBy(amy.id)).toEqual([]);
    const self = await web.form("/block", { target: amy.iri, action: "do" });
    expect(self.status).toBe(422);
    expect(await self.text()).toMatch(/itself/);
  });
});
