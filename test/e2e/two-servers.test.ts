import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, openDb } from "../../src/storage/db.ts";
import { type Cluster, eventually, startCluster, type TestServer } from "./harness.ts";

/**
 * Two independent Pictor processes, each under its own hostname over HTTPS,
 * talking through real WebFinger, signed deliveries and signed fetches.
 */
describe("two servers", { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let a: TestServer;
  let b: TestServer;
  let dbA: Db;
  let dbB: Db;
  const AP = "application/activity+json";
  const collection = (url: string) => cluster.getJson(url);
  const allItems = async (url: string): Promise<string[]> => {
    const c = await collection(url);
    const items: string[] = [];
    let next: string | undefined = c.first;
    while (next) {
      const page = await collection(next);
      items.push(...(page.orderedItems ?? page.items ?? []).map((i: any) => (typeof i === "string" ? i : i.id)));
      next = page.next;
    }
    return items;
  };

  beforeAll(async () => {
    cluster = await startCluster(["a", "b"]);
    [a, b] = cluster.servers;
    dbA = openDb(a.env.DATABASE_URL);
    dbB = openDb(b.env.DATABASE_URL);
    expect((await a.cli("account", "create", "--username", "alice", "--password", "correct horse battery")).code).toBe(0);
    expect((await b.cli("account", "create", "--username", "bob", "--password", "correct horse battery")).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await dbA?.close();
    await dbB?.close();
    await cluster?.close();
  });

  it("finds an account by @user@host over WebFinger and serves it as Mastodon expects", async () => {
    const jrd = await cluster.getJson(`${a.origin}/.well-known/webfinger?resource=acct:alice@${a.host}`, "application/jrd+json");
    expect(jrd.links).toContainEqual({ rel: "self", type: AP, href: `${a.origin}/users/alice` });
    const actor = await cluster.getJson(`${a.origin}/users/alice`);
    expect(actor.publicKey.owner).toBe(`${a.origin}/users/alice`);
    expect(actor.assertionMethod).toHaveLength(2);
  });

  it("follows across servers, receives the Accept, and unfollows", async () => {
    const follow = await a.cli("follow", "--account", "alice", "--target", `@bob@${b.host}`);
    expect(follow.stderr).toBe("");
    expect(follow.stdout).toContain("asked to follow");
    await eventually(async () => (await allItems(`${b.origin}/users/bob/followers`)).includes(`${a.origin}/users/alice`), "bob's followers to list alice", cluster);
    await eventually(async () => (await allItems(`${a.origin}/users/alice/following`)).includes(`${b.origin}/users/bob`), "the Accept to reach A", cluster);
    expect((await collection(`${b.origin}/users/bob/followers`)).totalItems).toBe(1);

    expect((await a.cli("unfollow", "--account", "alice", "--target", `@bob@${b.host}`)).code).toBe(0);
    await eventually(async () => (await collection(`${b.origin}/users/bob/followers`)).totalItems === 0, "the Undo to reach B", cluster);
    expect((await collection(`${a.origin}/users/alice/following`)).totalItems).toBe(0);
  });

  it("refuses an unsigned inbox POST with a 4xx and changes nothing", async () => {
    const res = await cluster.fetch(`${b.origin}/users/bob/inbox`, {
      method: "POST",
      headers: { "Content-Type": AP },
      body: JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${a.origin}/x`, type: "Follow", actor: `${a.origin}/users/alice`, object: `${b.origin}/users/bob` }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await collection(`${b.origin}/users/bob/followers`)).totalItems).toBe(0);
  });

  it("delivers a post with two images, a hashtag and a mention; edits and deletes it", async () => {
    expect((await b.cli("follow", "--account", "bob", "--target", `@alice@${a.host}`)).code).toBe(0);
    await eventually(async () => (await allItems(`${a.origin}/users/alice/followers`)).includes(`${b.origin}/users/bob`), "bob to follow alice", cluster);

    const posted = await a.cli("post", "--account", "alice", "--prompt", "two lighthouses at dusk", "--images", "2", "--size", "512x512", "--caption", `Lighthouses #Dusk for @bob@${b.host}`);
    expect(posted.code).toBe(0);
    const pageUrl = posted.stdout.trim();
    const id = pageUrl.split("/").pop()!;
    const iri = `${a.origin}/users/alice/posts/${id}`;

    const onB = await eventually(() => dbB.kysely.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirst(), "the post to reach B", cluster);
    const media = await dbB.kysely.selectFrom("media").selectAll().where("post_id", "=", onB.id).orderBy("position").execute();
    expect(media.map((m) => [m.alt, m.media_type.startsWith("image/"), m.width])).toEqual([
      ["two lighthouses at dusk", true, 512],
      ["two lighthouses at dusk", true, 512],
    ]);
    expect(media[0].remote_url).toMatch(new RegExp(`^${a.origin}/media/[0-9a-f]{64}\\.(jpg|png)$`));
    const tags = await dbB.kysely.selectFrom("post_tags").select("tag").where("post_id", "=", onB.id).execute();
    expect(tags.map((t) => t.tag)).toEqual(["dusk"]);
    const bob = await dbB.kysely.selectFrom("accounts").select("id").where("username", "=", "bob").where("domain", "is", null).executeTakeFirstOrThrow();
    await eventually(
      () => dbB.kysely.selectFrom("notifications").selectAll().where("account_id", "=", bob.id).where("type", "=", "mention").executeTakeFirst(),
      "bob's mention notification",
      cluster,
    );
    // The image is served from A, with its provenance.
    const image = await cluster.fetch(media[0].remote_url!);
    expect(image.status).toBe(200);

    expect((await a.cli("edit", "--account", "alice", "--post", id, "--caption", "Lighthouses, edited #dusk")).code).toBe(0);
    await eventually(async () => (await dbB.kysely.selectFrom("posts").select("content_html").where("iri", "=", iri).executeTakeFirst())?.content_html.includes("edited"), "the edit to reach B", cluster);

    expect((await a.cli("delete", "--account", "alice", "--post", id)).code).toBe(0);
    await eventually(async () => (await dbB.kysely.selectFrom("posts").select("id").where("iri", "=", iri).executeTakeFirst()) === undefined, "the delete to reach B", cluster);
    expect((await cluster.fetch(iri, { headers: { Accept: AP } })).status).toBe(410);
  });

  it("delivers a followers-only post that an unsigned fetch cannot read", async () => {
    const posted = await a.cli("post", "--account", "alice", "--prompt", "a private garden", "--size", "256x256", "--visibility", "followers");
    expect(posted.code).toBe(0);
    const iri = `${a.origin}/users/alice/posts/${posted.stdout.trim().split("/").pop()}`;
    const onB = await eventually(() => dbB.kysely.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirst(), "the followers-only post to reach B", cluster);
    expect(onB.visibility).toBe("followers");
    // Unsigned, it answers as a post that does not exist would.
    const unsigned = await cluster.fetch(iri, { headers: { Accept: AP } });
    expect(unsigned.status).toBe(404);
  });

  it("delivers a followers-only reply to the author it answers, mentioned and addressed", async () => {
    // bob follows alice, alice does not follow bob: only the mention lets her see his followers-only reply.
    const garden = await dbA.kysely.selectFrom("posts").select("iri").where("visibility", "=", "followers").orderBy("id", "desc").executeTakeFirstOrThrow();
    const replied = await b.cli("post", "--account", "bob", "--prompt", "a reply in the garden", "--size", "256x256", "--visibility", "followers", "--reply-to", garden.iri);
    expect(replied.code).toBe(0);
    const replyIri = `${b.origin}/users/bob/posts/${replied.stdout.trim().split("/").pop()}`;
    const onA = await eventually(() => dbA.kysely.selectFrom("posts").selectAll().where("iri", "=", replyIri).executeTakeFirst(), "bob's reply to reach A", cluster);
    expect(onA).toMatchObject({ visibility: "followers", in_reply_to_iri: garden.iri });
    const alice = await dbA.kysely.selectFrom("accounts").select("id").where("username", "=", "alice").where("domain", "is", null).executeTakeFirstOrThrow();
    const mentions = await dbA.kysely.selectFrom("post_mentions").select("account_id").where("post_id", "=", onA.id).execute();
    expect(mentions.map((m) => m.account_id)).toEqual([alice.id]);
    await eventually(
      () => dbA.kysely.selectFrom("notifications").select("id").where("account_id", "=", alice.id).where("type", "=", "reply").where("post_id", "=", onA.id).executeTakeFirst(),
      "alice's reply notification",
      cluster,
    );
  });

  it("serves counts the other server reads back from the Note, unchanged by an edit", async () => {
    expect((await a.cli("account", "create", "--username", "carl", "--password", "correct horse battery")).code).toBe(0);
    const posted = await a.cli("post", "--account", "alice", "--prompt", "a lantern", "--size", "256x256", "--caption", "Lantern");
    const iri = `${a.origin}/users/alice/posts/${posted.stdout.trim().split("/").pop()}`;
    await eventually(() => dbB.kysely.selectFrom("posts").select("id").where("iri", "=", iri).executeTakeFirst(), "the lantern on B", cluster);
    expect((await b.cli("like", "--account", "bob", "--post", iri)).code).toBe(0);
    expect((await b.cli("boost", "--account", "bob", "--post", iri)).code).toBe(0);
    expect((await a.cli("like", "--account", "carl", "--post", iri)).code).toBe(0);
    expect((await b.cli("post", "--account", "bob", "--prompt", "a lantern reply", "--size", "256x256", "--reply-to", iri)).code).toBe(0);
    const counts = (note: any) => [note.likes?.totalItems, note.shares?.totalItems, note.replies?.totalItems];
    // What B (or Hollo, or Mastodon 4.3+) reads when it fetches the Note from A.
    await eventually(async () => JSON.stringify(counts(await cluster.getJson(iri))) === "[2,1,1]", "the counts in A's Note", cluster);
    expect((await cluster.getJson(`${iri}/likes`)).totalItems).toBe(2);
    expect((await cluster.getJson(`${iri}/shares`)).totalItems).toBe(1);
    // An edit sends the same totals; the Note still carries them.
    expect((await a.cli("edit", "--account", "alice", "--post", iri, "--caption", "Lantern, edited")).code).toBe(0);
    await eventually(async () => (await dbB.kysely.selectFrom("posts").select("content_html").where("iri", "=", iri).executeTakeFirst())?.content_html.includes("edited"), "the edit on B", cluster);
    expect(counts(await cluster.getJson(iri))).toEqual([2, 1, 1]);
  });

  it("answers follow requests of a locked account: accepted, then rejected", async () => {
    expect((await b.cli("account", "create", "--username", "lena", "--password", "correct horse battery", "--locked")).code).toBe(0);
    expect((await a.cli("follow", "--account", "alice", "--target", `@lena@${b.host}`)).stdout).toContain("waiting for them to accept");
    expect((await a.cli("follow", "--account", "carl", "--target", `@lena@${b.host}`)).code).toBe(0);
    const listed = await eventually(async () => {
      const r = await b.cli("follow-requests", "list", "--account", "lena");
      return r.stdout.split("\n").filter(Boolean).length === 2 ? r.stdout : undefined;
    }, "both requests on B", cluster);
    expect(listed).toContain(`@alice@${a.host}`);
    expect(listed).toContain(`@carl@${a.host}`);
    // Before any answer, lena's followers-only posts reach nobody on A.
    const early = await b.cli("post", "--account", "lena", "--prompt", "before", "--size", "256x256", "--visibility", "followers");
    const earlyIri = `${b.origin}/users/lena/posts/${early.stdout.trim().split("/").pop()}`;

    expect((await b.cli("follow-requests", "accept", "--account", "lena", "--from", `@alice@${a.host}`)).stdout).toContain("accepted");
    expect((await b.cli("follow-requests", "reject", "--account", "lena", "--from", `${a.origin}/users/carl`)).stdout).toContain("rejected");
    const followState = (username: string) =>
      dbA.kysely
        .selectFrom("follows")
        .innerJoin("accounts as f", "f.id", "follows.follower_id")
        .innerJoin("accounts as t", "t.id", "follows.following_id")
        .select("follows.state")
        .where("f.username", "=", username)
        .where("f.domain", "is", null)
        .where("t.iri", "=", `${b.origin}/users/lena`)
        .executeTakeFirst();
    await eventually(async () => (await followState("alice"))?.state === "accepted", "the Accept to reach A", cluster);
    await eventually(async () => (await followState("carl")) === undefined, "the Reject to reach A", cluster);
    expect((await allItems(`${b.origin}/users/lena/followers`))).toEqual([`${a.origin}/users/alice`]);

    const late = await b.cli("post", "--account", "lena", "--prompt", "after", "--size", "256x256", "--visibility", "followers");
    const lateIri = `${b.origin}/users/lena/posts/${late.stdout.trim().split("/").pop()}`;
    await eventually(() => dbA.kysely.selectFrom("posts").select("id").where("iri", "=", lateIri).executeTakeFirst(), "lena's post after approval on A", cluster);
    expect(await dbA.kysely.selectFrom("posts").select("id").where("iri", "=", earlyIri).executeTakeFirst()).toBeUndefined();
  });
});
