import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, openDb } from "../../src/storage/db.ts";
import { type Cluster, eventually, startCluster, type TestServer } from "./harness.ts";

/**
 * Quotes (FEP-044f) between two servers: B's post quotes one of A's, sends A
 * a QuoteRequest, A answers with an Accept and a stamp, and B, once it has
 * checked the stamp, sends its followers an Update with `quoteAuthorization`.
 * alice (A) follows bob (B), so A also gets bob's Create and that Update; eve
 * (B) has no follow either way, so A only learns of her post from the request.
 */
describe("quotes between two servers", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let a: TestServer;
  let b: TestServer;
  let dbA: Db;
  let dbB: Db;

  const ok = async (p: Promise<{ code: number; stdout: string; stderr: string }>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`pictor failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };
  const localId = (db: Db, username: string) =>
    db.kysely.selectFrom("accounts").select("id").where("username", "=", username).where("domain", "is", null).executeTakeFirstOrThrow().then((r) => r.id);
  const post = (db: Db, iri: string) => db.kysely.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirst();
  /** Posts as `username` on `server` and returns the post's IRI. */
  const postAs = async (server: TestServer, username: string, caption: string, quote?: string) => {
    const url = await ok(server.cli("post", "--account", username, "--prompt", caption.toLowerCase(), "--size", "256x256", "--caption", caption, ...(quote ? ["--quote", quote] : [])));
    return `${server.origin}/users/${username}/posts/${url.split("/").pop()}`;
  };

  beforeAll(async () => {
    cluster = await startCluster(["a", "b"]);
    [a, b] = cluster.servers;
    dbA = openDb(a.env.DATABASE_URL);
    dbB = openDb(b.env.DATABASE_URL);
    for (const [server, name] of [[a, "alice"], [b, "bob"], [b, "eve"]] as const) {
      await ok(server.cli("account", "create", "--username", name, "--password", "correct horse battery"));
    }
    await ok(a.cli("follow", "--account", "alice", "--target", `@bob@${b.host}`));
    await eventually(async () => (await dbA.kysely.selectFrom("follows").select("id").where("state", "=", "accepted").execute()).length === 1, "alice to follow bob", cluster, 60_000);
  }, 180_000);

  afterAll(async () => {
    await dbA?.close();
    await dbB?.close();
    await cluster?.close();
  });

  it("quote approval arrives through an Update", async () => {
    const quoted = await postAs(a, "alice", "Lanterns");
    const quoting = await postAs(b, "bob", "Lanterns remixed", quoted);

    // B: the Accept came with a stamp from A, which B checked: bob's post is accepted.
    const onB = await eventually(async () => {
      const p = await post(dbB, quoting);
      return p?.quote_state === "accepted" && p.quote_authorization_iri ? p : undefined;
    }, "bob's quote accepted on B", cluster);
    expect(onB.quote_iri).toBe(quoted);
    expect(onB.quote_authorization_iri!.startsWith(`${a.origin}/`)).toBe(true);
    // Settling the quote stamped bob's post as edited: that is the Update sent to bob's followers.
    expect(onB.updated_at).toBeTruthy();

    // A: its copy of bob's post is accepted with A's own stamp, and has taken the Update (bob's `updated`).
    const onA = await eventually(async () => {
      const p = await post(dbA, quoting);
      return p?.quote_state === "accepted" && p.updated_at && Date.parse(p.updated_at) === Date.parse(onB.updated_at!) ? p : undefined;
    }, "bob's Update with the stamp on A", cluster);
    expect(onA.quote_iri).toBe(quoted);
    expect(onA.quote_authorization_iri).toBe(onB.quote_authorization_iri);
    await eventually(async () => (await post(dbA, quoted))?.quotes_count === 1, "alice's post to count one quote on A", cluster);

    // The stamp A serves names both posts.
    expect(await cluster.getJson(onB.quote_authorization_iri!)).toMatchObject({
      type: "QuoteAuthorization",
      attributedTo: `${a.origin}/users/alice`,
      interactionTarget: quoted,
      interactingObject: quoting,
    });
  });

  it("quote by a non-follower", async () => {
    const quoted = await postAs(a, "alice", "Harbour");
    const quoting = await postAs(b, "eve", "Harbour at night", quoted);

    // A stored eve's post from the QuoteRequest (nobody on A follows her) and accepted it.
    const onA = await eventually(async () => {
      const p = await post(dbA, quoting);
      return p?.quote_state === "accepted" ? p : undefined;
    }, "eve's post, accepted, on A", cluster);
    expect(onA.quote_iri).toBe(quoted);
    expect(onA.quote_authorization_iri!.startsWith(`${a.origin}/`)).toBe(true);
    await eventually(async () => (await post(dbA, quoted))?.quotes_count === 1, "alice's post to count eve's quote", cluster);

    // alice is told, and the notification leads to eve's post (on A), not to her own.
    const alice = await localId(dbA, "alice");
    const eve = await dbA.kysely.selectFrom("accounts").select("id").where("iri", "=", `${b.origin}/users/eve`).executeTakeFirstOrThrow();
    const notes = await eventually(async () => {
      const rows = await dbA.kysely.selectFrom("notifications").selectAll().where("account_id", "=", alice).where("type", "=", "quote").where("actor_id", "=", eve.id).execute();
      return rows.length ? rows : undefined;
    }, "alice's quote notification", cluster);
    expect(notes).toHaveLength(1);
    expect(notes[0].post_id).toBe(onA.id);
    expect(notes[0].post_id).not.toBe((await post(dbA, quoted))!.id);

    // B: the Accept reached eve's post, with the same stamp.
    const onB = await eventually(async () => {
      const p = await post(dbB, quoting);
      return p?.quote_state === "accepted" ? p : undefined;
    }, "eve's quote accepted on B", cluster);
    expect(onB.quote_authorization_iri).toBe(onA.quote_authorization_iri);
  });
});
