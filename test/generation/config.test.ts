import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.ts";
import { loadGenerationConfig } from "../../src/generation/config.ts";

describe("generation configuration", () => {
  it("defaults to the builtin provider without a key", () => {
    const c = loadGenerationConfig({});
    expect(c.provider).toBe("builtin");
    expect(c.openai).toBeUndefined();
    expect(c.prompt).toEqual({ maxLength: 4000, blocklist: [] });
    expect(c.retry).toEqual({ maxAttempts: 3, baseDelayMs: 2000, maxDelayMs: 30_000 });
    expect(c.media).toEqual({ maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 });
  });

  it("uses OpenAI when a key is set, with its defaults", () => {
    const c = loadGenerationConfig({ OPENAI_API_KEY: "sk-x" });
    expect(c.provider).toBe("openai");
    expect(c.openai).toEqual({
      apiKey: "sk-x",
      baseURL: undefined,
      defaultModel: "gpt-image-1",
      models: ["gpt-image-1", "gpt-image-1-mini", "dall-e-3"],
      timeoutMs: 120_000,
      moderation: false,
    });
  });

  it("reads every variable", () => {
    const c = loadGenerationConfig({
      IMAGE_PROVIDER: "openai",
      OPENAI_API_KEY: "local",
      OPENAI_BASE_URL: "http://127.0.0.1:8080/v1/",
      OPENAI_IMAGE_MODEL: "flux",
      OPENAI_IMAGE_MODELS: "sdxl, flux",
      OPENAI_TIMEOUT_MS: "60000",
      OPENAI_MODERATION: "yes",
      GENERATION_MAX_ATTEMPTS: "5",
      GENERATION_RETRY_DELAY_MS: "100",
      PROMPT_MAX_LENGTH: "1000",
      PROMPT_BLOCKLIST: "gore, some   phrase,,",
      MEDIA_MAX_BYTES: "1048576",
      MEDIA_MAX_PIXELS: "1000000",
    });
    expect(c.openai).toMatchObject({ baseURL: "http://127.0.0.1:8080/v1", defaultModel: "flux", models: ["flux", "sdxl"], timeoutMs: 60_000, moderation: true });
    expect(c.retry).toMatchObject({ maxAttempts: 5, baseDelayMs: 100 });
    expect(c.prompt).toEqual({ maxLength: 1000, blocklist: ["gore", "some phrase"] });
    expect(c.media).toEqual({ maxBytes: 1048576, maxPixels: 1_000_000 });
    expect(loadGenerationConfig({ OPENAI_API_KEY: "sk", IMAGE_PROVIDER: "builtin" }).provider).toBe("builtin");
  });

  it.each([
    [{ IMAGE_PROVIDER: "midjourney" }, "IMAGE_PROVIDER"],
    [{ IMAGE_PROVIDER: "openai" }, "OPENAI_API_KEY"],
    [{ OPENAI_BASE_URL: "ftp://x" }, "OPENAI_BASE_URL"],
    [{ OPENAI_TIMEOUT_MS: "soon" }, "OPENAI_TIMEOUT_MS"],
    [{ OPENAI_MODERATION: "maybe" }, "OPENAI_MODERATION"],
    [{ GENERATION_MAX_ATTEMPTS: "0" }, "GENERATION_MAX_ATTEMPTS"],
    [{ PROMPT_MAX_LENGTH: "-5" }, "PROMPT_MAX_LENGTH"],
    [{ MEDIA_MAX_BYTES: "12MB" }, "MEDIA_MAX_BYTES"],
    [{ MEDIA_MAX_PIXELS: "0" }, "MEDIA_MAX_PIXELS"],
    [{ OPENAI_API_KEY: "k", OPENAI_IMAGE_MODEL: "a", OPENAI_IMAGE_MODELS: "b,c" }, "OPENAI_IMAGE_MODEL"],
  ])("names the variable when %o is bad", (env, name) => {
    expect(() => loadGenerationConfig(env)).toThrow(ConfigError);
    expect(() => loadGenerationConfig(env)).toThrow(name);
  });
});
