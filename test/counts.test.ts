import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../src/domain/accounts.ts";
import { DomainError } from "../src/domain/errors.ts";
import { DomainEvents } from "../src/domain/events.ts";
import { InteractionService } from "../src/domain/interactions.ts";
import { type PostDetails, PostService, type RemotePost } from "../src/domain/posts.ts";
import type { Db } from "../src/storage/db.ts";
import type { AccountRow, Visibility } from "../src/storage/schema.ts";
import { LocalUrls } from "../src/urls.ts";
import { createTestDb } from "./helpers/db.ts";
import { remoteAccount, remotePost } from "./helpers/fixtures.ts";
import { insertGeneratedMedia } from "./helpers/media.ts";

// The counters on a post's row (likes, boosts, replies) must equal a recount
// from the rows they count, whatever the order of likes, boosts, replies and
// their undoing and deletion, local and remote, with repeated deliveries and
// replies that arrive before their parent. Sequences are generated and run
// against the services on the database under test; then every post's
// counters are compared with a recount.

/** What a counter counts: likes and boosts of the post; replies anyone may see (public, unlisted), not deleted. Posts from `sinceId` on. */
async function recount(db: Db, sinceId: string) {
  const [posts, interactions] = await Promise.all([
    db.kysely.selectFrom("posts").select(["id", "iri", "in_reply_to_iri", "visibility", "deleted_at", "likes_count", "boosts_count", "replies_count"]).execute(),
    db.kysely.selectFrom("interactions").select(["post_id", "type"]).execute(),
  ]);
  return posts.filter((p) => p.id >= sinceId).map((p) => ({
    iri: p.iri,
    stored: { likes: Number(p.likes_count), boosts: Number(p.boosts_count), replies: Number(p.replies_count) },
    counted: {
      likes: interactions.filter((i) => i.post_id === p.id && i.type === "like").length,
      boosts: interactions.filter((i) => i.post_id === p.id && i.type === "boost").length,
      replies: posts.filter((r) => r.in_reply_to_iri === p.iri && r.deleted_at === null && (r.visibility === "public" || r.visibility === "unlisted")).length,
    },
  }));
}

type Op =
  | { kind: "like" | "boost"; actor: number; target: number; fresh: boolean }
  | { kind: "unlike" | "unboost"; actor: number; target: number; replay: boolean }
  | { kind: "reply"; actor: number; target: number; visibility: Visibility; replay: boolean }
  | { kind: "deleteReply"; pick: number }
  | { kind: "storeLate" };

// Actors 0-1 are local, 2-3 remote. Targets: 0 a local post, 1 a remote post, 2 a remote post stored late, 3+ replies made so far.
const ACTORS = 4;
const actor = fc.nat({ max: ACTORS - 1 });
const target = fc.nat({ max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("like" as const, "boost" as const), actor, target, fresh: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("unlike" as const, "unboost" as const), actor, target, replay: fc.boolean() }),
  fc.record({ kind: fc.constant("reply" as const), actor, target, visibility: fc.constantFrom<Visibility>("public", "unlisted", "followers", "direct"), replay: fc.boolean() }),
  fc.record({ kind: fc.constant("deleteReply" as const), pick: fc.nat({ max: 20 }) }),
  fc.constant({ kind: "storeLate" as const }),
);

