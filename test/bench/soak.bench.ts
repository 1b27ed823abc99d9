import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDb } from "../../src/storage/db.ts";
import { persistentStores } from "../../src/stores.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { freePort, startHangingServer } from "../helpers/net.ts";
import { startPgCluster } from "../helpers/pg-cluster.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { NODE, ROOT, rssMb, spawnPictor, waitForOutput, waitReady } from "./processes.ts";
import { type BenchRow, percentile, round } from "./stats.ts";

/**
 * An hour of a small instance's life compressed into a few minutes, against
 * real processes as deployed (`pictor serve` for the web, one `pictor worker`)
 * on a PostgreSQL cluster of the run's own, so the database can go away:
 *
 * - mixed inbound traffic: signed Follows, Likes, Announces and replies from
 *   FakeRemote actors, sent as a remote server does (a 5xx or a refused
 *   connection is retried with backoff; a 4xx is final);
 * - generation with the builtin generator and posting through `pictor post`;
 * - page reads: /explore, a profile, post pages, Note JSON;
 * - a database restart in the middle (`pg_ctl stop -m immediate`, then start);
 * - three followers whose inboxes accept connections and never answer.
 *
 * Then it waits for the queues to drain and checks: every inbound activity's
 * effect is in the database, every post reached every healthy follower's inbox
 * (at least once), neither process crashed and /healthz answered throughout,
 * and resident memory came back near where it started.
 *
 * Sized by environment variables: SOAK_SECONDS (180), SOAK_RATE (inbound
 * activities per second, 20), SOAK_READ_RATE (page reads per second, 20),
 * SOAK_POST_EVERY_S (10), SOAK_OUTAGE_S (5), SOAK_DRAIN_S (180), SOAK_SETTLE_S (30);
 * SOAK_LOG_LEVEL sets the processes' LOG_LEVEL (fatal), SOAK_TRACE=1 prints their
 * RSS every 5 s. Everything else in the environment reaches the processes too
 * (MALLOC_ARENA_MAX, LD_PRELOAD, NODE_OPTIONS).
 *
 * Memory is judged against each process's RSS idle before any load, with no
 * GC forced: what a process keeps after its load has gone counts.
 */

