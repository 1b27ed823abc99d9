import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { Agent, request } from "undici";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { type Db, openDb } from "../../src/storage/db.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { freePort } from "../helpers/net.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { cpuMs, spawnPictor, stopAll, waitForOutput, waitReady } from "./processes.ts";
import { type BenchRow, percentile, round } from "./stats.ts";

/** The target for activities processed per second, web + worker on 2 cores (issue #16). */
export const INBOUND_TARGET = 400;

export interface InboundBenchOptions {
  activities?: number;
  actors?: number;
  concurrency?: number;
  /** Separate `pictor worker` processes; 0 means `pictor serve` also consumes the queue. */
  workers?: number;
}

/** Signed activities ready to POST, and how many of each kind the database must end up holding. */
export interface InboundLoad {
  bodies: Array<{ headers: Record<string, string>; body: Buffer }>;
  counts: { like: number; boost: number; reply: number };
}

/**
 * Seeds alice's posts in the database `env` names (no server may run yet) and
 * signs `total` activities from `actorCount` actors of `remote`, addressed to
 * `${origin}/inbox`. Every (actor, post) pair is used once per kind, and each
 * Create is a distinct reply, so the database's counts show nothing was lost.
 */
export async function prepareInbound(env: NodeJS.ProcessEnv, origin: string, remote: FakeRemote, total: number, actorCount: number): Promise<InboundLoad> {
  // Activity i goes to post ⌊i / (3·actors)⌋.
  const postCount = Math.ceil(total / (3 * actorCount));
  const pictor = await createPictor(loadConfig(env), { stores: persistentStores });
  const alice = (await pictor.accounts.getLocalByUsername("alice")) ?? (await pictor.accounts.createLocal({ username: "alice", password: "benchmark pw" }));
  const postIris: string[] = [];
  for (let i = 0; i < postCount; i++) {
    const media = await insertGeneratedMedia(pictor.db, alice.id, `bench ${i}`);
    postIris.push((await pictor.posts.create(alice, { caption: `bench ${i}`, mediaIds: [media.id] })).post.iri);
  }
  await pictor.close();

  const names = Array.from({ length: actorCount }, (_, i) => `a${i}`);
  for (const n of names) await remote.addActor(n);
  const counts = { like: 0, boost: 0, reply: 0 };
  const bodies: InboundLoad["bodies"] = [];
  for (let i = 0; i < total; i++) {
    const name = names[i % actorCount];
    const actor = remote.actorIri(name);
    const target = postIris[Math.floor(i / (3 * actorCount))];
    const kind = i % 3;
    const activity =
      kind === 0
        ? { id: `${actor}#likes/${i}`, type: "Like", actor, object: target }
        : kind === 1
          ? { id: `${actor}/statuses/${i}/activity`, type: "Announce", actor, object: target, to: ["https://www.w3.org/ns/activitystreams#Public"] }
          : {
              id: `${actor}/statuses/${i}/activity`,
              type: "Create",
              actor,
              object: { id: `${actor}/statuses/${i}`, type: "Note", attributedTo: actor, content: `<p>reply ${i}</p>`, inReplyTo: target, to: ["https://www.w3.org/ns/activitystreams#Public"], published: new Date().toISOString() },
            };
    counts[kind === 0 ? "like" : kind === 1 ? "boost" : "reply"] += 1;
    const signed = await remote.signedPost(`${origin}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", ...activity }, name);
    bodies.push({ headers: Object.fromEntries(signed.headers), body: Buffer.from(await signed.arrayBuffer()) });
  }
  return { bodies, counts };
}

export interface InboundResult {
  total: number;
  accepted: number;
  fivexx: number;
  sentMs: number;
  /** From the first POST until the database holds every effect (Infinity if it never did). */
  processedMs: number;
  done: boolean;
  latencies: number[];
  processedPerSecond: number;
  /** Answers by status, e.g. "202×2990 502×10", and the first 5xx body (what went wrong). */
  statuses: string;
  firstError?: string;
}

/**
 * POSTs every body to `${origin}/inbox` over `concurrency` connections, then
 * polls the database until every effect is there (at most `timeoutMs`).
 */
export async function sendInbound(origin: string, load: InboundLoad, db: Db, concurrency: number, timeoutMs = 180_000): Promise<InboundResult> {
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  try {
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    let firstError: string | undefined;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < load.bodies.length) {
          const b = load.bodies[next++];
          const t = performance.now();
          const res = await request(`${origin}/inbox`, { method: "POST", headers: b.headers, body: b.body, dispatcher: agent });
          if (res.statusCode >= 500 && firstError === undefined) firstError = `${res.statusCode} ${(await res.body.text()).slice(0, 200)}`;
          else await res.body.dump();
          latencies.push(performance.now() - t);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }),
    );
    const sentMs = performance.now() - t0;
    const k = db.kysely;
    const deadline = Date.now() + timeoutMs;
    let done = false;
    while (Date.now() < deadline) {
      const [likes, boosts, replies] = await Promise.all([
        k.selectFrom("interactions").select((e) => e.fn.countAll().as("n")).where("type", "=", "like").executeTakeFirstOrThrow(),
        k.selectFrom("interactions").select((e) => e.fn.countAll().as("n")).where("type", "=", "boost").executeTakeFirstOrThrow(),
        k.selectFrom("posts").select((e) => e.fn.countAll().as("n")).where("in_reply_to_iri", "is not", null).executeTakeFirstOrThrow(),
      ]);
      if (Number(likes.n) >= load.counts.like && Number(boosts.n) >= load.counts.boost && Number(replies.n) >= load.counts.reply) {
        done = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const processedMs = performance.now() - t0;
    const total = load.bodies.length;
    return {
      total,
      accepted: statuses.get(202) ?? 0,
      fivexx: [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0),
      sentMs,
      processedMs,
      done,
      latencies,
      processedPerSecond: done ? (total / processedMs) * 1000 : 0,
      statuses: [...statuses].map(([status, n]) => `${status}×${n}`).join(" "),
      firstError,
    };
  } finally {
    await agent.close();
  }
}

/**
 * Signed Like, Announce and Create activities posted concurrently to real
 * `pictor` processes on loopback, as a deployment runs them: the server (and
 * its workers) in processes of their own, the sender in this one. Signing
 * happens before the clock starts; then every request is timed, and the run
 * ends when every activity has been processed into the database. Each Like
 * and Announce is of a distinct (actor, post) pair and each Create a distinct
 * reply, so the counts in the database show that nothing was lost.
 */
export async function runInboundBench(opts: InboundBenchOptions = {}): Promise<BenchRow[]> {
  const total = opts.activities ?? 3000;
  const actorCount = opts.actors ?? 50;
  const concurrency = opts.concurrency ?? 32;
  const workers = opts.workers ?? 0;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-bench-"));
  const remote = await startFakeRemote();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PUBLIC_URL: origin,
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: "error",
    WORKERS_IN_WEB: workers > 0 ? "false" : "true",
  };
  const children: ChildProcess[] = [];
  const db = openDb(database.url);
  try {
    const load = await prepareInbound(env, origin, remote, total, actorCount);

    const server = spawnPictor("serve", env);
    children.push(server);
    const workerProcesses = Array.from({ length: workers }, () => spawnPictor("worker", env));
    children.push(...workerProcesses);
    // Start the clock only when every process is up, so no start-up counts as work.
    await Promise.all([waitReady(`${origin}/healthz`, server), ...workerProcesses.map((w) => waitForOutput(w, "consuming the queue"))]);
    const cpuBefore = children.map((c) => cpuMs(c.pid!));

    const r = await sendInbound(origin, load, db, concurrency);
    const cpuEach = children.map((c, i) => (cpuMs(c.pid!) - cpuBefore[i]) / total);
    const cpuPerActivity = cpuEach.reduce((a, b) => a + b, 0);
    const shape = workers > 0 ? `web + ${workers} worker${workers > 1 ? "s" : ""}` : "one process";
    const label = `${shape}, ${total} activities, ${concurrency} connections, ${db.dialect}`;
    return [
      { scenario: "inbound", figure: `accepted per second (${label})`, unit: "/s", value: round((r.accepted / r.sentMs) * 1000, 0) },
      {
        scenario: "inbound",
        figure: `processed per second (${label})`,
        unit: "/s",
        value: round(r.processedPerSecond, 0),
        target: `≥ ${INBOUND_TARGET}/s`,
        ok: r.done && r.processedPerSecond >= INBOUND_TARGET,
      },
      {
        scenario: "inbound",
        figure: `server CPU per activity (${shape}${workers > 0 ? `: web ${round(cpuEach[0])} + workers ${round(cpuPerActivity - cpuEach[0])}` : ""})`,
        unit: "ms",
        value: round(cpuPerActivity),
      },
      { scenario: "inbound", figure: `POST latency p50 (${shape})`, unit: "ms", value: round(percentile(r.latencies, 50)) },
      { scenario: "inbound", figure: `POST latency p99 (${shape})`, unit: "ms", value: round(percentile(r.latencies, 99)) },
      { scenario: "inbound", figure: `HTTP 5xx (${shape}${r.firstError ? `; first: ${r.firstError}` : ""})`, unit: "count", value: r.fivexx, target: "0", ok: r.fivexx === 0 },
      { scenario: "inbound", figure: `not accepted, non-202 (${shape})`, unit: "count", value: total - r.accepted, target: "0", ok: total === r.accepted },
      { scenario: "inbound", figure: `all processed, nothing lost (${shape})`, unit: "bool", value: r.done ? 1 : 0, target: "1", ok: r.done },
    ];
  } finally {
    await stopAll(children);
    await db.close();
    await remote.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
