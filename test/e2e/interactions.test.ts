import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainEvents } from "../../src/domain/events.ts";
import { PostService } from "../../src/domain/posts.ts";
import { viewerOf } from "../../src/domain/visibility.ts";
import { TimelineReader } from "../../src/read/timelines.ts";
import { type Db, openDb } from "../../src/storage/db.ts";
import { LocalUrls } from "../../src/urls.ts";
import { type Cluster, eventually, startCluster, type TestServer } from "./harness.ts";

/**
 * A and B follow each other; B likes, boosts, replies to and quotes A's post.
 * A sees the counts, the notifications and the reply in the thread; B's boost
 * reaches the home timeline of B's followers on A; each Undo takes its effect
 * back; B deletes its account and A drops B's content.
 */
describe("interactions between two servers", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let a: TestServer;
  let b: TestServer;
  let dbA: Db;
  let dbB: Db;
  let iri: string;

  const ok = async (p: Promise<{ code: number; stdout: string; stderr: string }>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`pictor failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };
  const postOnA = () => dbA.kysely.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirstOrThrow();
  const localId = (db: Db, username: string) =>
    db.kysely.selectFrom("accounts").select("id").where("username", "=", username).where("domain", "is", null).executeTakeFirstOrThrow().then((r) => r.id);
  const notificationTypes = async () => {
    const alice = await localId(dbA, "alice");
    const rows = await dbA.kysely.selectFrom("notifications").select("type").where("account_id", "=", alice).execute();
    return rows.map((r) => r.type).sort();
  };

  beforeAll(async () => {
    cluster = await startCluster(["a", "b"]);
    [a, b] = cluster.servers;
    dbA = openDb(a.env.DATABASE_URL);
    dbB = openDb(b.env.DATABASE_URL);
    for (const [server, name] of [[a, "alice"], [a, "carol"], [b, "bob"]] as const) {
      await ok(server.cli("account", "create", "--username", name, "--password", "correct horse battery"));
    }
    await ok(a.cli("follow", "--account", "alice", "--target", `@bob@${b.host}`));
    await ok(a.cli("follow", "--account", "carol", "--target", `@bob@${b.host}`));
    await ok(b.cli("follow", "--account", "bob", "--target", `@alice@${a.host}`));
    await eventually(async () => (await dbA.kysely.selectFrom("follows").select("id").where("state", "=", "accepted").execute()).length === 3, "three accepted follows on A", cluster, 60_000);
    await eventually(async () => (await dbB.kysely.selectFrom("follows").select("id").where("state", "=", "accepted").execute()).length === 3, "three accepted follows on B", cluster, 60_000);
    const url = await ok(a.cli("post", "--account", "alice", "--prompt", "a kite festival", "--size", "256x256", "--caption", "Kites!"));
    iri = `${a.origin}/users/alice/posts/${url.split("/").pop()}`;
    await eventually(() => dbB.kysely.selectFrom("posts").select("id").where("iri", "=", iri).executeTakeFirst(), "alice's post on B", cluster);
  }, 180_000);

  afterAll(async () => {
    await dbA?.close();
    await dbB?.close();
    await cluster?.close();
  });

  it("counts likes, boosts, replies and quotes, notifies, threads, and shows the boost to B's followers", async () => {
    await ok(b.cli("like", "--account", "bob", "--post", iri));
    await ok(b.cli("boost", "--account", "bob", "--post", iri));
    const replyUrl = await ok(b.cli("post", "--account", "bob", "--prompt", "more kites", "--size", "256x256", "--caption", "Lovely", "--reply-to", iri));
    const quoteUrl = await ok(b.cli("post", "--account", "bob", "--prompt", "a kite remix", "--size", "256x256", "--caption", "Remixed", "--quote", iri));
    const replyIri = `${b.origin}/users/bob/posts/${replyUrl.split("/").pop()}`;
    const quoteIri = `${b.origin}/users/bob/posts/${quoteUrl.split("/").pop()}`;

    await eventually(async () => {
      const p = await postOnA();
      return p.likes_count === 1 && p.boosts_count === 1 && p.replies_count === 1;
    }, "the counts on A", cluster);
    await eventually(async () => {
      const t = await notificationTypes();
      return (["boost", "like", "quote", "reply"] as const).every((x) => t.includes(x));
    }, "alice's notifications", cluster);
    const reply = await dbA.kysely.selectFrom("posts").select("iri").where("in_reply_to_iri", "=", iri).execute();
    expect(reply.map((r) => r.iri)).toEqual([replyIri]);
    // The quote is authorized by a stamp from A, which anyone can fetch.
    const stamp = await eventually(
      async () => (await dbB.kysely.selectFrom("posts").select("quote_authorization_iri").where("iri", "=", quoteIri).executeTakeFirst())?.quote_authorization_iri,
      "the quote stamp on B",
      cluster,
    );
    const stampDoc = await cluster.getJson(stamp);
    expect(stampDoc).toMatchObject({ type: "QuoteAuthorization", interactionTarget: iri, interactingObject: quoteIri });

    // carol follows bob: bob's boost of alice's post is in carol's home timeline.
    const posts = new PostService(dbA, new LocalUrls(new URL(a.origin)), new DomainEvents(), { resolve: async () => null });
    const timelines = new TimelineReader(dbA, posts);
    const carol = await dbA.kysely.selectFrom("accounts").selectAll().where("username", "=", "carol").where("domain", "is", null).executeTakeFirstOrThrow();
    const home = await timelines.home(viewerOf(carol));
    expect(home.items.some((e) => e.boostedBy?.username === "bob" && e.details.post.iri === iri)).toBe(true);
  });

  it("takes each effect back on Undo and on deletion", async () => {
    await ok(b.cli("unlike", "--account", "bob", "--post", iri));
    await ok(b.cli("unboost", "--account", "bob", "--post", iri));
    const replies = await dbB.kysely.selectFrom("posts").select("id").where("in_reply_to_iri", "=", iri).execute();
    for (const r of replies) await ok(b.cli("delete", "--account", "bob", "--post", r.id));
    await eventually(async () => {
      const p = await postOnA();
      return p.likes_count === 0 && p.boosts_count === 0 && p.replies_count === 0;
    }, "the counts back to zero", cluster);
    await eventually(async () => !(await notificationTypes()).some((t) => t === "like" || t === "boost"), "like and boost notifications withdrawn", cluster);
  });

  it("drops B's content when B's account is deleted", async () => {
    const bobOnA = () => dbA.kysely.selectFrom("accounts").select("id").where("iri", "=", `${b.origin}/users/bob`).executeTakeFirst();
    expect(await bobOnA()).toBeDefined();
    await ok(b.cli("account", "delete", "--username", "bob", "--yes"));
    await eventually(async () => (await bobOnA()) === undefined, "A to drop bob", cluster);
    const left = await dbA.kysely.selectFrom("posts").select("iri").where("iri", "like", `${b.origin}/%`).execute();
    expect(left).toEqual([]);
    expect((await cluster.fetch(`${b.origin}/users/bob`, { headers: { Accept: "application/activity+json" } })).status).toBe(410);
  });
});
