import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { LocalAccount } from "../../src/domain/accounts.ts";
import { api, apiUser } from "../helpers/api.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

describe("API: statuses", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: LocalAccount;
  let token: string;
  let carol: LocalAccount;
  let carolToken: string;
  let daveToken: string;
  const received = (type: string) => remote.received.filter((r) => r.body?.type === type);

  /** An uploaded image of `who`'s, not yet posted. */
  const upload = async (as = token, description?: string): Promise<string> => {
    const form = new FormData();
    const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#cc6633" } }).png().toBuffer();
    form.set("file", new File([new Uint8Array(bytes)], "photo.png", { type: "image/png" }));
    if (description) form.set("description", description);
    const res = await api(pictor, "POST", "/api/v2/media", { token: as, form });
    expect(res.status).toBe(200);
    return res.body.id;
  };
  const post = async (json: Record<string, unknown>, as = token, headers?: Record<string, string>) =>
    api(pictor, "POST", "/api/v1/statuses", { token: as, json: { media_ids: [await upload(as)], ...json }, headers });

  beforeAll(async () => {
    pictor = await startTestPictor({ GENERATION_MAX_CONCURRENT: "5" });
    remote = await startFakeRemote();
    await remote.addActor("bob");
    ({ account: alice, token } = await apiUser(pictor, "alice", "read write"));
    ({ account: carol, token: carolToken } = await apiUser(pictor, "carol", "read write"));
    ({ token: daveToken } = await apiUser(pictor, "dave", "read write"));
    // bob (remote) and carol (local) follow alice.
    const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri("bob")}#f`, type: "Follow", actor: remote.actorIri("bob"), object: alice.iri };
    await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, follow, "bob"));
    await pictor.follows.follow(carol, alice);
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 2, 15_000, "the follows");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("posts generated images, and the status goes out as a Create exactly like a web post", async () => {
    const job = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a red lighthouse", size: "256x256", n: 2 } });
    expect(job.status).toBe(202);
    const done = await waitFor(async () => {
      const r = await api(pictor, "GET", `/api/v1/pictor/generations/${job.body.id}`, { token });
      return r.body.state === "done" ? r.body : null;
    }, 30_000, "the generation");
    const ids = done.media_attachments.map((m: { id: string }) => m.id);
    const res = await api(pictor, "POST", "/api/v1/statuses", {
      token,
      json: { status: "Two lighthouses #Sea", media_ids: ids, visibility: "public", language: "en", spoiler_text: "bright" },
    });
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({
      visibility: "public",
      sensitive: true,
      spoiler_text: "bright",
      account: { id: alice.id, acct: "alice" },
      tags: [{ name: "sea" }],
      in_reply_to_id: null,
      favourited: false,
      reblogged: false,
      bookmarked: false,
      pinned: false,
      pictor: { generated: true, models: ["builtin-v1"], prompts: ["a red lighthouse"] },
    });
    expect(s.content).toContain("Two lighthouses");
    expect(s.media_attachments.map((m: { id: string }) => m.id)).toEqual(ids);
    // Without alt text, a shown prompt is the alt text, as on the web.
    expect(s.media_attachments[0]).toMatchObject({ description: "a red lighthouse", pictor: { generated: true, source: "generated" } });

    // The remote follower gets the Create: the same Note a web post makes.
    const create = await waitFor(() => received("Create").find((r) => r.body.object?.id === s.uri), 15_000, "the Create");
    expect(create.signed).toBe(true);
    expect(create.path).toBe("/inbox");
    const note = create.body.object;
    expect(note).toMatchObject({ type: "Note", attributedTo: alice.iri, to: "https://www.w3.org/ns/activitystreams#Public", summary: "bright", sensitive: true });
    expect([note.cc].flat()).toEqual([`${TEST_ORIGIN}/users/alice/followers`]);
    expect(note.content).toContain("AI-generated images");
    expect(note.attachment).toHaveLength(2);
    expect([note.tag].flat()).toContainEqual({ type: "Hashtag", name: "#sea", href: `${TEST_ORIGIN}/tags/sea` });
    // The web page shows it too.
    expect((await pictor.http.request(`${TEST_ORIGIN}/@alice/${s.id}`)).status).toBe(200);
  });

  it("posts an uploaded image with its description as alt text", async () => {
    const id = await upload(token, "An orange rectangle");
    const res = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "A photo", media_ids: [id] } });
    expect(res.status).toBe(200);
    expect(res.body.media_attachments).toMatchObject([{ id, description: "An orange rectangle", pictor: { generated: false, source: "upload" } }]);
    expect(res.body.pictor).toMatchObject({ generated: false, models: [], prompts: [] });
  });

  it("answers a repeat with the same Idempotency-Key with the same status", async () => {
    const media = await upload();
    const headers = { "Idempotency-Key": "key-1" };
    const first = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "once", media_ids: [media] }, headers });
    const again = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "once", media_ids: [media] }, headers });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const n = await pictor.db.kysely.selectFrom("posts").select("id").where("caption", "=", "once").execute();
    expect(n).toHaveLength(1);
    // Another account's same key is its own.
    const other = await post({ status: "carol's" }, carolToken, headers);
    expect(other.status).toBe(200);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it("validates what is posted", async () => {
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => upload()));
    const tooMany = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x", media_ids: five } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error).toMatch(/media_ids may have at most 4/);
    const carols = await upload(carolToken);
    const foreign = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x", media_ids: [carols] } });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error).toMatch(/not one of yours/);
    const long = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x".repeat(5001), media_ids: [five[0]] } });
    expect(long.status).toBe(422);
    expect(long.body.error).toMatch(/at most 5000/);
    const empty = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "  " } });
    expect(empty.status).toBe(422);
    expect(empty.body).toEqual({ error: "Validation failed: Text can't be blank" });
    const textOnly = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "just words" } });
    expect(textOnly.status).toBe(422);
    expect(textOnly.body.error).toMatch(/1 to 4 images \(a reply may have none\)/);
    const visibility = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x", media_ids: [five[0]], visibility: "followers" } });
    expect(visibility.status).toBe(422);
    expect(visibility.body.error).toMatch(/visibility must be one of public, unlisted, private, direct/);
    const missing = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x", media_ids: [five[0]], in_reply_to_id: "no-such-status" } });
    expect(missing.status).toBe(404);
    // Nothing was posted, and the images are still free.
    const used = await pictor.db.kysely.selectFrom("media").select("id").where("id", "in", five).where("post_id", "is not", null).execute();
    expect(used).toEqual([]);
  });

  it("takes a reply of words alone (as apps send them), unlabelled, but never a top-level post without images", async () => {
    const { body: parent } = await post({ status: "A lighthouse at dusk" });
    const reply = await api(pictor, "POST", "/api/v1/statuses", { token: carolToken, json: { status: "Lovely light!", in_reply_to_id: parent.id } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ in_reply_to_id: parent.id, in_reply_to_account_id: alice.id, media_attachments: [], pictor: { generated: false } });
    expect(reply.body.content).toContain("Lovely light!");
    expect(reply.body.content).not.toContain("AI-generated");
    const note = await pictor.http.request(reply.body.uri, { headers: { Accept: "application/activity+json" } });
    expect(((await note.json()) as { content: string }).content).not.toContain("AI-generated");
    const blank = await api(pictor, "POST", "/api/v1/statuses", { token: carolToken, json: { status: " ", in_reply_to_id: parent.id } });
    expect(blank.status).toBe(422);
    await waitFor(async () => (await api(pictor, "GET", `/api/v1/statuses/${parent.id}`, { token })).body.replies_count === 1, 5000, "the reply count");
  });

  it("edits, keeps the history, and shows the source", async () => {
    const media = await upload(token, "first alt");
    const { body: s } = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "Version one", media_ids: [media] } });
    const edit = await api(pictor, "PUT", `/api/v1/statuses/${s.id}`, {
      token,
      json: { status: "Version two #edited", spoiler_text: "cw", media_ids: [media], media_attributes: [{ id: media, description: "second alt", focus: "0.1,0.2" }] },
    });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ id: s.id, spoiler_text: "cw", sensitive: true, tags: [{ name: "edited" }] });
    expect(edit.body.content).toContain("Version two");
    expect(edit.body.edited_at).toBeTruthy();
    expect(edit.body.media_attachments[0]).toMatchObject({ description: "second alt", meta: { focus: { x: 0.1, y: 0.2 } } });
    // The images themselves stay.
    expect((await api(pictor, "PUT", `/api/v1/statuses/${s.id}`, { token, json: { status: "x", media_ids: [await upload()] } })).status).toBe(422);
    // Only the author edits; to others it is not there.
    expect((await api(pictor, "PUT", `/api/v1/statuses/${s.id}`, { token: carolToken, json: { status: "hijack" } })).status).toBe(404);

    const history = await api(pictor, "GET", `/api/v1/statuses/${s.id}/history`, { token: carolToken });
    expect(history.status).toBe(200);
    expect(history.body).toHaveLength(2);
    expect(history.body[0]).toMatchObject({ spoiler_text: "", sensitive: false, created_at: s.created_at, account: { id: alice.id } });
    expect(history.body[0].content).toContain("Version one");
    expect(history.body[0].media_attachments[0].description).toBe("first alt");
    expect(history.body[1].content).toContain("Version two");
    expect(history.body[1]).toMatchObject({ spoiler_text: "cw", created_at: edit.body.edited_at });
    expect(history.body[1].media_attachments[0].description).toBe("second alt");

    const source = await api(pictor, "GET", `/api/v1/statuses/${s.id}/source`, { token });
    expect(source.body).toEqual({ id: s.id, text: "Version two #edited", spoiler_text: "cw" });
    // An Update went to the remote follower.
    await waitFor(() => received("Update").find((r) => r.body.object?.id === s.uri), 15_000, "the Update");
  });

  it("deletes, returning the source text and images for redrafting", async () => {
    const { body: s } = await post({ status: "Delete me #now" });
    expect((await api(pictor, "DELETE", `/api/v1/statuses/${s.id}`, { token: carolToken })).status).toBe(404);
    const res = await api(pictor, "DELETE", `/api/v1/statuses/${s.id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: s.id, text: "Delete me #now" });
    expect(res.body.media_attachments).toHaveLength(1);
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`, { token })).status).toBe(404);
    expect((await api(pictor, "DELETE", `/api/v1/statuses/${s.id}`, { token })).status).toBe(404);
    await waitFor(() => received("Delete").find((r) => JSON.stringify(r.body.object).includes(s.uri)), 15_000, "the Delete");
  });

  it("replies and quotes, and shows a thread's context", async () => {
    const { body: parent } = await post({ status: "The start" });
    const reply = await post({ status: "A reply", in_reply_to_id: parent.id }, carolToken);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ in_reply_to_id: parent.id, in_reply_to_account_id: alice.id });
    const quote = await post({ status: "Look", quoted_status_id: parent.id }, carolToken);
    expect(quote.status).toBe(200);
    expect(quote.body.quote).toMatchObject({ state: expect.any(String) });

    const ofReply = await api(pictor, "GET", `/api/v1/statuses/${reply.body.id}/context`);
    expect(ofReply.status).toBe(200);
    expect(ofReply.body.ancestors.map((x: { id: string }) => x.id)).toEqual([parent.id]);
    expect(ofReply.body.descendants).toEqual([]);
    const ofParent = await api(pictor, "GET", `/api/v1/statuses/${parent.id}/context`, { token });
    expect(ofParent.body.descendants.map((x: { id: string }) => x.id)).toEqual([reply.body.id]);
    expect((await api(pictor, "GET", `/api/v1/statuses/${parent.id}`, { token })).body.replies_count).toBe(1);

    // Many at once: the visible ones, in order; unknown ids left out.
    const many = await api(pictor, "GET", `/api/v1/statuses?id[]=${reply.body.id}&id[]=nope&id[]=${parent.id}`);
    expect(many.body.map((x: { id: string }) => x.id)).toEqual([reply.body.id, parent.id]);
  });

  it("favourites, reblogs, bookmarks and pins, with counts, undos and who did it", async () => {
    const { body: s } = await post({ status: "Like me" });
    const fav = await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`, { token: carolToken });
    expect(fav.status).toBe(200);
    expect(fav.body).toMatchObject({ id: s.id, favourited: true, favourites_count: 1 });
    // A repeat changes nothing.
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`, { token: carolToken })).body.favourites_count).toBe(1);
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`, { token: daveToken })).body.favourites_count).toBe(2);

    const by = await api(pictor, "GET", `/api/v1/statuses/${s.id}/favourited_by?limit=1`);
    expect(by.status).toBe(200);
    expect(by.body.map((a: { acct: string }) => a.acct)).toEqual(["dave"]);
    const next = /<([^>]+)>; rel="next"/.exec(by.headers.get("link") ?? "")?.[1];
    expect(next).toBeTruthy();
    const page2 = await api(pictor, "GET", new URL(next!).pathname + new URL(next!).search);
    expect(page2.body.map((a: { acct: string }) => a.acct)).toEqual(["carol"]);

    const reblog = await api(pictor, "POST", `/api/v1/statuses/${s.id}/reblog`, { token: carolToken, json: { visibility: "public" } });
    expect(reblog.status).toBe(200);
    expect(reblog.body.id).not.toBe(s.id);
    expect(reblog.body).toMatchObject({ account: { acct: "carol" }, reblogged: true, reblog: { id: s.id, reblogs_count: 1, reblogged: true, favourited: true } });
    const rebloggedBy = await api(pictor, "GET", `/api/v1/statuses/${s.id}/reblogged_by`, { token });
    expect(rebloggedBy.body.map((a: { acct: string }) => a.acct)).toEqual(["carol"]);

    const bookmark = await api(pictor, "POST", `/api/v1/statuses/${s.id}/bookmark`, { token: carolToken });
    expect(bookmark.body).toMatchObject({ bookmarked: true });
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`, { token: carolToken })).body).toMatchObject({ bookmarked: true, favourited: true, reblogged: true });
    // Marks are the viewer's own.
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`, { token })).body).toMatchObject({ bookmarked: false, favourited: false, reblogged: false });

    const pin = await api(pictor, "POST", `/api/v1/statuses/${s.id}/pin`, { token });
    expect(pin.body).toMatchObject({ pinned: true });
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/pin`, { token: carolToken })).status).toBe(422);

    const unfav = await api(pictor, "POST", `/api/v1/statuses/${s.id}/unfavourite`, { token: carolToken });
    expect(unfav.body).toMatchObject({ favourited: false, favourites_count: 1 });
    const unreblog = await api(pictor, "POST", `/api/v1/statuses/${s.id}/unreblog`, { token: carolToken });
    expect(unreblog.body).toMatchObject({ id: s.id, reblogged: false, reblogs_count: 0 });
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/unbookmark`, { token: carolToken })).body.bookmarked).toBe(false);
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/unpin`, { token })).body.pinned).toBe(false);
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}/favourited_by`)).body.map((a: { acct: string }) => a.acct)).toEqual(["dave"]);
  });

  it("pins at most five of one's own public posts", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await post({ status: `pin ${i}` })).body.id);
    for (const id of ids.slice(0, 5)) expect((await api(pictor, "POST", `/api/v1/statuses/${id}/pin`, { token })).status).toBe(200);
    const sixth = await api(pictor, "POST", `/api/v1/statuses/${ids[5]}/pin`, { token });
    expect(sixth.status).toBe(422);
    expect(sixth.body.error).toMatch(/at most 5/);
    const { body: priv } = await post({ status: "mine only", visibility: "private" });
    expect((await api(pictor, "POST", `/api/v1/statuses/${priv.id}/pin`, { token })).status).toBe(422);
  });

  it("hides a followers-only status from non-followers as if it did not exist", async () => {
    const { body: s } = await post({ status: "For followers", visibility: "private" });
    expect(s.visibility).toBe("private");
    // carol follows alice: she sees it; dave does not, nor does anyone signed out.
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`, { token: carolToken })).status).toBe(200);
    for (const [method, path] of [
      ["GET", `/api/v1/statuses/${s.id}`],
      ["GET", `/api/v1/statuses/${s.id}/context`],
      ["GET", `/api/v1/statuses/${s.id}/history`],
      ["GET", `/api/v1/statuses/${s.id}/favourited_by`],
      ["POST", `/api/v1/statuses/${s.id}/favourite`],
      ["POST", `/api/v1/statuses/${s.id}/reblog`],
      ["POST", `/api/v1/statuses/${s.id}/bookmark`],
    ]) {
      const res = await api(pictor, method, path, { token: daveToken });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual({ error: "Record not found" });
    }
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`)).status).toBe(404);
    expect((await api(pictor, "GET", `/api/v1/statuses?id[]=${s.id}`, { token: daveToken })).body).toEqual([]);
    // Replying to it, or quoting it, is as for a missing status.
    expect((await post({ status: "hi", in_reply_to_id: s.id }, daveToken)).status).toBe(404);
    expect((await post({ status: "hi", quoted_status_id: s.id }, daveToken)).status).toBe(404);
    // A follower may not reblog it.
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/reblog`, { token: carolToken })).status).toBe(422);
  });

  it("checks tokens and scopes", async () => {
    const { body: s } = await post({ status: "Public" });
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`)).status).toBe(200);
    expect((await api(pictor, "POST", "/api/v1/statuses", { json: { status: "x" } })).status).toBe(401);
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`)).status).toBe(401);
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}`, { token: "not-a-token" })).status).toBe(401);
    const { token: readOnly } = await apiUser(pictor, "erin", "read");
    const denied = await api(pictor, "POST", "/api/v1/statuses", { token: readOnly, json: { status: "x" } });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: "This action is outside the authorized scopes" });
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`, { token: readOnly })).status).toBe(403);
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/bookmark`, { token: readOnly })).status).toBe(403);
    const { token: favOnly } = await apiUser(pictor, "frank", "write:favourites");
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/favourite`, { token: favOnly })).status).toBe(200);
    expect((await api(pictor, "POST", `/api/v1/statuses/${s.id}/reblog`, { token: favOnly })).status).toBe(403);
    // A token with read:statuses only may not read who favourited (read:accounts).
    const { token: statusesOnly } = await apiUser(pictor, "gina", "read:statuses");
    expect((await api(pictor, "GET", `/api/v1/statuses/${s.id}/favourited_by`, { token: statusesOnly })).status).toBe(403);
  });
});
