import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { api, apiUser } from "../helpers/api.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

const SECRET_PROMPT = "a secret recipe for moonlight soup";

/**
 * What the API must never show: a prompt its author hides (not in `pictor.prompts`, not as a
 * media description, anywhere in any answer), and a followers-only post to someone who does not
 * follow — whichever endpoint asks.
 */
describe("API: nothing hidden leaks", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: { account: AccountRow; token: string };
  let bob: { account: AccountRow; token: string };
  let hiddenPrompt: string;
  let followersOnly: string;

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await apiUser(pictor, "alice");
    bob = await apiUser(pictor, "bob");
    const a = await insertGeneratedMedia(pictor.db, alice.account.id, SECRET_PROMPT);
    hiddenPrompt = (await pictor.posts.create(alice.account, { caption: "Guess the recipe #soup", mediaIds: [a.id], showPrompt: false })).post.id;
    const b = await insertGeneratedMedia(pictor.db, alice.account.id, "for friends");
    followersOnly = (await pictor.posts.create(alice.account, { caption: "Only friends #soup", mediaIds: [b.id], visibility: "followers" })).post.id;
    await pictor.interactions.act("like", bob.account, (await pictor.posts.details(hiddenPrompt))!);
  });
  afterAll(() => pictor?.stop());

  const reads = () => [
    `/api/v1/statuses/${hiddenPrompt}`,
    `/api/v1/statuses?id[]=${hiddenPrompt}&id[]=${followersOnly}`,
    `/api/v1/statuses/${hiddenPrompt}/context`,
    "/api/v1/timelines/public",
    "/api/v1/timelines/tag/soup",
    `/api/v1/accounts/${alice.account.id}/statuses`,
    "/api/v1/favourites",
    "/api/v2/search?q=soup&type=statuses",
    `/api/v2/search?q=${encodeURIComponent(`http://pictor.test/@alice/${hiddenPrompt}`)}`,
  ];

  it("shows a hidden prompt to its author only", async () => {
    const own = await api(pictor, "GET", `/api/v1/statuses/${hiddenPrompt}`, { token: alice.token });
    expect(own.body.pictor.prompts).toEqual([SECRET_PROMPT]);
    for (const token of [bob.token, undefined]) {
      for (const path of reads()) {
        const res = await api(pictor, "GET", path, { token });
        expect(res.status, path).toBeLessThan(500);
        expect(JSON.stringify(res.body), `${path} (${token ? "bob" : "anonymous"})`).not.toContain("moonlight soup");
      }
    }
    const shown = await api(pictor, "GET", `/api/v1/statuses/${hiddenPrompt}`, { token: bob.token });
    expect(shown.body.pictor).toMatchObject({ generated: true, prompts: [], prompt_public: false });
    expect(shown.body.media_attachments[0].description).toBeNull();
  });

  it("keeps a followers-only post from whoever does not follow, on every read", async () => {
    for (const token of [bob.token, undefined]) {
      expect((await api(pictor, "GET", `/api/v1/statuses/${followersOnly}`, { token })).status).toBe(404);
      expect((await api(pictor, "GET", `/api/v1/statuses/${followersOnly}/context`, { token })).status).toBe(404);
      for (const path of reads()) {
        const res = await api(pictor, "GET", path, { token });
        expect(JSON.stringify(res.body), path).not.toContain(followersOnly);
      }
    }
    for (const action of ["favourite", "reblog", "bookmark"]) {
      expect((await api(pictor, "POST", `/api/v1/statuses/${followersOnly}/${action}`, { token: bob.token })).status, action).toBe(404);
    }
    const reply = await api(pictor, "POST", "/api/v1/statuses", { token: bob.token, json: { status: "hi", in_reply_to_id: followersOnly } });
    expect(reply.status).toBe(404);
    // Once bob follows, he sees it.
    await pictor.follows.follow(bob.account, alice.account);
    expect((await api(pictor, "GET", `/api/v1/statuses/${followersOnly}`, { token: bob.token })).status).toBe(200);
  });
});
