import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GenerationError } from "../../src/generation/errors.ts";
import { createOpenAIProvider, type OpenAIProviderOptions } from "../../src/generation/openai.ts";
import { apiError, b64Images, FakeOpenAI } from "./fake-openai.ts";

const KEY = "sk-test-secret-key-1234567890";
const GEN = "POST /v1/images/generations";
const EDIT = "POST /v1/images/edits";
const MOD = "POST /v1/moderations";

let png: Buffer;
let jpeg: Buffer;
const server = new FakeOpenAI();
let sleeps: number[] = [];

function provider(overrides: Partial<OpenAIProviderOptions> = {}) {
  return createOpenAIProvider({
    apiKey: KEY,
    baseURL: server.baseURL,
    timeoutMs: 5000,
    maxPromptLength: 4000,
    limits: { maxBytes: 1024 * 1024, maxPixels: 50_000_000 },
    retry: {
      maxAttempts: 3,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    ...overrides,
  });
}

async function failure(p: Promise<unknown>): Promise<GenerationError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GenerationError);
  return e as GenerationError;
}

beforeAll(async () => {
  png = await sharp({ create: { width: 32, height: 24, channels: 4, background: "#3080c0" } }).png().toBuffer();
  jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c08030" } }).jpeg().toBuffer();
  await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  sleeps = [];
});

describe("openai provider: generations", () => {
  it("sends the request through the real client and returns verified images from b64_json", async () => {
    server.on(GEN, { body: b64Images([png, jpeg]) });
    const images = await provider().generate({ prompt: "  a lighthouse  ", size: "1536x1024", n: 2, quality: "high", background: "opaque" });

    const [call] = server.calls(GEN);
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call.json).toEqual({ prompt: "a lighthouse", model: "gpt-image-1", n: 2, size: "1536x1024", quality: "high", background: "opaque" });
    expect(images).toHaveLength(2);
    expect(images[0]).toMatchObject({ mediaType: "image/png", width: 32, height: 24, model: "gpt-image-1", provider: "openai" });
    expect(Buffer.from(images[0].bytes).equals(png)).toBe(true);
    expect(images[1]).toMatchObject({ mediaType: "image/jpeg", width: 40, height: 30 });
    expect(images[0].revisedPrompt).toBeUndefined();
  });

  it("asks dall-e-3 for b64_json with its own quality names and keeps the revised prompt", async () => {
    server.on(GEN, { body: b64Images([png], { revised_prompt: "A tall lighthouse at dusk" }) });
    const [image] = await provider().generate({ prompt: "a lighthouse", model: "dall-e-3", size: "1792x1024", quality: "high" });
    expect(server.calls(GEN)[0].json).toMatchObject({ model: "dall-e-3", quality: "hd", response_format: "b64_json", size: "1792x1024" });
    expect(image.revisedPrompt).toBe("A tall lighthouse at dusk");
    expect(image.model).toBe("dall-e-3");
  });

  it("downloads url answers, within the byte cap", async () => {
    server.on(GEN, () => ({ body: { created: 1, data: [{ url: `${server.origin}/files/a.png`, revised_prompt: "r" }] } }));
    server.on("GET /files/a.png", { body: png, headers: { "content-type": "image/png" } });
    const [image] = await provider().generate({ prompt: "a lighthouse" });
    expect(Buffer.from(image.bytes).equals(png)).toBe(true);
    expect(image.revisedPrompt).toBe("r");

    server.on("GET /files/a.png", { body: Buffer.alloc(2 * 1024 * 1024, 1) });
    const big = await failure(provider().generate({ prompt: "a lighthouse" }));
    expect(big.code).toBe("invalid_image");
    expect(big.message).toMatch(/larger than/);
  });

  it("retries a download that fails with 5xx but not one that is refused", async () => {
    server.on(GEN, { body: { created: 1, data: [{ url: `${server.origin}/files/b.png` }] } });
    server.on("GET /files/b.png", { status: 503, body: "busy" }, { body: png });
    const [image] = await provider().generate({ prompt: "x" });
    expect(image.mediaType).toBe("image/png");
    expect(server.calls(GEN)).toHaveLength(1); // the paid generation is not repeated
    expect(server.calls("GET /files/b.png")).toHaveLength(2);

    server.reset();
    server.on(GEN, { body: { created: 1, data: [{ url: `${server.origin}/files/c.png` }] } });
    server.on("GET /files/c.png", { status: 403, body: "expired" });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("invalid_image");
    expect(server.calls("GET /files/c.png")).toHaveLength(1);
  });

  it("refuses links that are not http or https", async () => {
    for (const url of ["file:///etc/passwd", "data:image/png;base64,AAAA", "ftp://127.0.0.1/x.png", "not a url"]) {
      server.on(GEN, { body: { created: 1, data: [{ url }] } });
      const e = await failure(provider().generate({ prompt: "x" }));
      expect(e.code, url).toBe("invalid_image");
      expect(e.retryable).toBe(false);
    }
  });

  it("refuses answers that are not images", async () => {
    server.on(GEN, { body: b64Images([Buffer.from("<html>oops</html>")]) });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("invalid_image");
    expect(e.retryable).toBe(false);

    server.on(GEN, { body: { created: 1, data: [] } });
    expect((await failure(provider().generate({ prompt: "x" }))).code).toBe("invalid_image");
  });
});

