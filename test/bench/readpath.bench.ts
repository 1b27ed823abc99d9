import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PostDetails } from "../../src/domain/posts.ts";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { seed } from "./seed.ts";
import { type BenchRow, round } from "./stats.ts";
import { freePort } from "../helpers/net.ts";
import { load, loadBareHono, rssMb, spawnPictor, stopAll, waitReady } from "./processes.ts";

/**
 * The read path under load: 64 connections from a separate autocannon
 * process against a running server holding 10,000 accounts and 100,000
 * posts, beside a bare Hono server measured in the same run; plus the
 * server's resident memory idle and under load.
 */
export async function runReadPathBench(opts: { seconds?: number; accounts?: number; posts?: number } = {}): Promise<BenchRow[]> {
  const seconds = opts.seconds ?? 5;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-readpath-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { ...process.env, PUBLIC_URL: origin, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: database.url, DATA_DIR: dataDir, LOG_LEVEL: "error" };
  const children: ChildProcess[] = [];
  try {
    // Seed, then let a real `pictor serve` process answer.
    const pictor = await createPictor(loadConfig(env), { stores: persistentStores });
    const viewer = await pictor.accounts.createLocal({ username: "viewer", password: "benchmark pw" });
    await seed(pictor, { accounts: opts.accounts ?? 10_000, posts: opts.posts ?? 100_000, followed: 100, viewer });
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "benchmark pw" });
    let post: PostDetails | undefined;
    for (let i = 0; i < 30; i++) {
      post = await pictor.posts.create(alice, { caption: `Lighthouse ${i} #sea`, mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, `lighthouse ${i}`)).id] });
    }
    await pictor.close();

    const server = spawnPictor("serve", env);
    children.push(server);
    await waitReady(`${origin}/healthz`, server);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = rssMb(server.pid!);

    const baseline = await loadBareHono(children, seconds);

    const AP = "application/activity+json";
    const targets: Array<[string, string, string, "json" | "html"]> = [
      ["WebFinger", `${origin}/.well-known/webfinger?resource=acct:alice@127.0.0.1:${port}`, "application/jrd+json", "json"],
      ["actor JSON", `${origin}/users/alice`, AP, "json"],
      ["Note JSON", post!.post.iri, AP, "json"],
      ["outbox first page", `${origin}/users/alice/outbox?cursor=first`, AP, "json"],
      ["post page HTML", post!.post.url!, "text/html", "html"],
      ["profile page HTML", `${origin}/@alice`, "text/html", "html"],
    ];
    const rows: BenchRow[] = [
      { scenario: "read path", figure: "bare Hono fixed JSON: requests/s", unit: "/s", value: round(baseline.rps, 0) },
      { scenario: "read path", figure: "bare Hono fixed JSON: p99", unit: "ms", value: baseline.p99 },
    ];
    let peakRss = idleRss;
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, rssMb(server.pid!));
      } catch {}
    }, 200);
    for (const [name, url, accept, kind] of targets) {
      const r = await load(url, accept, seconds);
      const share = r.rps / baseline.rps;
      const minShare = kind === "json" ? 0.4 : 0.25;
      rows.push(
        {
          scenario: "read path",
          figure: `${name}: requests/s`,
          unit: "/s",
          value: round(r.rps, 0),
          baseline: { name: "bare Hono", value: round(baseline.rps, 0) },
          target: `≥ ${minShare * 100}% of bare`,
          ok: share >= minShare && r.non2xx === 0 && r.errors === 0,
        },
        { scenario: "read path", figure: `${name}: p50 / p99`, unit: "ms", value: r.p99, target: kind === "json" ? "p99 < 25 ms" : undefined, ok: kind === "json" ? r.p99 < 25 : undefined, baseline: undefined },
      );
      rows[rows.length - 1].figure = `${name}: p99 (p50 ${r.p50} ms)`;
    }
    clearInterval(sampler);
    const endRss = rssMb(server.pid!);
    rows.push(
      { scenario: "memory", figure: "server RSS idle after start", unit: "MB", value: round(idleRss, 0), target: "≤ 150 MB", ok: idleRss <= 150 },
      { scenario: "memory", figure: "server RSS peak under load", unit: "MB", value: round(Math.max(peakRss, endRss), 0), target: "≤ 300 MB", ok: Math.max(peakRss, endRss) <= 300 },
    );
    return rows;
  } finally {
    await stopAll(children);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
