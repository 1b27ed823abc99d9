import { describe, expect, it } from "vitest";
import { GenerationError } from "../../src/generation/errors.ts";
import { backoffDelay, sleep, withRetry } from "../../src/generation/retry.ts";

const classify = (e: unknown) => (e instanceof GenerationError ? e : new GenerationError("unavailable", String(e), { retryable: false }));

describe("retries", () => {
  it("backs off exponentially with jitter, within the cap and never under Retry-After", () => {
    const opts = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 1 - Number.EPSILON };
    const e = new GenerationError("unavailable", "x");
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, e, opts))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoffDelay(1, e, { ...opts, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, new GenerationError("rate_limited", "x", { retryAfterMs: 3000 }), opts)).toBe(3000);
    expect(backoffDelay(1, new GenerationError("rate_limited", "x", { retryAfterMs: 60_000 }), opts)).toBe(5000);
  });

  it("retries only retryable errors, up to the attempt limit", async () => {
    const waits: number[] = [];
    const sleepFn = async (ms: number) => {
      waits.push(ms);
    };
    let calls = 0;
    const flaky = () => {
      calls++;
      return calls < 3 ? Promise.reject(new GenerationError("unavailable", "busy")) : Promise.resolve("ok");
    };
    expect(await withRetry(flaky, classify, { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, sleep: sleepFn, random: () => 0 })).toBe("ok");
    expect(waits).toEqual([5, 10]);

    calls = 0;
    const never = () => {
      calls++;
      return Promise.reject(new GenerationError("timeout", "slow"));
    };
    await expect(withRetry(never, classify, { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: sleepFn })).rejects.toMatchObject({ code: "timeout" });
    expect(calls).toBe(4);

    calls = 0;
    const refused = () => {
      calls++;
      return Promise.reject(new GenerationError("content_policy", "no"));
    };
    await expect(withRetry(refused, classify, { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: sleepFn })).rejects.toMatchObject({ code: "content_policy" });
    expect(calls).toBe(1);

    await expect(withRetry(() => Promise.reject(new Error("boom")), classify, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: sleepFn })).rejects.toMatchObject({
      code: "unavailable",
      retryable: false,
    });
  });

  it("stops waiting when cancelled", async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = withRetry(
      () => {
        calls++;
        return Promise.reject(new GenerationError("unavailable", "busy"));
      },
      classify,
      { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: "unavailable" });
    expect(calls).toBe(1);
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toBeDefined();
  });
});
