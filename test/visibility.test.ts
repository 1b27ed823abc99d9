import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANONYMOUS,
  canSee,
  type PostFacts,
  type Purpose,
  type Viewer,
  VisibilityRules,
  visibleTo,
} from "../src/domain/visibility.ts";
import type { Db } from "../src/storage/db.ts";
import type { Visibility } from "../src/storage/schema.ts";
import { createTestDb } from "./helpers/db.ts";

// The SQL form and the predicate form of the visibility rule must agree on
// every (viewer, post) pair of any world of accounts, follows, blocks, mutes,
// domain blocks and posts. Worlds are generated; both forms run on the real
// database under test.

const DOMAINS = [null, null, "a.example", "sub.a.example", "b.example", "c.test"] as const;
const BLOCKABLE = ["a.example", "b.example", "example", "sub.a.example"] as const;
const VISIBILITIES: Visibility[] = ["public", "unlisted", "followers", "direct"];


interface World {
  accounts: Array<{ domain: string | null; suspended: boolean; deleted: boolean }>;
  follows: Array<{ from: number; to: number; accepted: boolean }>;
  blocks: Array<{ from: number; to: number }>;
  mutes: Array<{ from: number; to: number }>;
  domainBlocks: string[];
  posts: Array<{ author: number; visibility: Visibility; deleted: boolean; mentions: number[] }>;
}