describe("counters on posts", () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let posts: PostService;
  let interactions: InteractionService;
  let accounts: AccountRow[];
  let run = 0;

  beforeAll(async () => {
    ({ db, cleanup } = await createTestDb());
    const urls = new LocalUrls(new URL("https://pictor.example"));
    const events = new DomainEvents();
    const accountService = new AccountService(db, urls);
    posts = new PostService(db, urls, events, { resolve: async () => null });
    interactions = new InteractionService(db, urls, events, { isBlocked: async () => false });
    accounts = [
      await accountService.createLocal({ username: "alice", password: "a long password" }),
      await accountService.createLocal({ username: "bea", password: "a long password" }),
      await accountService.upsertRemote(remoteAccount("rob")),
      await accountService.upsertRemote(remoteAccount("ria")),
    ];
  });
  afterAll(() => cleanup?.());

  /**
   * Runs one generated sequence in a world of its own posts; `parallel` runs
   * each op beside the next two. Returns the id of its first post: every post
   * it made or touched is that one or newer (ids sort by time).
   */
  async function play(ops: Op[], parallel = false): Promise<string> {
    const r = ++run;
    const local = await posts.create(accounts[0], { mediaIds: [(await insertGeneratedMedia(db, accounts[0].id, `root ${r}`)).id] });
    const remote = (await posts.receiveRemote(accounts[2], remotePost(`https://remote.example/users/rob/statuses/root-${r}`)))!;
    const late: RemotePost = remotePost(`https://remote.example/users/ria/statuses/late-${r}`);
    const replies: Array<{ iri: string; input?: RemotePost; author: AccountRow }> = [];
    const lastIri = new Map<string, string>();
    let n = 0;
    const targetIri = (t: number): string | undefined => [local.post.iri, remote.post.iri, late.iri][t] ?? replies[t - 3]?.iri;
    const stored = async (t: number): Promise<PostDetails | undefined> => {
      const iri = targetIri(t);
      const d = iri ? await posts.detailsByIri(iri) : undefined;
      return d && !d.post.deleted_at ? d : undefined;
    };
    const ignoreGone = (error: unknown) => {
      // Acting on a post deleted meanwhile is refused (410), as the web and CLI refuse it.
      if (!(error instanceof DomainError)) throw error;
    };

    const step = async (op: Op) => {
      if (op.kind === "storeLate") {
        await posts.receiveRemote(accounts[3], late);
        return;
      }
      if (op.kind === "deleteReply") {
        const reply = replies[op.pick % Math.max(replies.length, 1)];
        if (!reply) return;
        if (reply.author.domain === null) {
          const d = await posts.detailsByIri(reply.iri);
          if (d) await posts.delete(reply.author, d.post.id).catch(ignoreGone);
        } else {
          await posts.deleteRemote(reply.author, reply.iri);
        }
        return;
      }
      const who = accounts[op.actor];
      if (op.kind === "reply") {
        const parentIri = targetIri(op.target);
        if (!parentIri) return;
        if (who.domain === null) {
          const parent = await stored(op.target);
          if (!parent) return;
          const media = await insertGeneratedMedia(db, who.id, `reply ${r}.${++n}`);
          const d = await posts.create(who, { mediaIds: [media.id], inReplyTo: parentIri, visibility: op.visibility }).catch(ignoreGone);
          if (d) replies.push({ iri: d.post.iri, author: who });
          return;
        }
        // A remote reply may arrive before its parent, and again (a repeated delivery, even after its Delete).
        const again = op.replay ? replies.find((x) => x.input && x.author.id === who.id) : undefined;
        const input = again?.input ?? remotePost(`${who.iri}/statuses/${r}-${++n}`, { inReplyTo: parentIri, visibility: op.visibility });
        await posts.receiveRemote(who, input);
        if (!again) replies.push({ iri: input.iri, input, author: who });
        return;
      }
      const type = op.kind === "like" || op.kind === "unlike" ? "like" : "boost";
      const d = await stored(op.target);
      if (!d) return;
      const key = `${type} ${who.id} ${d.post.id}`;
      if (op.kind === "like" || op.kind === "boost") {
        // Boosts of non-public posts are refused (only their author may boost them).
        if (who.domain === null) await interactions.act(type, who, d).catch(ignoreGone);
        else {
          const iri = op.fresh || !lastIri.has(key) ? `${who.iri}#${type}/${r}-${++n}` : lastIri.get(key)!;
          lastIri.set(key, iri);
          await interactions.receive(type, who, d, iri);
        }
      } else if (who.domain === null) {
        await interactions.undo(type, who, d);
      } else {
        // An Undo of what was never received (or already undone) changes nothing.
        const replay = op.kind === "unlike" || op.kind === "unboost" ? op.replay : false;
        await interactions.undoReceived(who, replay ? (lastIri.get(key) ?? `${who.iri}#never`) : `${who.iri}#${type}/unknown`);
      }
    };

    if (!parallel) {
      for (const op of ops) await step(op);
    } else {
      for (let i = 0; i < ops.length; i += 3) await Promise.all(ops.slice(i, i + 3).map(step));
    }
    return local.post.id;
  }

  /** Every post from `sinceId` on (the run's own, so a failing run does not taint the ones shrinking it) has counters equal to a recount. */
  const check = async (sinceId = "") => {
    const mismatched = (await recount(db, sinceId)).filter((p) => JSON.stringify(p.stored) !== JSON.stringify(p.counted));
    expect(mismatched).toEqual([]);
  };

  it("equal a recount from rows after any sequence of likes, boosts, replies, undos, deletes and repeats", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        await check(await play(ops));
      }),
      { numRuns: 40 },
    );
  }, 240_000);

  it("equal a recount when the same activities are handled at the same time", async () => {
    // Three at a time: repeats racing each other, an undo racing its like, a reply racing its parent's arrival.
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 30 }), async (ops) => {
        await check(await play(ops, true));
      }),
      { numRuns: 30 },
    );
  }, 240_000);

  it("counts replies that arrived before their parent, and only replies anyone may see", async () => {
    const parentIri = "https://remote.example/users/ria/statuses/parent-first";
    const [rob, ria] = [accounts[2], accounts[3]];
    await posts.receiveRemote(rob, remotePost(`${rob.iri}/statuses/early-1`, { inReplyTo: parentIri }));
    await posts.receiveRemote(rob, remotePost(`${rob.iri}/statuses/early-2`, { inReplyTo: parentIri, visibility: "direct" }));
    const parent = (await posts.receiveRemote(ria, remotePost(parentIri)))!;
    expect(parent.post.replies_count).toBe(1);
    const local = await posts.create(accounts[0], { mediaIds: [(await insertGeneratedMedia(db, accounts[0].id, "a local reply")).id], inReplyTo: parentIri });
    expect((await posts.detailsByIri(parentIri))!.post.replies_count).toBe(2);
    await posts.delete(accounts[0], local.post.id);
    await expect(posts.delete(accounts[0], local.post.id)).rejects.toThrow(DomainError);
    expect((await posts.detailsByIri(parentIri))!.post.replies_count).toBe(1);
    expect(await posts.deleteRemote(rob, `${rob.iri}/statuses/early-1`)).toBe(true);
    expect(await posts.deleteRemote(rob, `${rob.iri}/statuses/early-1`)).toBe(false);
    expect((await posts.detailsByIri(parentIri))!.post.replies_count).toBe(0);
    await check();
  });
});
