import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { httpClientOptions } from "../../src/net/index.ts";

describe("HTTP client settings", () => {
  it("default to connect 10 s, headers 30 s, body 60 s, total 120 s, with the guard on", () => {
    const c = loadConfig({});
    expect(c.http).toEqual({ connectTimeoutMs: 10_000, headersTimeoutMs: 30_000, bodyTimeoutMs: 60_000, totalTimeoutMs: 120_000 });
    expect(httpClientOptions(c)).toMatchObject({ allowPrivate: false, maxResponseBytes: 20 * 1024 * 1024 });
  });

  it("are read from the environment; ALLOW_PRIVATE_ADDRESS is the one switch for the guard", () => {
    const c = loadConfig({
      HTTP_CONNECT_TIMEOUT_MS: "2000",
      HTTP_HEADERS_TIMEOUT_MS: "5000",
      HTTP_BODY_TIMEOUT_MS: "7000",
      HTTP_TOTAL_TIMEOUT_MS: "9000",
      ALLOW_PRIVATE_ADDRESS: "true",
      MEDIA_MAX_BYTES: String(64 * 1024 * 1024),
    });
    expect(httpClientOptions(c)).toEqual({
      allowPrivate: true,
      connectTimeoutMs: 2000,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 7000,
      totalTimeoutMs: 9000,
      maxResponseBytes: 64 * 1024 * 1024,
    });
  });

  it.each([
    [{ HTTP_CONNECT_TIMEOUT_MS: "soon" }, "HTTP_CONNECT_TIMEOUT_MS: must be a whole number"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "0" }, "HTTP_HEADERS_TIMEOUT_MS"],
    [{ HTTP_BODY_TIMEOUT_MS: "-5" }, "HTTP_BODY_TIMEOUT_MS: must be a whole number"],
    [{ HTTP_TOTAL_TIMEOUT_MS: "99999999" }, "HTTP_TOTAL_TIMEOUT_MS"],
  ])("names the variable when %o is bad", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
