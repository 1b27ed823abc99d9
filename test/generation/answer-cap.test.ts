import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GenerationError } from "../../src/generation/errors.ts";
import { createOpenAIProvider } from "../../src/generation/openai.ts";
import { b64Images, FakeOpenAI } from "./fake-openai.ts";

// A provider answer is JSON the client reads whole and parses: the cap must
// apply while it streams in, not to the decoded images afterwards.

const GEN = "POST /v1/images/generations";
const MB = 1024 * 1024;
const server = new FakeOpenAI();

const provider = () =>
  createOpenAIProvider({
    apiKey: "sk-test",
    baseURL: server.baseURL,
    timeoutMs: 20_000,
    maxPromptLength: 4000,
    limits: { maxBytes: MB, maxPixels: 50_000_000 },
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
  });

/** An Images API answer with one b64_json of `bytes` characters, streamed. */
const huge = (bytes: number, contentLength: boolean) => ({
  stream: { parts: ['{"created":1,"data":[{"b64_json":"', { repeat: "A", bytes }, '"}]}'], contentLength },
});

async function failure(p: Promise<unknown>): Promise<GenerationError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GenerationError);
  return e as GenerationError;
}

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => server.reset());

describe("openai provider: the size of an answer", () => {
  it("refuses a 200 MB chunked b64_json answer while it streams, without reading the rest", async () => {
    server.on(GEN, huge(200 * MB, false));
    const e = await failure(provider().generate({ prompt: "a lighthouse" }));
    expect(e.code).toBe("invalid_image");
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/^The image service's answer is larger than the 1\.6 MB limit, more than the images asked for can take within MEDIA_MAX_BYTES; it was refused without being read whole\.$/);
    // Not retried (the same answer would come back), and the download stopped early.
    expect(server.calls(GEN)).toHaveLength(1);
    const sent = server.calls(GEN)[0].sent;
    await expect.poll(() => sent?.bytes).toBeGreaterThan(0);
    expect(sent?.finished).toBe(false);
    expect(sent?.bytes).toBeLessThan(40 * MB);
  });

  it("refuses an answer whose Content-Length is over the cap before reading it", async () => {
    server.on(GEN, huge(200 * MB, true));
    const e = await failure(provider().generate({ prompt: "a lighthouse" }));
    expect(e.code).toBe("invalid_image");
    expect(e.message).toMatch(/larger than the 1\.6 MB limit \(it declared 200 MB\)/);
    expect(server.calls(GEN)[0].sent?.finished).toBe(false);
  });

  it("scales the cap with the number of images asked for, and still accepts normal answers", async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#123456" } }).png().toBuffer();
    server.on(GEN, { body: b64Images([png, png, png]) });
    expect(await provider().generate({ prompt: "three", n: 3 })).toHaveLength(3);
    // 3 images of up to 1 MB each fit in 4.2 MB of base64; 5 MB does not.
    server.on(GEN, huge(5 * MB, false));
    const e = await failure(provider().generate({ prompt: "three", n: 3 }));
    expect(e.message).toMatch(/larger than the 4\.3 MB limit/);
  });
});