const envNumber = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const AP = "application/activity+json";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** Calls `fn` `perSecond` times a second (bounded by `maxInFlight`) until `stop()` says so. */
async function paced(perSecond: number, maxInFlight: number, stop: () => boolean, fn: (i: number) => Promise<void>): Promise<void> {
  const t0 = Date.now();
  let started = 0;
  const inFlight = new Set<Promise<void>>();
  while (!stop()) {
    const due = Math.floor(((Date.now() - t0) / 1000) * perSecond);
    while (started < due && inFlight.size < maxInFlight) {
      const p = fn(started++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(20);
  }
  await Promise.all(inFlight);
}

interface Window {
  from: number;
  to: number;
}
const overlaps = (start: number, end: number, w: Window | undefined) => w !== undefined && start < w.to && end > w.from;

export async function runSoakBench(): Promise<BenchRow[]> {
  const seconds = envNumber("SOAK_SECONDS", 180);
  const rate = envNumber("SOAK_RATE", 20);
  const readRate = envNumber("SOAK_READ_RATE", 20);
  const postEveryMs = envNumber("SOAK_POST_EVERY_S", 10) * 1000;
  const outageMs = envNumber("SOAK_OUTAGE_S", 5) * 1000;
  const drainMs = envNumber("SOAK_DRAIN_S", 180) * 1000;
  const settleMs = envNumber("SOAK_SETTLE_S", 30) * 1000;
  /** After the database is back, how long errors still count as the restart's. */
  const graceMs = 10_000;

  const cluster = await startPgCluster();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-soak-"));
  const remotes: FakeRemote[] = [];
  const hanging: Array<Awaited<ReturnType<typeof startHangingServer>>> = [];
  const children: ChildProcess[] = [];
  const agent = new Agent({ connections: 64, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PUBLIC_URL: origin,
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: cluster.url,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? "fatal",
    WORKERS_IN_WEB: "false",
    IMAGE_PROVIDER: "builtin",
    // Short network timeouts, so deliveries to the hanging peers fail (and are retried) within seconds.
    HTTP_CONNECT_TIMEOUT_MS: "1000",
    HTTP_HEADERS_TIMEOUT_MS: "2000",
    HTTP_BODY_TIMEOUT_MS: "2000",
    HTTP_TOTAL_TIMEOUT_MS: "5000",
  };
  try {
    // Three healthy remote servers (the first without shared inboxes, so each follower there is its own
    // inbox), and three that never answer.
    const actorsPerRemote = 20;
    for (let r = 0; r < 3; r++) remotes.push(await startFakeRemote());
    for (let h = 0; h < 3; h++) hanging.push(await startHangingServer());
    const senders: Array<{ remote: FakeRemote; name: string }> = [];
    for (const [r, remote] of remotes.entries()) {
      for (let i = 0; i < actorsPerRemote; i++) {
        const name = `r${r}a${i}`;
        await remote.addActor(name, r === 0 ? { endpoints: {} } : {});
        senders.push({ remote, name });
      }
    }
    // Hanging followers: their documents are served by a healthy server, their inboxes are on the hanging ones.
    for (const [h, server] of hanging.entries()) {
      await remotes[0].addActor(`hang${h}`, { inbox: `${server.origin}/users/hang${h}/inbox`, endpoints: { sharedInbox: `${server.origin}/inbox` } });
    }

    // Accounts and posts to act on, before the clock starts. Every (actor, post) pair is liked,
    // boosted and replied to at most once, and every (actor, account) pair followed at most once.
    const expected = Math.ceil(seconds * rate * 1.1) + 100;
    const postCount = Math.ceil(expected / senders.length) + 1;
    // An actor's Follows come one round in seven (7 kinds, 60 actors): the round / 7th account is new to it.
    const targetCount = Math.ceil(postCount / 7) + 1;
    const setup = await createPictor(loadConfig(env), { stores: persistentStores });
    const alice = await setup.accounts.createLocal({ username: "alice", password: "soak password", admin: true });
    const targets: string[] = [];
    for (let i = 0; i < targetCount; i++) targets.push((await setup.accounts.createLocal({ username: `t${i}`, password: "soak password" })).iri);
    const seeded: Array<{ iri: string; url: string }> = [];
    for (let i = 0; i < postCount; i++) {
      const media = await insertGeneratedMedia(setup.db, alice.id, `soak seed ${i}`);
      const { post } = await setup.posts.create(alice, { caption: `seed ${i} #soak`, mediaIds: [media.id] });
      seeded.push({ iri: post.iri, url: post.url! });
    }
    await setup.close();

    const web = spawnPictor("serve", env);
    const worker = spawnPictor("worker", env);
    children.push(web, worker);
    await Promise.all([waitReady(`${origin}/healthz`, web), waitForOutput(worker, "consuming the queue")]);

    /** Signs and POSTs `activity` as a remote server would: retried with backoff on 5xx and network errors. */
    type Outcome = { accepted: boolean; status: number; tries: number; ms: number[] };
    const send = async (from: { remote: FakeRemote; name: string }, activity: Record<string, unknown>, inbox = `${origin}/inbox`): Promise<Outcome> => {
      const ms: number[] = [];
      let status = 0;
      for (let tries = 1; tries <= 10; tries++) {
        const signed = await from.remote.signedPost(inbox, { "@context": "https://www.w3.org/ns/activitystreams", ...activity }, from.name);
        const body = Buffer.from(await signed.arrayBuffer());
        const t = performance.now();
        try {
          const res = await request(inbox, { method: "POST", headers: Object.fromEntries(signed.headers), body, dispatcher: agent });
          await res.body.dump();
          status = res.statusCode;
        } catch {
          status = 0;
        }
        ms.push(performance.now() - t);
        if (status >= 200 && status < 300) return { accepted: true, status, tries, ms };
        if (status >= 400 && status < 500) return { accepted: false, status, tries, ms };
        await sleep(Math.min(8000, 500 * 2 ** (tries - 1)));
      }
      return { accepted: false, status, tries: 10, ms };
    };

    // The followers whose inboxes the posts must reach (and the three hanging ones), before the clock.
    const baseFollowers = [...senders.filter((s) => s.remote === remotes[0]).slice(0, 6), ...remotes.slice(1).flatMap((remote) => senders.filter((s) => s.remote === remote).slice(0, 3))];
    const hangingFollowers = hanging.map((_, h) => ({ remote: remotes[0], name: `hang${h}` }));
    for (const f of [...baseFollowers, ...hangingFollowers]) {
      const actor = f.remote.actorIri(f.name);
      const r = await send(f, { id: `${actor}#follows/alice`, type: "Follow", actor, object: alice.iri }, `${origin}/users/alice/inbox`);
      if (!r.accepted) throw new Error(`setup Follow refused: ${r.status}`);
    }
    const db = openDb(cluster.url);
    const k = db.kysely;
    const followerCount = baseFollowers.length + hangingFollowers.length;
    for (let waited = 0; ; waited += 200) {
      const n = await k.selectFrom("follows").select((e) => e.fn.countAll().as("n")).where("following_id", "=", alice.id).where("state", "=", "accepted").executeTakeFirstOrThrow();
      if (Number(n.n) >= followerCount) break;
      if (waited > 60_000) throw new Error("the setup follows were not processed");
      await sleep(200);
    }
    const healthyInboxes = new Set(baseFollowers.map((f) => (f.remote === remotes[0] ? `${f.remote.actorIri(f.name)}/inbox` : `${f.remote.origin}/inbox`)));

    // Memory at the start: both processes up and idle, before any of the soak's load.
    await sleep(3000);
    const traceFrom = Date.now();
    const rss = { web: { start: rssMb(web.pid!), half: 0, peak: 0, settled: 0 }, worker: { start: rssMb(worker.pid!), half: 0, peak: 0, settled: 0 } };
    rss.web.peak = rss.web.start;
    rss.worker.peak = rss.worker.start;
    // SOAK_TRACE=1 prints both processes' RSS every 5 s on stderr, to see how memory moves.
    let samples = 0;
    const sampler = setInterval(() => {
      const now: number[] = [];
      for (const [name, child] of [["web", web], ["worker", worker]] as const) {
        try {
          now.push(rssMb(child.pid!));
          rss[name].peak = Math.max(rss[name].peak, now[now.length - 1]);
        } catch {} // exited: counted as a crash below
      }
      if (process.env.SOAK_TRACE && samples++ % 10 === 0) console.error(`soak ${Math.round((Date.now() - traceFrom) / 1000)} s: RSS web ${round(now[0], 0)} MB, worker ${round(now[1], 0)} MB`);
    }, 500);

    const t0 = Date.now();
    const soakStart = new Date().toISOString();
    const end = t0 + seconds * 1000;
    const over = () => Date.now() >= end;
    let restart: Window | undefined;
    const outage = { stoppedAt: 0, startedAt: 0 };

    // /healthz, every 250 ms, throughout.
    const health = { checks: 0, failedOutside: 0, failedInRestart: 0 };
    const healthLoop = (async () => {
      while (!over()) {
        const t = Date.now();
        let ok = false;
        try {
          const res = await request(`${origin}/healthz`, { dispatcher: agent, headersTimeout: 2000, bodyTimeout: 2000 });
          await res.body.dump();
          ok = res.statusCode === 200;
        } catch {}
        health.checks++;
        if (!ok) overlaps(t, Date.now(), restart) ? health.failedInRestart++ : health.failedOutside++;
        await sleep(250);
      }
    })();

    // Mixed inbound traffic: Likes, Announces, replies and Follows in turn, each from the next actor.
    const sent = { like: [] as string[], boost: [] as string[], reply: [] as string[], follow: [] as string[] };
    const inbound = { total: 0, accepted: 0, retried: 0, refused: new Map<number, number>(), gaveUp: 0, latencies: [] as number[] };
    const kinds = ["like", "boost", "reply", "like", "boost", "reply", "follow"] as const;
    const inboundLoop = paced(rate, 32, over, async (i) => {
      const from = senders[i % senders.length];
      const actor = from.remote.actorIri(from.name);
      const kind = kinds[i % kinds.length];
      const round_ = Math.floor(i / senders.length);
      const post = seeded[round_ % seeded.length].iri;
      let activity: Record<string, unknown>;
      let effect: string;
      if (kind === "like") {
        effect = `${actor}#likes/${i}`;
        activity = { id: effect, type: "Like", actor, object: post };
      } else if (kind === "boost") {
        effect = `${actor}/statuses/${i}/activity`;
        activity = { id: effect, type: "Announce", actor, object: post, to: [PUBLIC], published: new Date().toISOString() };
      } else if (kind === "reply") {
        effect = `${actor}/statuses/${i}`;
        activity = {
          id: `${effect}/activity`,
          type: "Create",
          actor,
          to: [PUBLIC],
          object: { id: effect, type: "Note", attributedTo: actor, content: `<p>reply ${i}</p>`, inReplyTo: post, to: [PUBLIC], published: new Date().toISOString() },
        };
      } else {
        effect = `${actor}#follows/${i}`;
        activity = { id: effect, type: "Follow", actor, object: targets[Math.floor(round_ / kinds.length)] };
      }
      const r = await send(from, activity);
      inbound.total++;
      inbound.latencies.push(r.ms[r.ms.length - 1]);
      if (r.tries > 1) inbound.retried++;
      if (r.accepted) {
        inbound.accepted++;
      } else if (r.status >= 400 && r.status < 500) {
        inbound.refused.set(r.status, (inbound.refused.get(r.status) ?? 0) + 1);
      } else {
        inbound.gaveUp++;
      }
      sent[kind].push(effect);
    });

    // Page reads: /explore, a profile, post pages and Note JSON.
    const reads = { total: 0, failedOutside: 0, failedInRestart: 0, latencies: [] as number[] };
    const readTargets: Array<[string, string]> = [
      [`${origin}/explore`, "text/html"],
      [`${origin}/@alice`, "text/html"],
      ...seeded.slice(0, 10).map((p): [string, string] => [p.url, "text/html"]),
      ...seeded.slice(0, 10).map((p): [string, string] => [p.iri, AP]),
    ];
    const readLoop = paced(readRate, 8, over, async (i) => {
      const [url, accept] = readTargets[i % readTargets.length];
      const t = Date.now();
      const p = performance.now();
      let ok = false;
      try {
        const res = await request(url, { headers: { Accept: accept }, dispatcher: agent });
        await res.body.dump();
        ok = res.statusCode === 200;
      } catch {}
      reads.total++;
      if (ok) reads.latencies.push(performance.now() - p);
      else if (overlaps(t, Date.now(), restart)) reads.failedInRestart++;
      else reads.failedOutside++;
    });

    // Generation and posting through the CLI, one post at a time.
    const posting = { ok: 0, failedOutside: 0, failedInRestart: 0, ms: [] as number[], lastError: "" };
    const postLoop = (async () => {
      for (let n = 0; !over(); n++) {
        const t = Date.now();
        const cli = spawn(NODE, [join(ROOT, "bin/pictor.js"), "post", "--account", "alice", "--prompt", `a lighthouse in a storm, take ${n}`, "--caption", `soak ${n}`], {
          env,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        cli.stderr!.on("data", (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-500)));
        const code = await new Promise<number | null>((r) => cli.once("exit", (c) => r(c)));
        if (code === 0) {
          posting.ok++;
          posting.ms.push(Date.now() - t);
        } else if (overlaps(t, Date.now(), restart)) posting.failedInRestart++;
        else {
          posting.failedOutside++;
          posting.lastError = stderr.trim().split("\n").pop() ?? "";
        }
        const wait = t + postEveryMs - Date.now();
        if (wait > 0 && !over()) await sleep(Math.min(wait, Math.max(0, end - Date.now())));
      }
    })();

    // The database goes away in the middle, and comes back.
    const restartLoop = (async () => {
      await sleep(Math.max(0, t0 + (seconds * 1000) / 2 - Date.now()));
      for (const [name, child] of [["web", web], ["worker", worker]] as const) {
        try {
          rss[name].half = rssMb(child.pid!);
        } catch {}
      }
      outage.stoppedAt = Date.now();
      restart = { from: outage.stoppedAt, to: Number.POSITIVE_INFINITY };
      await cluster.stop();
      await sleep(outageMs);
      await cluster.start();
      outage.startedAt = Date.now();
      restart = { from: outage.stoppedAt, to: outage.startedAt + graceMs };
    })();

    await Promise.all([healthLoop, inboundLoop, readLoop, postLoop, restartLoop]);
    const loadEndedAt = Date.now();

    // Drain: nothing left in the queues but the deliveries to the hanging peers, which retry on a schedule.
    const hangingOrigins = hanging.map((h) => h.origin);
    const backlog = async () => {
      const [queued, events, letters] = await Promise.all([
        k.selectFrom("queue_messages").select(["queue", "origin"]).execute(),
        k.selectFrom("domain_events").select((e) => e.fn.countAll().as("n")).executeTakeFirstOrThrow(),
        k.selectFrom("dead_letters").select(["queue", "error"]).execute(),
      ]);
      const toHanging = queued.filter((m) => m.origin !== null && hangingOrigins.includes(m.origin)).length;
      return { rest: queued.length - toHanging, toHanging, events: Number(events.n), letters };
    };
    let left = await backlog();
    while ((left.rest > 0 || left.events > 0) && Date.now() - loadEndedAt < drainMs) {
      await sleep(500);
      left = await backlog().catch(() => left);
    }
    const drained = left.rest === 0 && left.events === 0;
    const drainedInMs = Date.now() - loadEndedAt;

    // Nothing lost: every inbound activity's effect, by IRI.
    const present = async (table: "interactions" | "posts" | "follows", iris: string[]) => {
      let found = 0;
      for (let i = 0; i < iris.length; i += 500) {
        const n = await k.selectFrom(table).select((e) => e.fn.countAll().as("n")).where("iri", "in", iris.slice(i, i + 500)).executeTakeFirstOrThrow();
        found += Number(n.n);
      }
      return found;
    };
    const effects = {
      like: await present("interactions", sent.like),
      boost: await present("interactions", sent.boost),
      reply: await present("posts", sent.reply),
      follow: await present("follows", sent.follow),
    };
    const inboundSent = sent.like.length + sent.boost.length + sent.reply.length + sent.follow.length;
    const inboundLost = inboundSent - (effects.like + effects.boost + effects.reply + effects.follow);

    // Every post published during the soak reached every healthy follower's inbox at least once.
    const posts = await k.selectFrom("posts").select("iri").where("account_id", "=", alice.id).where("created_at", ">=", soakStart).execute();
    const deliveries = new Map<string, number>();
    for (const remote of remotes) {
      for (const r of remote.received) {
        if (r.body?.type !== "Create" || typeof r.body.object?.id !== "string") continue;
        const key = `${remote.origin}${r.path} ${r.body.object.id}`;
        deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      }
    }
    let delivered = 0;
    let duplicates = 0;
    for (const { iri } of posts) {
      for (const inbox of healthyInboxes) {
        const n = deliveries.get(`${inbox} ${iri}`) ?? 0;
        if (n > 0) delivered++;
        if (n > 1) duplicates += n - 1;
      }
    }
    const expectedDeliveries = posts.length * healthyInboxes.size;

    // Memory after a quiet period with no load (no GC is forced: the processes settle on their own).
    await sleep(settleMs);
    for (const [name, child] of [["web", web], ["worker", worker]] as const) {
      try {
        rss[name].settled = rssMb(child.pid!);
      } catch {
        rss[name].settled = Number.NaN; // exited: counted as a crash
      }
    }
    clearInterval(sampler);
    await db.close();

    // No crash: both still running at the end, and both exit cleanly (code 0) on SIGTERM.
    const aliveAtEnd = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
    const exits = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve(`${c.exitCode ?? c.signalCode}`);
            const timer = setTimeout(() => c.kill("SIGKILL"), 20_000);
            c.once("exit", (code, signal) => {
              clearTimeout(timer);
              resolve(`${code ?? signal}`);
            });
            c.kill("SIGTERM");
          }),
      ),
    );
    const crashes = children.length - aliveAtEnd + exits.filter((e) => e !== "0").length;

    const S = "soak";
    const refused = [...inbound.refused].map(([s, n]) => `${n}×${s}`).join(", ") || "none";
    const ratio = (r: { start: number; settled: number }) => r.settled / r.start;
    const memoryRows = (["web", "worker"] as const).flatMap((name): BenchRow[] => [
      { scenario: S, figure: `${name} RSS at start (idle, before load)`, unit: "MB", value: round(rss[name].start, 0) },
      { scenario: S, figure: `${name} RSS peak (at half time, before the restart: ${round(rss[name].half, 0)} MB)`, unit: "MB", value: round(rss[name].peak, 0) },
      {
        scenario: S,
        figure: `${name} RSS settled (${settleMs / 1000} s after the drain)`,
        unit: "MB",
        value: round(rss[name].settled, 0),
        baseline: { name: "start", value: round(rss[name].start, 0) },
        target: "≤ 1.5× start",
        ok: ratio(rss[name]) <= 1.5,
      },
    ]);
    return [
      { scenario: S, figure: `length (${rate}/s inbound, ${readRate}/s reads, a post every ${postEveryMs / 1000} s, PostgreSQL)`, unit: "s", value: seconds },
      { scenario: S, figure: `database down (pg_ctl stop -m immediate at ${round((outage.stoppedAt - t0) / 1000, 0)} s, then start)`, unit: "s", value: round((outage.startedAt - outage.stoppedAt) / 1000, 1) },
      {
        scenario: S,
        figure: `inbound activities sent (${sent.like.length} Like, ${sent.boost.length} Announce, ${sent.reply.length} replies, ${sent.follow.length} Follow)`,
        unit: "count",
        value: inboundSent,
      },
      { scenario: S, figure: "inbound retried by the sender after a 5xx or a refused connection", unit: "count", value: inbound.retried },
      { scenario: S, figure: `inbound not accepted (refused: ${refused}; gave up after 10 tries: ${inbound.gaveUp})`, unit: "count", value: inboundSent - inbound.accepted, target: "0", ok: inboundSent === inbound.accepted },
      { scenario: S, figure: `inbound POST latency p99 (p50 ${round(percentile(inbound.latencies, 50))} ms)`, unit: "ms", value: round(percentile(inbound.latencies, 99)) },
      {
        scenario: S,
        figure: `inbound lost: effect missing in the database (likes ${sent.like.length - effects.like}, boosts ${sent.boost.length - effects.boost}, replies ${sent.reply.length - effects.reply}, follows ${sent.follow.length - effects.follow})`,
        unit: "count",
        value: inboundLost,
        target: "0",
        ok: inboundLost === 0,
      },
      { scenario: S, figure: `posts published with pictor post (CLI runs failed: ${posting.failedInRestart} in the restart window)`, unit: "count", value: posts.length },
      {
        scenario: S,
        figure: `pictor post failures outside the restart window${posting.lastError ? ` (last: ${posting.lastError.slice(0, 80)})` : ""}`,
        unit: "count",
        value: posting.failedOutside,
        target: "0",
        ok: posting.failedOutside === 0,
      },
      {
        scenario: S,
        figure: `post deliveries missing: (post, healthy follower inbox) pairs not reached, of ${expectedDeliveries} (${healthyInboxes.size} inboxes; ${duplicates} duplicate deliveries)`,
        unit: "count",
        value: expectedDeliveries - delivered,
        target: "0",
        ok: delivered === expectedDeliveries && expectedDeliveries > 0,
      },
      { scenario: S, figure: `page reads (${reads.failedInRestart} failed in the restart window)`, unit: "count", value: reads.total },
      { scenario: S, figure: `page read p99 (p50 ${round(percentile(reads.latencies, 50))} ms)`, unit: "ms", value: round(percentile(reads.latencies, 99)) },
      { scenario: S, figure: "page reads failed outside the restart window", unit: "count", value: reads.failedOutside, target: "0", ok: reads.failedOutside === 0 },
      {
        scenario: S,
        figure: `/healthz failures (of ${health.checks}; ${health.failedInRestart} in the restart window)`,
        unit: "count",
        value: health.failedOutside,
        target: "0",
        ok: health.failedOutside === 0,
      },
      { scenario: S, figure: `crashes (web, worker: alive at the end, exit on SIGTERM ${exits.join(", ")})`, unit: "count", value: crashes, target: "0", ok: crashes === 0 },
      {
        scenario: S,
        figure: `queues drained: queue_messages ${left.rest} left, domain_events ${left.events} left (after ${round(drainedInMs / 1000, 0)} s)`,
        unit: "bool",
        value: drained ? 1 : 0,
        target: "1",
        ok: drained,
      },
      { scenario: S, figure: `deliveries to the ${hanging.length} hanging peers still scheduled for retry`, unit: "count", value: left.toHanging },
      {
        scenario: S,
        figure: `dead letters${left.letters.length ? ` (${[...new Set(left.letters.map((l) => `${l.queue}: ${l.error.slice(0, 60)}`))].join("; ")})` : ""}`,
        unit: "count",
        value: left.letters.length,
        target: "0",
        ok: left.letters.length === 0,
      },
      ...memoryRows,
    ];
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const h of hanging) await h.close();
    for (const r of remotes) await r.close();
    await agent.close();
    await cluster.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
