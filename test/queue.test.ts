import { testMessageQueue } from "@fedify/testing";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../federation/queue.ts";
import { type Db, openDb } from "../src/storage/db.ts";
import { createTestDb } from "./helpers/db.ts";
import { waitFor } from "./helpers/pictor.ts";

const duration = (ms: number) => Temporal.Duration.from({ milliseconds: ms }) as unknown as globalThis.Temporal.Duration;

describe("KyselyMessageQueue", () => {
  let t: { db: Db; url: string; cleanup(): Promise<void> };
  let other: Db;
  beforeAll(async () => {
    t = await createTestDb();
    other = openDb(t.url);
  });
  afterAll(async () => {
    await other?.close();
    await t?.cleanup();
  });

  it("passes Fedify's message queue conformance tests, ordering keys included", async () => {
    let n = 0;
    await testMessageQueue(
      () => new KyselyMessageQueue(n++ % 2 === 0 ? t.db : other, { queue: `conformance-${Math.floor(n / 2)}`, pollIntervalMs: 50 }),
      async ({ controller }) => controller.abort(),
      { testOrderingKey: true },
    );
  }, 120_000);

  it("never hands one message to two consumers on separate connections", async () => {
    const a = new KyselyMessageQueue(t.db, { queue: "race", pollIntervalMs: 20, concurrency: 4 });
    const b = new KyselyMessageQueue(other, { queue: "race", pollIntervalMs: 20, concurrency: 4 });
    const seen = new Map<number, number>();
    const controller = new AbortController();
    const handler = async (m: unknown) => {
      const i = (m as { i: number }).i;
      seen.set(i, (seen.get(i) ?? 0) + 1);
    };
    const listening = [a.listen(handler, { signal: controller.signal }), b.listen(handler, { signal: controller.signal })];
    await a.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ i })));
    await waitFor(() => seen.size === 200, 30_000, "all 200 messages");
    await waitFor(async () => (await a.getDepth()).queued === 0, 10_000, "an empty queue");
    controller.abort();
    await Promise.all(listening);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  it("claims in batches yet never runs two messages of one ordering key at once, nor more than its concurrency", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "batch", pollIntervalMs: 20, concurrency: 6 });
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let keyedRunning = 0;
    let maxKeyed = 0;
    const controller = new AbortController();
    const listening = q.listen(async (m) => {
      const { i, keyed } = m as { i: number; keyed: boolean };
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (keyed) {
        keyedRunning++;
        maxKeyed = Math.max(maxKeyed, keyedRunning);
        order.push(i);
      }
      await new Promise((r) => setTimeout(r, 5));
      if (keyed) keyedRunning--;
      running--;
    }, { signal: controller.signal });
    for (let i = 0; i < 8; i++) await q.enqueue({ i, keyed: true }, { orderingKey: "post-1" });
    await q.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ i, keyed: false })));
    await waitFor(async () => (await q.getDepth()).queued === 0, 20_000, "an empty queue");
    controller.abort();
    await listening;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxKeyed).toBe(1);
    expect(maxRunning).toBeLessThanOrEqual(6);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it("gives a message whose consumer died to another one after the lease", async () => {
    // The dying consumer has its own connection, which "dies" with it (so its lease renewals stop).
    const dying = openDb(t.url);
    const crashed = new KyselyMessageQueue(dying, { queue: "lease", pollIntervalMs: 20, leaseMs: 500 });
    let started = false;
    const dead = new AbortController();
    void crashed.listen(() => {
      started = true;
      return new Promise(() => {}); // never finishes, as if the process was killed mid-handler
    }, { signal: dead.signal }).catch(() => {});
    await crashed.enqueue({ job: "survive" });
    await waitFor(() => started, 10_000, "the first claim");
    dead.abort(); // stop claiming and LISTENing; the stuck handler's lease renewals die with the connection
    await dying.close().catch(() => {});
    const survivor = new KyselyMessageQueue(other, { queue: "lease", pollIntervalMs: 20, leaseMs: 500 });
    const got: unknown[] = [];
    const controller = new AbortController();
    const listening = survivor.listen((m) => void got.push(m), { signal: controller.signal });
    await waitFor(() => got.length === 1, 15_000, "redelivery");
    expect(got).toEqual([{ job: "survive" }]);
    await waitFor(async () => (await survivor.getDepth()).queued === 0, 10_000, "the message deleted");
    controller.abort();
    await listening;
  });

  it("honours delays and keeps a failing message for a later try", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "delay", pollIntervalMs: 20 });
    const got = new Map<string, number>();
    const controller = new AbortController();
    const t0 = Date.now();
    let failures = 0;
    const listening = q.listen((m) => {
      const k = (m as { k: string }).k;
      if (k === "flaky" && failures === 0) {
        failures++;
        throw new Error("boom");
      }
      got.set(k, Date.now() - t0);
    }, { signal: controller.signal });
    await q.enqueue({ k: "later" }, { delay: duration(700) });
    await q.enqueue({ k: "now" });
    await q.enqueue({ k: "flaky" });
    await waitFor(() => got.has("later") && got.has("now"), 10_000, "the due and the delayed message");
    expect(got.get("later")!).toBeGreaterThanOrEqual(650);
    await waitFor(() => got.has("flaky"), 15_000, "the failed message, tried again");
    expect(failures).toBe(1);
    controller.abort();
    await listening;
    expect((await q.getDepth()).queued).toBe(0);
  });
});
