import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { newId, nowIso } from "../../src/storage/time.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

// Every entry point that takes a post, tried with posts the viewer may not see:
// each must answer exactly as for a post that does not exist, and change nothing.

const AP = { Accept: "application/activity+json" };

describe("who sees what, from outside", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let eve: AccountRow;
  let eveClient: Client;
  let hidden: Record<"followers" | "direct", PostDetails>;
  let secretPrompt: PostDetails;
  const missingId = "01900000-0000-7000-8000-000000000000";

  /** A finished generation of eve's, as the job page would offer it. */
  const doneJob = async (account: AccountRow) => {
    const jobId = newId();
    const now = nowIso();
    await pictor.db.kysely
      .insertInto("generation_jobs")
      .values({ id: jobId, account_id: account.id, prompt: "eve's own", provider: "builtin", model: "builtin-v1", size: "256x256", n: 1, seed: 1, quality: null, source_media_id: null, state: "done", error_code: null, error_message: null, created_at: now, started_at: now, finished_at: now })
      .execute();
    const m = await insertGeneratedMedia(pictor.db, account.id, "eve's own", { job_id: jobId });
    return { jobId, mediaId: m.id };
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    eve = await pictor.accounts.createLocal({ username: "eve", password: "correct horse battery" });
    const post = async (visibility: "followers" | "direct" | "public", prompt: string, extra: Record<string, unknown> = {}) =>
      pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, prompt)).id], caption: `secret caption ${visibility}`, visibility, ...extra });
    hidden = { followers: await post("followers", "followers-only prompt"), direct: await post("direct", "direct prompt") };
    secretPrompt = await post("public", "the hidden prompt words", { showPrompt: false, caption: "public, prompt hidden" });
    eveClient = new Client(pictor);
    await eveClient.page("/login");
    expect((await eveClient.form("/login", { username: "eve", password: "correct horse battery" })).status).toBe(303);
  });
  afterAll(() => pictor?.stop());

  const pageAnswer = async (client: Client, path: string) => {
    const res = await client.request(path);
    return { status: res.status, body: (await res.text()).replace(/nonce="[^"]+"|name="_csrf" value="[^"]+"|nonce-[A-Za-z0-9+/=]+/g, "") };
  };

  it("answers pages, remix, reply and quote forms for a hidden post exactly as for a missing one", async () => {
    const anonymous = new Client(pictor);
    for (const client of [eveClient, anonymous]) {
      for (const path of ["/@alice/ID", "/posts/ID"]) {
        const missing = await pageAnswer(client, path.replace("ID", missingId));
        expect(missing.status).toBe(404);
        for (const d of Object.values(hidden)) expect(await pageAnswer(client, path.replace("ID", d.post.id))).toEqual(missing);
      }
    }
    for (const path of ["/create?remix=ID", "/create?reply=ID"]) {
      const missing = await pageAnswer(eveClient, path.replace("ID", missingId));
      expect(missing.status).toBe(404);
      for (const d of Object.values(hidden)) {
        const answer = await pageAnswer(eveClient, path.replace("ID", d.post.id));
        expect(answer).toEqual(missing);
        expect(answer.body).not.toContain("secret caption");
        expect(answer.body).not.toContain(d.media[0].prompt!);
      }
    }
    await eveClient.page("/create");
    const jobsBefore = await pictor.db.kysely.selectFrom("generation_jobs").select("id").where("account_id", "=", eve.id).execute();
    for (const field of ["remix", "reply"]) {
      for (const d of Object.values(hidden)) {
        const res = await eveClient.form("/create", { prompt: "copy it", size: "256x256", n: "1", [field]: d.post.id });
        expect(res.status).toBe(404);
      }
    }
    expect(await pictor.db.kysely.selectFrom("generation_jobs").select("id").where("account_id", "=", eve.id).execute()).toEqual(jobsBefore);

    const { jobId, mediaId } = await doneJob(eve);
    for (const field of ["reply", "quote"]) {
      for (const d of [...Object.values(hidden), { post: { id: missingId } }]) {
        const res = await eveClient.form("/posts", { job: jobId, media: [mediaId], caption: "sneaky", visibility: "public", [field]: d.post.id });
        expect(res.status).toBe(404);
      }
    }
    expect(await pictor.db.kysely.selectFrom("posts").select("id").where("account_id", "=", eve.id).execute()).toEqual([]);
    for (const action of ["like", "boost"]) {
      for (const d of Object.values(hidden)) expect((await eveClient.form(`/posts/${d.post.id}/${action}`, { action: "do" })).status).toBe(404);
    }
    expect(await pictor.db.kysely.selectFrom("interactions").select("id").execute()).toEqual([]);
  });

  it("keeps hidden posts out of grids, feeds and ActivityPub, and answers their IRIs as missing ones", async () => {
    for (const client of [eveClient, new Client(pictor)]) {
      for (const path of ["/@alice", "/explore", "/explore?tab=federated", "/@alice.atom"]) {
        const html = await (await client.request(path)).text();
        expect(html).not.toContain("secret caption followers");
        expect(html).not.toContain("secret caption direct");
      }
    }
    const home = await (await eveClient.request("/")).text();
    expect(home).not.toContain("secret caption");
    for (const d of Object.values(hidden)) {
      const note = await pictor.http.request(d.post.iri, { headers: AP });
      const missing = await pictor.http.request(d.post.iri.replace(d.post.id, missingId), { headers: AP });
      expect([note.status, missing.status]).toEqual([404, 404]);
      const replies = await pictor.http.request(`${d.post.iri}/replies`, { headers: AP });
      const missingReplies = await pictor.http.request(`${d.post.iri.replace(d.post.id, missingId)}/replies`, { headers: AP });
      expect([replies.status, await replies.text()]).toEqual([missingReplies.status, await missingReplies.text()]);
      expect(replies.status).toBe(401);
      // The IRI opened in a browser leads to the page, which checks who asks; a missing post's does the same.
      const asPage = await pictor.http.request(d.post.iri, { headers: { Accept: "text/html" } });
      const missingPage = await pictor.http.request(d.post.iri.replace(d.post.id, missingId), { headers: { Accept: "text/html" } });
      expect([asPage.status, missingPage.status]).toEqual([302, 302]);
    }
    const outbox = await (await pictor.http.request("http://pictor.test/users/alice/outbox?cursor=first", { headers: AP })).text();
    expect(outbox).not.toContain("secret caption");
    expect(outbox).toContain("public, prompt hidden");
  });

  it("never turns a hidden prompt into alt text, a card description or an attachment name", async () => {
    const prompt = "the hidden prompt words";
    expect(secretPrompt.media[0].alt).toBe("");
    const page = await (await new Client(pictor).request(`/@alice/${secretPrompt.post.id}`)).text();
    expect(page).toContain("public, prompt hidden");
    expect(page).not.toContain(prompt);
    const note = await (await pictor.http.request(secretPrompt.post.iri, { headers: AP })).text();
    expect(note).not.toContain(prompt);
    const remix = await pageAnswer(eveClient, `/create?remix=${secretPrompt.post.id}`);
    expect(remix.status).toBe(200);
    expect(remix.body).not.toContain(prompt);
    // The author hides a shown prompt later: the alt text that was filled from it goes too.
    const shown = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "shown at first")).id], showPrompt: true });
    expect(shown.media[0].alt).toBe("shown at first");
    const edited = await pictor.posts.edit(alice, shown.post.id, { showPrompt: false });
    expect(edited.media[0].alt).toBe("");
    expect(await (await pictor.http.request(shown.post.iri, { headers: AP })).text()).not.toContain("shown at first");
    // The job page asks for alt text instead of filling in the prompt.
    const { jobId } = await doneJob(eve);
    const job = await (await eveClient.request(`/create/${jobId}`)).text();
    expect(job).toMatch(/name="alt_[^"]+" type="text" value=""/);
  });

  it("lets followers and mentioned accounts in", async () => {
    const f = await pictor.follows.follow(eve, alice);
    expect(f.state).toBe("accepted");
    expect((await eveClient.request(`/@alice/${hidden.followers.post.id}`)).status).toBe(200);
    expect((await eveClient.request(`/@alice/${hidden.direct.post.id}`)).status).toBe(404);
    const remix = await eveClient.request(`/create?remix=${hidden.followers.post.id}`);
    expect(remix.status).toBe(200);
    // The prompt is shown on that post, so a remix may start from it.
    expect(await remix.text()).toContain("followers-only prompt");
  });
});
