import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDb } from "../../src/storage/db.ts";
import { persistentStores } from "../../src/stores.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { freePort } from "../helpers/net.ts";
import { canMakePgCluster, type PgCluster, startPgCluster } from "../helpers/pg-cluster.ts";
import { startFakeRemote } from "../helpers/remote.ts";
import { prepareInbound, sendInbound } from "./inbound.bench.ts";
import { cpuMs, load, machineBusySince, machineCpu, NODE, ROOT, spawnPictor, stopAll, waitForOutput, waitReady } from "./processes.ts";
import { type BenchRow, percentile, round } from "./stats.ts";

/**
 * Scale-out shown, not only described (README, Scaling out): on PostgreSQL,
 * `webs` web processes (`WORKERS_IN_WEB=false`, `TRUST_PROXY=true`) behind a
 * round-robin load balancer started by the bench (balancer.ts, a process of
 * its own that passes each connection through untouched), and `workers`
 * `pictor worker` processes sharing the queue. PUBLIC_URL is the balancer's
 * origin, so signed inbox posts are verified against the URL the sender
 * signed. Each shape gets a fresh database and measures, through the
 * balancer: signed inbound activities processed per second (as in the inbound
 * scenario; the database's counts show nothing lost), then the anonymous post
 * page and the Note JSON under 64 connections from autocannon. 1 + 1 is the
 * baseline of 2 + 2; on one machine every process — balancer, load generator
 * and PostgreSQL too — shares the same cores, so the gain is bounded by them.
 *
 * Uses SCALEOUT_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres to create (and drop) its
 * databases; if that server does not answer it makes a throwaway cluster
 * (needs initdb), and if it cannot either, it prints why and reports skipped.
 */
export interface ScaleOutOptions {
  /** Shapes to run, the first being every other's baseline; `pages: false` measures inbound only. */
  shapes?: Array<{ webs: number; workers: number; pages?: boolean }>;
  activities?: number;
  actors?: number;
  concurrency?: number;
  seconds?: number;
}

const S = "scale-out";

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pictor_scaleout_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

interface ShapeResult {
  label: string;
  inbound: Awaited<ReturnType<typeof sendInbound>>;
  /** The machine's CPU busy (0–1, all cores) while the inbound activities were sent and processed, and during the page load. */
  inboundBusy: number;
  pageBusy?: number;
  cpuPerActivity: number;
  page?: Awaited<ReturnType<typeof load>>;
  note?: Awaited<ReturnType<typeof load>>;
}

