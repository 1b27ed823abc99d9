import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Agent, request } from "undici";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startFakeRemote } from "../helpers/remote.ts";
import { type BenchRow, percentile, round } from "./stats.ts";

/**
 * Signed Like, Announce and Create activities posted concurrently to a real
 * Pictor server on loopback. Signing happens before the clock starts (the
 * sender's cost is not the server's); then every request is timed, and the
 * run ends when every activity has been processed into the database.
 */
export async function runInboundBench(opts: { activities?: number; actors?: number; concurrency?: number } = {}): Promise<BenchRow[]> {
  const total = opts.activities ?? 3000;
  const actorCount = opts.actors ?? 50;
  const concurrency = opts.concurrency ?? 32;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-bench-"));
  const remote = await startFakeRemote();
  // Bind first, so PUBLIC_URL (which signatures cover) names the real port.
  const probe = serve({ fetch: () => new Response(), port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => probe.once("listening", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({ PUBLIC_URL: origin, DATABASE_URL: database.url, DATA_DIR: dataDir, ALLOW_PRIVATE_ADDRESS: "true", LOG_LEVEL: "error" });
  const pictor = await createPictor(config, { stores: persistentStores });
  const server = serve({ fetch: pictor.http.fetch, port, hostname: "127.0.0.1" });
  const controller = new AbortController();
  const queue = pictor.startQueue(controller.signal);
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  try {
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "benchmark pw" });
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "bench")).id] });
    const names = Array.from({ length: actorCount }, (_, i) => `a${i}`);
    for (const n of names) await remote.addActor(n);

    const signed: Request[] = [];
    for (let i = 0; i < total; i++) {
      const name = names[i % actorCount];
      const actor = remote.actorIri(name);
      const kind = i % 3;
      const activity =
        kind === 0
          ? { id: `${actor}#likes/${i}`, type: "Like", actor, object: post.post.iri }
          : kind === 1
            ? { id: `${actor}#boosts/${i}`, type: "Announce", actor, object: post.post.iri, to: ["https://www.w3.org/ns/activitystreams#Public"] }
            : {
                id: `${actor}/statuses/${i}/activity`,
                type: "Create",
                actor,
                object: { id: `${actor}/statuses/${i}`, type: "Note", attributedTo: actor, content: `<p>reply ${i}</p>`, inReplyTo: post.post.iri, to: ["https://www.w3.org/ns/activitystreams#Public"], published: new Date().toISOString() },
              };
      signed.push(await remote.signedPost(`${origin}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", ...activity }, name));
    }
    const bodies = await Promise.all(signed.map(async (r) => ({ headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) })));

    // Each actor is distinct: one Like, one boost per actor and post count once, so expect per-actor uniques.
    const expectedLikes = names.length; // (type, account, post) is unique: repeats by the same actor count once
    const expectedBoosts = names.length;
    const expectedReplies = Math.floor((total + 0) / 3);
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const b = bodies[next++];
          const t = performance.now();
          const res = await request(`${origin}/inbox`, { method: "POST", headers: b.headers, body: b.body, dispatcher: agent });
          await res.body.dump();
          latencies.push(performance.now() - t);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }),
    );
    const sentMs = performance.now() - t0;
    const k = pictor.db.kysely;
    const deadline = Date.now() + 180_000;
    let done = false;
    while (Date.now() < deadline) {
      const [likes, boosts, replies] = await Promise.all([
        k.selectFrom("interactions").select((e) => e.fn.countAll().as("n")).where("type", "=", "like").executeTakeFirstOrThrow(),
        k.selectFrom("interactions").select((e) => e.fn.countAll().as("n")).where("type", "=", "boost").executeTakeFirstOrThrow(),
        k.selectFrom("posts").select((e) => e.fn.countAll().as("n")).where("in_reply_to_iri", "=", post.post.iri).executeTakeFirstOrThrow(),
      ]);
      if (Number(likes.n) >= expectedLikes && Number(boosts.n) >= expectedBoosts && Number(replies.n) >= expectedReplies) {
        done = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const processedMs = performance.now() - t0;
    const accepted = statuses.get(202) ?? 0;
    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const label = `${total} activities, ${concurrency} connections, ${pictor.db.dialect}`;
    return [
      { scenario: "inbound", figure: `accepted per second (${label})`, unit: "/s", value: round((accepted / sentMs) * 1000, 0) },
      { scenario: "inbound", figure: `processed per second (${label})`, unit: "/s", value: round(done ? (total / processedMs) * 1000 : 0, 0), target: "≥ 500/s", ok: done && (total / processedMs) * 1000 >= 500 },
      { scenario: "inbound", figure: "POST latency p50", unit: "ms", value: round(percentile(latencies, 50)) },
      { scenario: "inbound", figure: "POST latency p99", unit: "ms", value: round(percentile(latencies, 99)) },
      { scenario: "inbound", figure: "HTTP 5xx", unit: "count", value: fivexx, target: "0", ok: fivexx === 0 },
      { scenario: "inbound", figure: "not accepted (non-202)", unit: "count", value: total - accepted, target: "0", ok: total === accepted },
      { scenario: "inbound", figure: "all processed, nothing lost", unit: "bool", value: done ? 1 : 0, target: "1", ok: done },
    ];
  } finally {
    controller.abort();
    await new Promise((r) => server.close(r));
    await queue.catch(() => {});
    await agent.close();
    await pictor.close();
    await remote.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
