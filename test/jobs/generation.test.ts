import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { DomainError } from "../../src/domain/errors.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";

type TestPictor = Pictor & { stop(): Promise<void> };

describe("generation jobs", () => {
  let pictor: TestPictor | undefined;
  afterEach(async () => {
    await pictor?.stop();
    pictor = undefined;
  });

  it("makes images with the builtin provider on the queue, stores derivatives with provenance, and serves them", async () => {
    pictor = await startTestPictor({ GENERATION_MAX_CONCURRENT: "5" });
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const job = await pictor.generations.request(alice, { prompt: "a lighthouse at dusk, teal and orange", size: "512x512", n: 2, seed: 7 });
    expect(job.state).toBe("queued");
    const status = await waitFor(async () => {
      const s = await pictor!.generations.status(job.id);
      return s.job.state === "done" || s.job.state === "failed" ? s : undefined;
    }, 20_000, "the job to finish");
    expect(status.job).toMatchObject({ state: "done", error_code: null, provider: "builtin", model: "builtin-v1" });
    expect(status.media).toHaveLength(2);
    const m = status.media[0];
    expect(m).toMatchObject({ width: 512, height: 512, prompt: "a lighthouse at dusk, teal and orange", provider: "builtin", model: "builtin-v1", seed: 7 });
    expect(m.blurhash).toBeTruthy();
    const res = await pictor.http.request(pictor.urls.media(m.file_key!).href);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(m.media_type);
    expect(res.headers.get("cache-control")).toContain("immutable");
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.xmp?.toString()).toContain("trainedAlgorithmicMedia");
    // The same request and seed make the same image: same content hash.
    const again = await pictor.generations.request(alice, { prompt: "a lighthouse at dusk, teal and orange", size: "512x512", n: 1, seed: 7 });
    const s2 = await waitFor(async () => ((await pictor!.generations.status(again.id)).job.state === "done" ? pictor!.generations.status(again.id) : undefined), 20_000, "second job");
    expect(s2.media[0].sha256).toBe(m.sha256);
    // Posting them works and the Note points at the stored file.
    const post = await pictor.posts.create(alice, { mediaIds: status.media.map((x) => x.id), caption: "dusk" });
    expect(post.media.map((x) => x.alt)).toEqual([m.prompt, m.prompt]);
  });

  it("finishes a job whose worker died mid-run", async () => {
    pictor = await startTestPictor();
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    // As a crashed worker leaves it: running for long, its message gone.
    const id = "01900000-0000-7000-8000-000000000001";
    const long = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    await pictor.db.kysely
      .insertInto("generation_jobs")
      .values({ id, account_id: alice.id, prompt: "a survivor", provider: "builtin", model: "builtin-v1", size: "256x256", n: 1, seed: 1, quality: null, source_media_id: null, state: "running", error_code: null, error_message: null, created_at: long, started_at: long, finished_at: null })
      .execute();
    expect(await pictor.sweepJobs()).toBe(1);
    const done = await waitFor(async () => ((await pictor!.generations.get(id))?.state === "done" ? pictor!.generations.status(id) : undefined), 20_000, "the job to be finished");
    expect(done.media).toHaveLength(1);
    expect(done.job.attempts).toBe(1);
  });

  it("refuses bad requests with clear reasons and enforces per-account limits", async () => {
    pictor = await startTestPictor({ GENERATION_MAX_CONCURRENT: "1", GENERATION_DAILY_LIMIT: "2", PROMPT_BLOCKLIST: "forbidden thing", PROMPT_MAX_LENGTH: "50" });
    const bob = await pictor.accounts.createLocal({ username: "bob", password: "correct horse" });
    const admin = await pictor.accounts.createLocal({ username: "root", password: "correct horse", admin: true });
    const cases: Array<[Parameters<Pictor["generations"]["request"]>[1], RegExp]> = [
      [{ prompt: "   " }, /empty/],
      [{ prompt: "x".repeat(51) }, /at most 50/],
      [{ prompt: "a forbidden thing at night" }, /refused/],
      [{ prompt: "ok", model: "no-such-model" }, /Unknown model/],
      [{ prompt: "ok", size: "huge" }, /WIDTHxHEIGHT/],
      [{ prompt: "ok", n: 9 }, /1 to 4/],
    ];
    for (const [req, message] of cases) {
      const error = await pictor.generations.request(bob, req).catch((e) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error.message).toMatch(message);
    }
    expect(await pictor.db.kysely.selectFrom("generation_jobs").selectAll().execute()).toEqual([]);
    // A large first image keeps the job running while the second request is checked.
    const first = await pictor.generations.request(bob, { prompt: "one", size: "2048x2048" });
    await expect(pictor.generations.request(bob, { prompt: "two", size: "256x256" })).rejects.toThrow(/already have 1/);
    await waitFor(async () => (await pictor!.generations.get(first.id))?.state === "done", 20_000, "first job");
    await pictor.generations.request(bob, { prompt: "two", size: "256x256" });
    await waitFor(async () => (await pictor!.db.kysely.selectFrom("generation_jobs").select("state").where("state", "!=", "done").execute()).length === 0, 20_000, "second job");
    await expect(pictor.generations.request(bob, { prompt: "three", size: "256x256" })).rejects.toThrow(/^You have used all 2 images of the last 24 hours; more from \d\d:\d\d UTC$/);
    // Admins are exempt.
    await pictor.generations.request(admin, { prompt: "admin", size: "256x256", n: 3 });
  });

  describe("with an OpenAI-compatible server", () => {
    let server: Server;
    let mode: "ok" | "policy" | "garbage" = "ok";
    let png: Buffer;
    afterAll(() => new Promise<void>((r) => server?.close(() => r())));

    it("goes through the openai client, and a failure leaves a reason and no media", async () => {
      png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3366aa" } }).png().toBuffer();
      server = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          if (mode === "policy") {
            res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "Your request was rejected by the safety system.", type: "invalid_request_error", code: "content_policy_violation" } }));
            return;
          }
          const b64 = mode === "garbage" ? Buffer.from("not an image").toString("base64") : png.toString("base64");
          res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ created: 1, data: [{ b64_json: b64 }] }));
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      pictor = await startTestPictor({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: base, GENERATION_RETRY_DELAY_MS: "0", GENERATION_MAX_CONCURRENT: "10" });
      const carol = await pictor.accounts.createLocal({ username: "carol", password: "correct horse" });
      const finish = (id: string) => waitFor(async () => {
        const s = await pictor!.generations.status(id);
        return s.job.state === "done" || s.job.state === "failed" ? s : undefined;
      }, 20_000, "job end");
      const ok = await finish((await pictor.generations.request(carol, { prompt: "blue square" })).id);
      expect(ok.job).toMatchObject({ state: "done", provider: "openai", model: "gpt-image-1" });
      expect(ok.media[0]).toMatchObject({ width: 64, height: 64, provider: "openai", model: "gpt-image-1" });
      mode = "policy";
      const refused = await finish((await pictor.generations.request(carol, { prompt: "something" })).id);
      expect(refused.job).toMatchObject({ state: "failed", error_code: "content_policy" });
      expect(refused.job.error_message).toMatch(/safety|policy/i);
      expect(refused.media).toEqual([]);
      mode = "garbage";
      const garbage = await finish((await pictor.generations.request(carol, { prompt: "something else" })).id);
      expect(garbage.job).toMatchObject({ state: "failed", error_code: "invalid_image" });
      expect(garbage.media).toEqual([]);
    });
  });
});
