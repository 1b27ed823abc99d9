import { configure, type LogRecord, reset } from "@logtape/logtape";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { generationRunner } from "../../src/jobs/generation.ts";
import { createHttpClient } from "../../src/net/client.ts";
import { newId, nowIso } from "../../src/storage/time.ts";
import { FakeOpenAI } from "../generation/fake-openai.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";
import { type LoopbackServer, loopbackServer } from "./servers.ts";

// Whole Pictors configured as an operator would, with ALLOW_PRIVATE_ADDRESS
// off: what they reach is decided by the guarded client the composition root
// installs. "localhost" resolves through /etc/hosts; every server here is on
// 127.0.0.1, and nothing is sent anywhere else.

type TestPictor = Pictor & { stop(): Promise<void> };
const GUARDED = { ALLOW_PRIVATE_ADDRESS: "false" };

let pictor: TestPictor | undefined;
const servers: LoopbackServer[] = [];
const records: LogRecord[] = [];
const logged = (category: string, pattern: RegExp) =>
  records.find((r) => r.category.join(".") === category && pattern.test(r.message.map(String).join("")));

beforeAll(async () => {
  await configure({
    reset: true,
    sinks: { memory: (r) => void records.push(r) },
    loggers: [
      { category: ["pictor"], lowestLevel: "warning", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
});
afterAll(() => reset());
afterEach(async () => {
  await pictor?.stop();
  pictor = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
  records.length = 0;
});

async function internal(): Promise<LoopbackServer> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#aa3366" } }).png().toBuffer();
  const s = await loopbackServer((_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(png));
  servers.push(s);
  return s;
}

describe("deliveries", () => {
  it("never reach an internal inbox or shared inbox, by name (after DNS) or by IP", async () => {
    const inside = await internal();
    pictor = await startTestPictor(GUARDED);
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const eve = await pictor.accounts.upsertRemote(
      remoteAccount("eve", { inbox_url: `http://localhost:${inside.port}/users/eve/inbox`, shared_inbox_url: `http://localhost:${inside.port}/internal` }),
    );
    const mallory = await pictor.accounts.upsertRemote(
      remoteAccount("mallory", { iri: "https://elsewhere.example/users/mallory", domain: "elsewhere.example", inbox_url: `http://127.0.0.1:${inside.port}/internal` }),
    );
    await pictor.follows.follow(alice, eve);
    await pictor.follows.follow(alice, mallory);

    // eve's Follow is signed, queued and attempted: the guard refuses the connection after resolving localhost.
    const failed = await waitFor(() => logged("pictor.federation.outbox", /failed: .*localhost: it resolves to (127\.0\.0\.1|::1), not a public address/), 15_000, "the refused delivery");
    expect(failed.level).toBe("warning");
    // mallory's inbox is an internal IP literal: dropped before it is queued.
    expect(logged("pictor.federation", /Not delivering to https:\/\/elsewhere\.example\/users\/mallory: its inbox http:\/\/127\.0\.0\.1:\d+\/internal is not a public http\(s\) address/)).toBeTruthy();
    expect(inside.seen).toEqual([]);
  });

  it("time out when an inbox accepts the connection and never answers", async () => {
    const silent = await loopbackServer(() => {});
    servers.push(silent);
    pictor = await startTestPictor({ HTTP_HEADERS_TIMEOUT_MS: "500" });
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob", { inbox_url: `${silent.origin}/users/bob/inbox` }));
    const started = Date.now();
    await pictor.follows.follow(alice, bob);
    await waitFor(() => logged("pictor.federation.outbox", /failed: .*Headers Timeout Error/), 15_000, "the delivery to time out");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(silent.seen).toEqual(["/users/bob/inbox"]);
  });
});

describe("remix sources", () => {
  it("are not downloaded from an internal address", async () => {
    const inside = await internal();
    pictor = await startTestPictor(GUARDED);
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const source = await insertGeneratedMedia(pictor.db, alice.id, "remote", {
      file_key: null,
      original_key: null,
      webp_key: null,
      thumb_key: null,
      remote_url: `http://localhost:${inside.port}/image.png`,
    });
    const job = await pictor.generations.request(alice, { prompt: "make it blue", sourceMediaId: source.id });
    const done = await waitFor(async () => {
      const j = await pictor!.generations.get(job.id);
      return j?.state === "failed" || j?.state === "done" ? j : undefined;
    }, 20_000, "the job to end");
    expect(done).toMatchObject({ state: "failed", error_code: "invalid_image" });
    expect(done.error_message).toMatch(/^The image to remix is not at a public address \(localhost, which resolves to (127\.0\.0\.1|::1)\), so it was not downloaded\.$/);
    expect(inside.seen).toEqual([]);
  });

  it("are not downloaded when an allowed first URL redirects inside", async () => {
    const inside = await internal();
    const first = await loopbackServer((_req, res) => res.writeHead(302, { location: `${inside.origin}/secret.png` }).end());
    servers.push(first);
    pictor = await startTestPictor(GUARDED);
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const source = await insertGeneratedMedia(pictor.db, alice.id, "remote", {
      file_key: null,
      original_key: null,
      webp_key: null,
      thumb_key: null,
      remote_url: `${first.origin}/image.png`,
    });
    // The first host stands for a public server: trusted for this runner only (nothing here may leave loopback).
    const net = createHttpClient({ ...pictor.net.options, allowPrivate: false, trustedOrigins: [first.origin] });
    const run = generationRunner({
      db: pictor.db,
      generations: pictor.generations,
      generator: pictor.generator,
      store: pictor.media,
      config: pictor.config.generation,
      logger: { error() {} } as never,
      fetch: net.fetch,
    });
    const id = newId();
    const now = nowIso();
    await pictor.db.kysely
      .insertInto("generation_jobs")
      .values({ id, account_id: alice.id, prompt: "make it blue", provider: "builtin", model: "builtin-v1", size: "256x256", n: 1, seed: 1, quality: null, source_media_id: source.id, state: "queued", error_code: null, error_message: null, created_at: now, started_at: null, finished_at: null })
      .execute();
    await run(id);
    await net.close();
    expect(await pictor.generations.get(id)).toMatchObject({
      state: "failed",
      error_code: "invalid_image",
      error_message: "The image to remix is not at a public address (127.0.0.1), so it was not downloaded.",
    });
    expect(first.seen).toEqual(["/image.png"]);
    expect(inside.seen).toEqual([]);
  });
});

describe("image URLs from the provider", () => {
  const fake = new FakeOpenAI();
  const GEN = "POST /v1/images/generations";
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  const finish = async (prompt: string) => {
    const alice = (await pictor!.accounts.getLocalByUsername("alice")) ?? (await pictor!.accounts.createLocal({ username: "alice", password: "correct horse" }));
    const job = await pictor!.generations.request(alice, { prompt });
    return waitFor(async () => {
      const j = await pictor!.generations.get(job.id);
      return j?.state === "failed" || j?.state === "done" ? j : undefined;
    }, 20_000, "the job to end");
  };

  it("are not fetched from an internal address, directly or through a redirect; the configured provider itself is reachable", async () => {
    const inside = await internal();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3366aa" } }).png().toBuffer();
    fake.reset();
    // The operator configured a provider on loopback: that origin, and only it, may be private.
    pictor = await startTestPictor({ ...GUARDED, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, GENERATION_RETRY_DELAY_MS: "0", GENERATION_MAX_CONCURRENT: "10" });

    fake.on(GEN, { body: { created: 1, data: [{ url: `${fake.origin}/files/ok.png` }] } });
    fake.on("GET /files/ok.png", { body: png, headers: { "content-type": "image/png" } });
    expect(await finish("from the provider itself")).toMatchObject({ state: "done" });

    fake.on(GEN, { body: { created: 1, data: [{ url: `http://localhost:${inside.port}/direct.png` }] } });
    const direct = await finish("an internal link");
    expect(direct).toMatchObject({ state: "failed", error_code: "invalid_image" });
    expect(direct.error_message).toMatch(/^The generated image is not at a public address \(localhost, which resolves to (127\.0\.0\.1|::1)\), so it was not downloaded\.$/);

    fake.on(GEN, { body: { created: 1, data: [{ url: `${fake.origin}/files/moved.png` }] } });
    fake.on("GET /files/moved.png", { status: 302, headers: { location: `${inside.origin}/redirected.png` } });
    const redirected = await finish("a link that redirects inside");
    expect(redirected).toMatchObject({ state: "failed", error_code: "invalid_image" });
    expect(redirected.error_message).toBe("The generated image is not at a public address (127.0.0.1), so it was not downloaded.");

    expect(fake.calls("GET /files/moved.png")).toHaveLength(1);
    expect(inside.seen).toEqual([]);
  });
});
