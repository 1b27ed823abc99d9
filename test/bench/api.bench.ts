import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { persistentStores } from "../../src/stores.ts";
import { apiToken } from "../helpers/api.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { freePort } from "../helpers/net.ts";
import { load, loadBareHono, spawnPictor, stopAll, waitReady } from "./processes.ts";
import { seed } from "./seed.ts";
import { type BenchRow, round } from "./stats.ts";

/**
 * The client API under load (64 connections, autocannon in its own process)
 * against a running `pictor serve` holding 10,000 accounts and 100,000 posts
 * (each with an image): one status as JSON, and the home timeline's first 40
 * statuses with media, beside a bare Hono server measured in the same run.
 */
export async function runApiBench(opts: { seconds?: number; accounts?: number; posts?: number } = {}): Promise<BenchRow[]> {
  const seconds = opts.seconds ?? 5;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-apibench-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { ...process.env, PUBLIC_URL: origin, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: database.url, DATA_DIR: dataDir, LOG_LEVEL: "error", API_RATE_LIMIT: "0" };
  const children: ChildProcess[] = [];
  try {
    const pictor = await createPictor(loadConfig(env), { stores: persistentStores });
    const viewer = await pictor.accounts.createLocal({ username: "viewer", password: "benchmark pw" });
    await seed(pictor, { accounts: opts.accounts ?? 10_000, posts: opts.posts ?? 100_000, followed: 100, viewer });
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "benchmark pw" });
    const post = await pictor.posts.create(alice, { caption: "Lighthouse #sea", mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "lighthouse")).id] });
    const token = await apiToken(pictor, viewer, "read");
    await pictor.close();

    const server = spawnPictor("serve", env);
    children.push(server);
    await waitReady(`${origin}/healthz`, server);
    // Check the answers before measuring them: 40 statuses, each with its image.
    const home = (await (await fetch(`${origin}/api/v1/timelines/home?limit=40`, { headers: { Authorization: `Bearer ${token}` } })).json()) as Array<{
      media_attachments: unknown[];
    }>;
    if (home.length !== 40 || home.some((s) => s.media_attachments.length === 0)) throw new Error(`home timeline: expected 40 statuses with media, got ${home.length}`);

    const baseline = await loadBareHono(children, seconds);

    const auth = { Authorization: `Bearer ${token}` };
    const targets: Array<[string, string, Record<string, string>, number]> = [
      ["GET /api/v1/statuses/:id", `${origin}/api/v1/statuses/${post.post.id}`, auth, 0.3],
      ["GET /api/v1/timelines/home (40 with media)", `${origin}/api/v1/timelines/home?limit=40`, auth, 0.1],
    ];
    const rows: BenchRow[] = [{ scenario: "client API", figure: "bare Hono fixed JSON: requests/s", unit: "/s", value: round(baseline.rps, 0) }];
    for (const [name, url, headers, minShare] of targets) {
      const r = await load(url, "application/json", seconds, headers);
      rows.push(
        {
          scenario: "client API",
          figure: `${name}: requests/s`,
          unit: "/s",
          value: round(r.rps, 0),
          baseline: { name: "bare Hono", value: round(baseline.rps, 0) },
          target: `≥ ${minShare * 100}% of bare`,
          ok: r.rps / baseline.rps >= minShare && r.non2xx === 0 && r.errors === 0,
        },
        { scenario: "client API", figure: `${name}: p99 (p50 ${r.p50} ms)`, unit: "ms", value: r.p99, target: "p99 < 50 ms", ok: r.p99 < 50 },
      );
    }
    return rows;
  } finally {
    await stopAll(children);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
