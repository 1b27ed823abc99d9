import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { api, apiUser } from "../helpers/api.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

/** Counts the queries Kysely runs while it is installed. */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Every list read runs a fixed number of queries whatever its length: the
 * same request is counted with few and with many items. (An N+1 shows as a
 * count that grows with the items.)
 */
describe("queries per list read", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: { account: AccountRow; token: string };
  let bob: AccountRow;
  let n = 0;
  const local = async (author: AccountRow, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { caption: `post ${++n} #tag`, mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `p${n}`)).id], ...extra });

  /** Adds `count` items of every kind alice's lists show: posts by people she follows, her own, likes, boosts, bookmarks, notifications. */
  const grow = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { account } = await apiUser(pictor, `u${++n}`);
      await pictor.follows.follow(account, alice.account);
      await pictor.follows.follow(alice.account, account);
      const theirs = await local(account);
      const mine = await local(alice.account);
      await pictor.interactions.act("like", account, mine);
      await pictor.interactions.act("like", alice.account, theirs);
      await pictor.interactions.act("boost", account, mine);
      await api(pictor, "POST", `/api/v1/statuses/${theirs.post.id}/bookmark`, { token: alice.token });
      await pictor.posts.receiveRemote(bob, remotePost(`${bob.iri}/notes/${n}`, { attachments: [{ url: `https://remote.example/${n}.png`, mediaType: "image/png", width: 10, height: 10, alt: "" }] }));
    }
  };

  const requests: Array<[string, () => Response | Promise<Response>]> = [
    ["API home timeline", () => pictor.http.request("http://pictor.test/api/v1/timelines/home?limit=40", { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["API public timeline", () => pictor.http.request("http://pictor.test/api/v1/timelines/public?limit=40")],
    ["API account statuses", () => pictor.http.request(`http://pictor.test/api/v1/accounts/${alice.account.id}/statuses?limit=40`, { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["API notifications", () => pictor.http.request("http://pictor.test/api/v1/notifications?limit=40", { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["API favourites", () => pictor.http.request("http://pictor.test/api/v1/favourites?limit=40", { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["API bookmarks", () => pictor.http.request("http://pictor.test/api/v1/bookmarks?limit=40", { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["API followers", () => pictor.http.request(`http://pictor.test/api/v1/accounts/${alice.account.id}/followers?limit=40`, { headers: { Authorization: `Bearer ${alice.token}` } })],
    ["outbox page", () => pictor.http.request("http://pictor.test/users/alice/outbox?cursor=first", { headers: { Accept: "application/activity+json" } })],
    ["profile page", () => pictor.http.request("http://pictor.test/@alice", { headers: { Accept: "text/html" } })],
    ["explore page", () => pictor.http.request("http://pictor.test/explore", { headers: { Accept: "text/html" } })],
  ];

  const counts = async () => {
    const counter = new QueryCounter();
    const plain = pictor.db.kysely;
    const result = new Map<string, number>();
    // Measure rendering, not the caches of public responses.
    pictor.apCache.clear();
    pictor.pageCache.cache.clear();
    try {
      pictor.db.kysely = plain.withPlugin(counter);
      for (const [name, request] of requests) {
        counter.count = 0;
        const res = await request();
        await res.text();
        expect(res.status, name).toBe(200);
        result.set(name, counter.count);
      }
    } finally {
      pictor.db.kysely = plain;
    }
    return result;
  };

  beforeAll(async () => {
    pictor = await startTestPictor({ API_RATE_LIMIT: "0", REMOTE_MEDIA_CACHE: "false", AP_CACHE_TTL_MS: "0" });
    alice = await apiUser(pictor, "alice");
    bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    await pictor.follows.follow(alice.account, bob);
  });
  afterAll(() => pictor?.stop());

  it("costs about the same with 2 items as with 12", async () => {
    await grow(2);
    // Warm-up: the first read of a page may fill per-process caches (domain blocks, counts).
    await counts();
    const few = await counts();
    await grow(10);
    await counts();
    const many = await counts();
    // Ten more items of every kind: a query per item would add ten. A few may come and go with what a
    // page happens to hold (boosts to resolve, counts kept a few seconds or read afresh).
    for (const [name] of requests) {
      const [a, b] = [few.get(name)!, many.get(name)!];
      expect(b - a, `${name}: ${a} queries with 2 items of each kind, ${b} with 12`).toBeLessThan(5);
      expect(b, `${name}: ${b} queries`).toBeLessThanOrEqual(30);
    }
  });
});