const N = 7;
const idx = fc.nat({ max: N - 1 });
const worldArb: fc.Arbitrary<World> = fc.record({
  accounts: fc.array(
    fc.record({
      domain: fc.constantFrom(...DOMAINS),
      // Mostly alive: suspended and deleted authors are rare but present.
      suspended: fc.nat({ max: 9 }).map((n) => n === 0),
      deleted: fc.nat({ max: 9 }).map((n) => n === 0),
    }),
    { minLength: N, maxLength: N },
  ),
  follows: fc.uniqueArray(fc.record({ from: idx, to: idx, accepted: fc.boolean() }), { maxLength: 16, selector: (f) => `${f.from}>${f.to}` }),
  blocks: fc.uniqueArray(fc.record({ from: idx, to: idx }), { maxLength: 4, selector: (f) => `${f.from}>${f.to}` }),
  mutes: fc.uniqueArray(fc.record({ from: idx, to: idx }), { maxLength: 4, selector: (f) => `${f.from}>${f.to}` }),
  domainBlocks: fc.uniqueArray(fc.constantFrom(...BLOCKABLE), { maxLength: 2 }),
  posts: fc.array(
    fc.record({
      author: idx,
      visibility: fc.constantFrom(...VISIBILITIES),
      deleted: fc.nat({ max: 9 }).map((n) => n === 0),
      mentions: fc.uniqueArray(idx, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 24 },
  ),
});

const TABLES = ["post_mentions", "posts", "mutes", "blocks", "follows", "domain_blocks", "accounts"] as const;

async function store(db: Db, w: World): Promise<{ accountIds: string[]; postIds: string[] }> {
  const k = db.kysely;
  for (const t of TABLES) await k.deleteFrom(t as never).execute();
  const now = new Date().toISOString();
  const accountIds = w.accounts.map((_, i) => `acct-${i}`);
  await k
    .insertInto("accounts")
    .values(
      w.accounts.map((a, i) => ({
        id: accountIds[i],
        iri: `https://${a.domain ?? "local.test"}/users/u${i}`,
        username: `u${i}`,
        domain: a.domain,
        created_at: now,
        updated_at: now,
        fetched_at: null,
        deleted_at: a.deleted ? now : null,
        suspended_at: a.suspended ? now : null,
        avatar_url: null,
        header_url: null,
        url: null,
        inbox_url: null,
        shared_inbox_url: null,
        followers_url: null,
      })),
    )
    .execute();
  const pairs = (list: Array<{ from: number; to: number }>) => list.filter((p) => p.from !== p.to);
  const follows = pairs(w.follows) as World["follows"];
  if (follows.length) {
    await k
      .insertInto("follows")
      .values(
        follows.map((f, i) => ({
          id: `f-${i}`,
          iri: `https://x.test/follows/${i}`,
          follower_id: accountIds[f.from],
          following_id: accountIds[f.to],
          state: f.accepted ? ("accepted" as const) : ("pending" as const),
          created_at: now,
          accepted_at: f.accepted ? now : null,
        })),
      )
      .execute();
  }
  const blocks = pairs(w.blocks);
  if (blocks.length) {
    await k
      .insertInto("blocks")
      .values(blocks.map((b, i) => ({ id: `b-${i}`, iri: `https://x.test/blocks/${i}`, account_id: accountIds[b.from], target_id: accountIds[b.to], created_at: now })))
      .execute();
  }
  const mutes = pairs(w.mutes);
  if (mutes.length) {
    await k.insertInto("mutes").values(mutes.map((m, i) => ({ id: `m-${i}`, account_id: accountIds[m.from], target_id: accountIds[m.to], created_at: now }))).execute();
  }
  if (w.domainBlocks.length) await k.insertInto("domain_blocks").values(w.domainBlocks.map((domain) => ({ domain, created_at: now }))).execute();
  const postIds = w.posts.map((_, i) => `post-${String(i).padStart(3, "0")}`);
  await k
    .insertInto("posts")
    .values(
      w.posts.map((p, i) => ({
        id: postIds[i],
        iri: `https://x.test/posts/${i}`,
        account_id: accountIds[p.author],
        url: null,
        caption: null,
        summary: null,
        visibility: p.visibility,
        in_reply_to_iri: null,
        quote_iri: null,
        quote_authorization_iri: null,
        published_at: now,
        updated_at: null,
        deleted_at: p.deleted ? now : null,
        created_at: now,
      })),
    )
    .execute();
  const mentions = w.posts.flatMap((p, i) => p.mentions.map((m) => ({ post_id: postIds[i], account_id: accountIds[m] })));
  if (mentions.length) await k.insertInto("post_mentions").values(mentions).execute();
  return { accountIds, postIds };
}

function factsOf(w: World, accountIds: string[]): PostFacts[] {
  const now = "2026-01-01T00:00:00.000Z";
  return w.posts.map((p) => {
    const a = w.accounts[p.author];
    return {
      post: { visibility: p.visibility, deleted_at: p.deleted ? now : null, account_id: accountIds[p.author] },
      author: { id: accountIds[p.author], domain: a.domain, deleted_at: a.deleted ? now : null, suspended_at: a.suspended ? now : null },
      mentions: p.mentions.map((m) => ({ id: accountIds[m] })),
    };
  });
}

async function sqlVisible(db: Db, viewer: Viewer, purpose: Purpose): Promise<string[]> {
  const rows = await db.kysely.selectFrom("posts as p").select("p.id").where(visibleTo(viewer, purpose)).orderBy("p.id").execute();
  return rows.map((r) => r.id);
}

describe("visibility: the SQL rule and the predicate agree", () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await createTestDb());
  });
  afterAll(async () => cleanup());

  it("on every (viewer, post) pair of generated worlds, in lists and for single posts", async () => {
    const rules = new VisibilityRules(db);
    let pairs = 0;
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const { accountIds, postIds } = await store(db, w);
        const facts = factsOf(w, accountIds);
        const viewers: Viewer[] = [
          ANONYMOUS,
          ...accountIds.map((id, i) => ({ kind: "account" as const, id, isLocal: w.accounts[i].domain === null })),
          // Remote actors with a verified signature that we have not stored.
          ...["a.example", "deep.sub.a.example", "b.example", "elsewhere.test"].map((host) => ({ kind: "stranger" as const, host })),
        ];
        for (const viewer of viewers) {
          for (const purpose of ["list", "single"] as const) {
            const relations = await rules.relations(viewer, accountIds, purpose);
            const byPredicate = postIds.filter((_, i) => canSee(viewer, facts[i], relations, purpose));
            expect(await sqlVisible(db, viewer, purpose), JSON.stringify({ viewer, purpose, w })).toEqual(byPredicate);
            pairs += postIds.length;
            seen += byPredicate.length;
          }
        }
      }),
      { numRuns: process.env.CI ? 40 : 25, seed: Number(process.env.VISIBILITY_SEED ?? Date.now() % 2 ** 31) },
    );
    // The worlds are not degenerate: some pairs are visible, some are not.
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(pairs);
  });

  it("follows the rule on hand-made cases", async () => {
    // 0 local author, 1 accepted follower, 2 pending follower, 3 mentioned, 4 stranger, 5 blocked by author, 6 muter (remote on b.example).
    const w: World = {
      accounts: [null, null, null, null, "c.test", null, "b.example"].map((domain) => ({ domain, suspended: false, deleted: false })),
      follows: [
        { from: 1, to: 0, accepted: true },
        { from: 2, to: 0, accepted: false },
        { from: 5, to: 0, accepted: true },
        { from: 6, to: 0, accepted: true },
      ],
      blocks: [{ from: 0, to: 5 }],
      mutes: [{ from: 6, to: 0 }],
      domainBlocks: [],
      posts: VISIBILITIES.map((visibility) => ({ author: 0, visibility, deleted: false, mentions: [3] })),
    };
    const { accountIds } = await store(db, w);
    const rules = new VisibilityRules(db);
    const v = (i: number): Viewer => ({ kind: "account", id: accountIds[i], isLocal: w.accounts[i].domain === null });
    const see = async (viewer: Viewer, purpose: Purpose = "single") => {
      const ids = await sqlVisible(db, viewer, purpose);
      const facts = factsOf(w, accountIds);
      const rel = await rules.relations(viewer, accountIds, purpose);
      expect(ids).toEqual(["post-000", "post-001", "post-002", "post-003"].filter((_, i) => canSee(viewer, facts[i], rel, purpose)));
      return ids.map((id) => VISIBILITIES[Number(id.slice(5))]);
    };
    expect(await see(ANONYMOUS)).toEqual(["public", "unlisted"]);
    expect(await see(v(0))).toEqual(VISIBILITIES);
    expect(await see(v(1))).toEqual(["public", "unlisted", "followers"]);
    expect(await see(v(2))).toEqual(["public", "unlisted"]);
    expect(await see(v(3))).toEqual(VISIBILITIES);
    expect(await see(v(4))).toEqual(["public", "unlisted"]);
    expect(await see(v(5))).toEqual([]);
    expect(await see(v(6), "single")).toEqual(["public", "unlisted", "followers"]);
    expect(await see(v(6), "list")).toEqual([]);

    // Blocking the viewer's domain hides everything from that viewer; blocking a parent domain covers subdomains.
    await db.kysely.insertInto("domain_blocks").values({ domain: "b.example", created_at: new Date().toISOString() }).execute();
    expect(await see(v(6), "single")).toEqual([]);
    await db.kysely.updateTable("accounts").set({ domain: "sub.a.example" }).where("id", "=", accountIds[0]).execute();
    w.accounts[0].domain = "sub.a.example";
    await db.kysely.insertInto("domain_blocks").values({ domain: "a.example", created_at: new Date().toISOString() }).execute();
    expect(await see(ANONYMOUS)).toEqual([]);
  });
});