async function runShape(serverUrl: string, webs: number, workers: number, pages: boolean, o: Required<Omit<ScaleOutOptions, "shapes">>): Promise<ShapeResult> {
  const label = `${webs} web + ${workers} worker${workers > 1 ? "s" : ""}`;
  console.error(`  ${label}…`);
  const database = await createDatabase(serverUrl);
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-scaleout-"));
  const remote = await startFakeRemote();
  const lbPort = await freePort();
  const origin = `http://127.0.0.1:${lbPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PUBLIC_URL: origin,
    HOST: "127.0.0.1",
    DATABASE_URL: database.url,
    // One data directory for every process, as a shared volume would be (the media files).
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: "error",
    WORKERS_IN_WEB: "false",
    TRUST_PROXY: "true",
  };
  const children: ChildProcess[] = [];
  const db = openDb(database.url);
  try {
    // A post to read, then alice's posts and the signed activities for the inbound part.
    const setup = await createPictor(loadConfig(env), { stores: persistentStores });
    const alice = await setup.accounts.createLocal({ username: "alice", password: "benchmark pw" });
    const { post } = await setup.posts.create(alice, { caption: "Lighthouse #sea", mediaIds: [(await insertGeneratedMedia(setup.db, alice.id, "lighthouse")).id] });
    await setup.close();
    const inboundLoad = await prepareInbound(env, origin, remote, o.activities, o.actors);

    const webPorts: number[] = [];
    const webProcesses: ChildProcess[] = [];
    for (let i = 0; i < webs; i++) {
      let port = await freePort();
      while (port === lbPort || webPorts.includes(port)) port = await freePort();
      webPorts.push(port);
      webProcesses.push(spawnPictor("serve", { ...env, PORT: String(port) }));
    }
    const workerProcesses = Array.from({ length: workers }, () => spawnPictor("worker", env));
    const balancer = spawn(NODE, ["--import", "tsx/esm", join(ROOT, "test/bench/balancer.ts")], {
      env: { ...process.env, PORT: String(lbPort), UPSTREAMS: webPorts.join(",") },
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    balancer.stdout!.resume();
    children.push(...webProcesses, ...workerProcesses, balancer);
    await Promise.all([
      // Several processes start at once on a busy machine: give them time.
      ...webProcesses.map((w, i) => waitReady(`http://127.0.0.1:${webPorts[i]}/healthz`, w, 180_000)),
      ...workerProcesses.map((w) => waitForOutput(w, "consuming the queue", 180_000)),
      waitForOutput(balancer, "balancing", 180_000),
    ]);
    // Through the balancer, every web process answers for the public origin.
    for (let i = 0; i < webs; i++) {
      const res = await fetch(post.iri, { headers: { Accept: "application/activity+json" } });
      const doc = (await res.json()) as { id?: string };
      if (doc.id !== post.iri) throw new Error(`through the balancer, ${post.iri} answered ${res.status} with id ${doc.id}`);
    }

    const cpuBefore = children.map((c) => cpuMs(c.pid!));
    const machineBefore = machineCpu();
    const inbound = await sendInbound(origin, inboundLoad, db, o.concurrency);
    const inboundBusy = machineBusySince(machineBefore);
    // Pictor's processes only (web and worker), not the balancer: what one activity costs the instance.
    const cpuPerActivity = children.slice(0, webs + workers).reduce((a, c, i) => a + cpuMs(c.pid!) - cpuBefore[i], 0) / inbound.total;

    if (!pages) return { label, inbound, inboundBusy, cpuPerActivity };
    // Pages: a short unmeasured warm-up (each web process compiles its hot paths), then the measure.
    await load(post.url!, "text/html", 2);
    const pageBefore = machineCpu();
    const page = await load(post.url!, "text/html", o.seconds);
    const pageBusy = machineBusySince(pageBefore);
    await load(post.iri, "application/activity+json", 2);
    const note = await load(post.iri, "application/activity+json", o.seconds);
    return { label, inbound, inboundBusy, cpuPerActivity, page, pageBusy, note };
  } finally {
    await stopAll(children);
    await db.close();
    await remote.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runScaleOutBench(opts: ScaleOutOptions = {}): Promise<BenchRow[]> {
  const shapes = opts.shapes ?? [
    { webs: 1, workers: 1 },
    // A second worker alone: the queue shared by two consumers (issue #16: "with two workers on PostgreSQL, more than with one").
    { webs: 1, workers: 2, pages: false },
    { webs: 2, workers: 2 },
  ];
  const o = { activities: opts.activities ?? 3000, actors: opts.actors ?? 50, concurrency: opts.concurrency ?? 32, seconds: opts.seconds ?? 5 };
  let serverUrl = process.env.SCALEOUT_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  let cluster: PgCluster | undefined;
  if (!(await reachable(serverUrl))) {
    if (!canMakePgCluster) {
      const why = `skipped: PostgreSQL does not answer at ${serverUrl.replace(/\/\/[^@/]*@/, "//")} and initdb is not on PATH (set SCALEOUT_DATABASE_URL)`;
      console.error(`  scale-out ${why}`);
      return [{ scenario: S, figure: why, unit: "", value: 0, target: "2+2 > 1+1", ok: false }];
    }
    console.error(`  PostgreSQL does not answer at ${serverUrl}; making a throwaway cluster`);
    cluster = await startPgCluster();
    serverUrl = cluster.url;
  }
  try {
    const results: ShapeResult[] = [];
    for (const { webs, workers, pages } of shapes) results.push(await runShape(serverUrl, webs, workers, pages ?? true, o));
    const rows: BenchRow[] = [];
    for (const r of results) {
      const i = r.inbound;
      rows.push(
        {
          scenario: S,
          figure: `inbound processed per second (${r.label}, ${i.total} activities, ${o.concurrency} connections, postgres, through the balancer; machine CPU ${Math.round(r.inboundBusy * 100)}% busy)`,
          unit: "/s",
          value: round(i.processedPerSecond, 0),
        },
        {
          scenario: S,
          figure: `inbound (${r.label}): POST p50 ${round(percentile(i.latencies, 50))} ms, p99 ${round(percentile(i.latencies, 99))} ms, server CPU ${round(r.cpuPerActivity)} ms/activity; answers ${i.statuses}${i.firstError ? ` (first 5xx: ${i.firstError})` : ""}; HTTP 5xx`,
          unit: "count",
          value: i.fivexx,
          target: "0",
          ok: i.fivexx === 0,
        },
        { scenario: S, figure: `inbound (${r.label}): all processed, nothing lost (${i.accepted} of ${i.total} accepted)`, unit: "bool", value: i.done ? 1 : 0, target: "1", ok: i.done && i.accepted === i.total },
      );
      if (r.page && r.note) {
        rows.push(
          {
            scenario: S,
            figure: `post page HTML, anonymous (${r.label}): requests/s (p50 ${r.page.p50} ms, p99 ${r.page.p99} ms; machine CPU ${Math.round((r.pageBusy ?? 0) * 100)}% busy)`,
            unit: "/s",
            value: round(r.page.rps, 0),
          },
          { scenario: S, figure: `Note JSON (${r.label}): requests/s (p50 ${r.note.p50} ms, p99 ${r.note.p99} ms)`, unit: "/s", value: round(r.note.rps, 0) },
        );
      }
    }
    // Each larger shape against the first, the figures side by side.
    const [base, ...others] = results;
    for (const r of others) {
      const compare = (figure: string, value: number, baseValue: number, failures: number): BenchRow => ({
        scenario: S,
        figure: `${figure}: ${r.label} vs ${base.label}`,
        unit: "/s",
        value: round(value, 0),
        baseline: { name: base.label, value: round(baseValue, 0) },
        target: `${r.label} > ${base.label}`,
        ok: value > baseValue && failures === 0,
      });
      rows.push(compare("inbound processed per second", r.inbound.processedPerSecond, base.inbound.processedPerSecond, r.inbound.fivexx + (r.inbound.done ? 0 : 1)));
      if (r.page && r.note && base.page && base.note) {
        rows.push(
          compare("post page HTML, anonymous: requests/s", r.page.rps, base.page.rps, r.page.non2xx + r.page.errors),
          compare("Note JSON: requests/s", r.note.rps, base.note.rps, r.note.non2xx + r.note.errors),
        );
      }
    }
    return rows;
  } finally {
    await cluster?.destroy();
  }
}
