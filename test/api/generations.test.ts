import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { api, apiUser } from "../helpers/api.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";

describe("API: Pictor's generations", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    pictor = await startTestPictor({ GENERATION_MAX_CONCURRENT: "2", GENERATION_DAILY_LIMIT: "6", PROMPT_BLOCKLIST: "forbidden" });
    ({ token } = await apiUser(pictor, "alice", "read write"));
    ({ token: otherToken } = await apiUser(pictor, "bob", "read write"));
  });
  afterAll(() => pictor?.stop());

  it("makes images from a prompt: 202 with the job, then media attachments labelled as generated", async () => {
    const res = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a lighthouse at dusk", size: "256x256", n: 2, seed: 7 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ state: "queued", prompt: "a lighthouse at dusk", model: "builtin-v1", size: "256x256", n: 2, seed: 7, media_attachments: [], error: null });
    expect(typeof res.body.id).toBe("string");
    expect(typeof res.body.created_at).toBe("string");
    const done = await waitFor(async () => {
      const r = await api(pictor, "GET", `/api/v1/pictor/generations/${res.body.id}`, { token });
      return r.body.state === "done" ? r.body : null;
    }, 30_000, "the generation");
    expect(done.media_attachments).toHaveLength(2);
    for (const m of done.media_attachments) {
      expect(m).toMatchObject({ type: "image", pictor: { generated: true, model: "builtin-v1", source: "generated" } });
      expect(m.url).toMatch(/^http:\/\/pictor\.test\/media\//);
      expect(m.preview_url).toMatch(/^http:\/\/pictor\.test\/media\//);
      expect(m.meta.original).toMatchObject({ width: 256, height: 256 });
      expect(m.blurhash).toBeTruthy();
    }
    // Someone else's job is not there.
    expect((await api(pictor, "GET", `/api/v1/pictor/generations/${res.body.id}`, { token: otherToken })).status).toBe(404);
    expect((await api(pictor, "GET", "/api/v1/pictor/generations/nope", { token })).body).toEqual({ error: "Record not found" });
  });

  it("refuses bad requests with the web app's messages", async () => {
    const empty = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "  " } });
    expect(empty.status).toBe(422);
    expect(empty.body).toEqual({ error: "The prompt is empty" });
    const refused = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "something forbidden" } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/^The prompt was refused/);
    const model = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a cat", model: "no-such-model" } });
    expect(model.status).toBe(422);
    expect(model.body.error).toMatch(/no-such-model/);
    const n = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a cat", n: "lots" } });
    expect(n.status).toBe(422);
    expect(n.body.error).toMatch(/n must be an integer/);
  });

  it("applies the daily quota as a 429 with the message", async () => {
    // 2 images used above; 4 more fit in the daily 6, the next does not.
    const ok = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a dog", size: "256x256", n: 4 } });
    expect(ok.status).toBe(202);
    const over = await api(pictor, "POST", "/api/v1/pictor/generations", { token, json: { prompt: "a dog", size: "256x256", n: 1 } });
    expect(over.status).toBe(429);
    expect(over.body.error).toMatch(/^You have used all 6 images of the last 24 hours; more from \d\d:\d\d UTC$/);
  });

  it("needs a token with write:media", async () => {
    expect((await api(pictor, "POST", "/api/v1/pictor/generations", { json: { prompt: "a cat" } })).status).toBe(401);
    const { token: readOnly } = await apiUser(pictor, "reader", "read");
    const res = await api(pictor, "POST", "/api/v1/pictor/generations", { token: readOnly, json: { prompt: "a cat" } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "This action is outside the authorized scopes" });
  });
});
