import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadGenerationConfig } from "../../src/generation/config.ts";
import { GenerationError } from "../../src/generation/errors.ts";
import { createImageGenerator, createImageProvider } from "../../src/generation/index.ts";
import { b64Images, FakeOpenAI } from "./fake-openai.ts";

const server = new FakeOpenAI();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => server.reset());

const noWait = { sleep: async () => {} };

describe("image generator", () => {
  it("builds the builtin provider by default and applies the blocklist", async () => {
    const gen = createImageGenerator(loadGenerationConfig({ PROMPT_BLOCKLIST: "gore" }), noWait);
    expect(gen.provider.name).toBe("builtin");
    expect(gen.provider.models).toEqual(["builtin-v1"]);
    const [img] = await gen.generate({ prompt: "a calm lake", size: "256x256", seed: 1 });
    expect(img.provider).toBe("builtin");

    const e = await gen.generate({ prompt: "lots of Gore", size: "256x256" }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GenerationError);
    expect((e as GenerationError).code).toBe("content_policy");
    expect((e as GenerationError).retryable).toBe(false);
    expect((e as GenerationError).message).toContain('"gore"');
    expect(await gen.checkPrompt("lots of gore")).toMatchObject({ allowed: false, source: "blocklist" });
  });

  it("builds the OpenAI provider from the configuration and checks moderation before generating", async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#000" } }).png().toBuffer();
    const flagged = { id: "m", model: "omni-moderation-latest", results: [{ flagged: true, categories: { violence: true }, category_scores: {}, category_applied_input_types: {} }] };
    const clean = { ...flagged, results: [{ ...flagged.results[0], flagged: false, categories: { violence: false } }] };
    server.on("POST /v1/moderations", { body: flagged }, { body: clean });
    server.on("POST /v1/images/generations", { body: b64Images([png]) });
    const config = loadGenerationConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: server.baseURL, OPENAI_MODERATION: "true", PROMPT_BLOCKLIST: "gore" });
    const gen = createImageGenerator(config, noWait);
    expect(gen.provider.name).toBe("openai");

    const refused = (await gen.generate({ prompt: "a fight" }).catch((err: unknown) => err)) as GenerationError;
    expect(refused.code).toBe("content_policy");
    expect(refused.message).toMatch(/moderation.*violence/);
    expect(server.calls("POST /v1/images/generations")).toHaveLength(0);

    // The blocklist refuses without asking anyone.
    await expect(gen.generate({ prompt: "gore" })).rejects.toMatchObject({ code: "content_policy" });
    expect(server.calls("POST /v1/moderations")).toHaveLength(1);

    const [img] = await gen.generate({ prompt: "a lake" });
    expect(img.provider).toBe("openai");
    expect(server.calls("POST /v1/images/generations")).toHaveLength(1);
  });

  it("refuses an over-long prompt before any policy or network call", async () => {
    const config = loadGenerationConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: server.baseURL, OPENAI_MODERATION: "1", PROMPT_MAX_LENGTH: "10" });
    await expect(createImageGenerator(config, noWait).generate({ prompt: "x".repeat(11) })).rejects.toMatchObject({ code: "bad_request" });
    expect(server.seen).toHaveLength(0);
    expect(createImageProvider(config).name).toBe("openai");
  });
});