describe("openai provider: failures", () => {
  it("maps a content policy refusal and does not retry it", async () => {
    server.on(GEN, {
      status: 400,
      body: apiError("Your request was rejected as a result of our safety system.", "content_policy_violation"),
    });
    const e = await failure(provider().generate({ prompt: "something refused" }));
    expect(e.code).toBe("content_policy");
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/content policy.*Rephrase/s);
    expect(server.calls(GEN)).toHaveLength(1);
  });

  it("maps a bad key without repeating the key", async () => {
    server.on(GEN, { status: 401, body: apiError(`Incorrect API key provided: ${KEY}.`, "invalid_api_key") });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("bad_api_key");
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("OPENAI_API_KEY");
    expect(e.message).not.toContain(KEY);
    expect(server.calls(GEN)).toHaveLength(1);
  });

  it("retries rate limits with exponential backoff, honouring Retry-After", async () => {
    const limited = { status: 429, body: apiError("Rate limit reached for images per minute.", "rate_limit_exceeded", "requests") };
    server.on(GEN, limited, { ...limited, headers: { "retry-after": "7" } }, { body: b64Images([png]) });
    const images = await provider().generate({ prompt: "x" });
    expect(images).toHaveLength(1);
    expect(server.calls(GEN)).toHaveLength(3);
    // 1 s × 2⁰ with half jitter at 0.5 → 750 ms; then Retry-After 7 s beats 2 s × 0.75.
    expect(sleeps).toEqual([750, 7000]);
  });

  it("gives up on rate limits after the last attempt, with a retryable error", async () => {
    server.on(GEN, { status: 429, body: apiError("Rate limit reached.", "rate_limit_exceeded", "requests") });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryable).toBe(true);
    expect(server.calls(GEN)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("tells an exhausted quota from a rate limit and does not retry it", async () => {
    server.on(GEN, { status: 429, body: apiError("You exceeded your current quota.", "insufficient_quota", "insufficient_quota") });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("quota_exhausted");
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/administrator/);
    expect(server.calls(GEN)).toHaveLength(1);
  });

  it("retries 500 and 503 and succeeds when the service recovers", async () => {
    server.on(GEN, { status: 500, body: apiError("The server had an error.", null, "server_error") }, { status: 503, body: "Service Unavailable" }, {
      body: b64Images([png]),
    });
    const images = await provider().generate({ prompt: "x" });
    expect(images).toHaveLength(1);
    expect(server.calls(GEN)).toHaveLength(3);

    server.reset();
    server.on(GEN, { status: 503, body: apiError("Overloaded", null, "server_error") });
    const e = await failure(provider().generate({ prompt: "x" }));
    expect(e.code).toBe("unavailable");
    expect(e.status).toBe(503);
    expect(e.retryable).toBe(true);
  });

  it("times out a slow answer, retries it, and reports a timeout", async () => {
    server.on(GEN, { delayMs: 10_000, body: b64Images([png]) });
    const e = await failure(
      provider({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} } }).generate({ prompt: "x" }),
    );
    expect(e.code).toBe("timeout");
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/within 0\.2 seconds/);
    expect(server.calls(GEN)).toHaveLength(2);
  });

  it("times out a slow image download", async () => {
    server.on(GEN, { body: { created: 1, data: [{ url: `${server.origin}/files/slow.png` }] } });
    server.on("GET /files/slow.png", { delayMs: 10_000, body: png });
    const e = await failure(
      provider({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} } }).generate({ prompt: "x" }),
    );
    expect(e.code).toBe("timeout");
    expect(e.message).toMatch(/Downloading/);
    expect(server.calls(GEN)).toHaveLength(1);
    expect(server.calls("GET /files/slow.png")).toHaveLength(2);
  });

  it("reports other 4xx answers as bad requests with the service's message", async () => {
    server.on(GEN, { status: 400, body: apiError("Invalid size '999x999'.", "invalid_value") });
    // A model of an OpenAI-compatible server accepts any size here; the server refuses it.
    const e = await failure(provider({ models: ["local-model"] }).generate({ prompt: "x", size: "999x999" }));
    expect(e.code).toBe("bad_request");
    expect(e.message).toContain("Invalid size '999x999'.");
    expect(server.calls(GEN)).toHaveLength(1);
  });

  it("validates before calling the service", async () => {
    const p = provider({ maxPromptLength: 20 });
    const cases: Array<[Parameters<typeof p.generate>[0], RegExp]> = [
      [{ prompt: "   " }, /empty/],
      [{ prompt: "x".repeat(21) }, /21 characters.*limit is 20/],
      [{ prompt: "x", model: "gpt-9" }, /Unknown model "gpt-9".*gpt-image-1/],
      [{ prompt: "x", size: "big" }, /WIDTHxHEIGHT/],
      [{ prompt: "x", size: "512x512" }, /cannot make 512x512.*1024x1024/],
      [{ prompt: "x", model: "dall-e-3", n: 2 }, /one image per request/],
      [{ prompt: "x", model: "dall-e-3", background: "transparent" }, /transparent/],
      [{ prompt: "x", n: 0 }, /1 to 4/],
    ];
    for (const [req, message] of cases) {
      const e = await failure(p.generate(req));
      expect(e.code).toBe("bad_request");
      expect(e.message).toMatch(message);
    }
    expect(server.seen).toHaveLength(0);
  });
});

describe("openai provider: edits and moderation", () => {
  it("sends edits as multipart with the source image", async () => {
    server.on(EDIT, { body: b64Images([png]) });
    const [image] = await provider().edit({ prompt: "add a moon", image: jpeg, size: "1024x1024", background: "transparent" });
    expect(image.mediaType).toBe("image/png");
    const [call] = server.calls(EDIT);
    expect(call.headers["content-type"]).toMatch(/^multipart\/form-data/);
    const form = call.form as FormData;
    expect(form.get("prompt")).toBe("add a moon");
    expect(form.get("model")).toBe("gpt-image-1");
    expect(form.get("background")).toBe("transparent");
    const file = (form.get("image") ?? form.get("image[]")) as File;
    expect(file.type).toBe("image/jpeg");
    expect(Buffer.from(await file.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it("refuses edits with models that cannot edit, and source images that are not images", async () => {
    expect((await failure(provider().edit({ prompt: "x", model: "dall-e-3", image: png }))).code).toBe("bad_request");
    const e = await failure(provider().edit({ prompt: "x", image: Buffer.from("not an image") }));
    expect(e.code).toBe("bad_request");
    expect(e.message).toMatch(/image to edit/);
    expect(server.seen).toHaveLength(0);
  });

  it("maps edit failures the same way", async () => {
    server.on(EDIT, { status: 400, body: apiError("Request blocked by moderation.", "moderation_blocked") });
    expect((await failure(provider().edit({ prompt: "x", image: png }))).code).toBe("content_policy");
  });

  it("asks the moderation endpoint and explains a refusal", async () => {
    const result = (flagged: boolean) => ({
      id: "modr-1",
      model: "omni-moderation-latest",
      results: [{ flagged, categories: { violence: flagged, "self-harm/intent": flagged, hate: false }, category_scores: {}, category_applied_input_types: {} }],
    });
    server.on(MOD, { body: result(false) }, { body: result(true) });
    const p = provider();
    expect(await p.moderate("a calm lake")).toEqual({ allowed: true });
    const verdict = await p.moderate("something violent");
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed === false && verdict.reason).toMatch(/violence.*self-harm \/ intent/);
    expect(server.calls(MOD)[1].json).toMatchObject({ input: "something violent", model: "omni-moderation-latest" });
  });
});
