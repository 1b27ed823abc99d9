import { configure, type LogRecord, reset } from "@logtape/logtape";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../federation/queue.ts";
import type { Db } from "../src/storage/db.ts";
import { createTestDb } from "./helpers/db.ts";
import { waitFor } from "./helpers/pictor.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outbox = (origin: string, n: string, extra: Record<string, unknown> = {}) => ({ type: "outbox", inbox: `${origin}/inbox`, n, ...extra });

/** Resilience of the queue on the dialect under test: database errors, unfair origins, failures that never end. */
describe("KyselyMessageQueue under failure", () => {
  let t: { db: Db; url: string; cleanup(): Promise<void> };
  const logs: LogRecord[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(async () => {
    t = await createTestDb();
    await configure({
      reset: true,
      sinks: { memory: (record) => void logs.push(record) },
      loggers: [
        { category: ["pictor"], lowestLevel: "debug", sinks: ["memory"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await reset();
    await t?.cleanup();
  });

  it("survives its table vanishing mid-run: errors logged without bodies, claims backed off, nothing lost", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "vanish", pollIntervalMs: 20, leaseMs: 600, concurrency: 4 });
    const handled = new Map<number, number>();
    let broken = false;
    const controller = new AbortController();
    const listening = q.listen(
      async (m) => {
        const { i } = m as { i: number };
        await sleep(10);
        // As a handler finds the database gone: it throws, and its failure path finds it gone too.
        if (broken) throw new Error("database unavailable");
        handled.set(i, (handled.get(i) ?? 0) + 1);
      },
      { signal: controller.signal },
    );
    const TOTAL = 40;
    await q.enqueueMany(Array.from({ length: TOTAL }, (_, i) => ({ i, secret: "PRIVATE-KEY-MATERIAL" })));
    await waitFor(() => handled.size >= 2, 10_000, "the first messages");
    broken = true;
    await sleep(30);
    await sql`ALTER TABLE queue_messages RENAME TO queue_messages_away`.execute(t.db.kysely);
    let claimFailures: number;
    try {
      const since = logs.length;
      await sleep(1500);
      claimFailures = logs.slice(since).filter((r) => String(r.rawMessage).startsWith("Claiming from")).length;
    } finally {
      await sql`ALTER TABLE queue_messages_away RENAME TO queue_messages`.execute(t.db.kysely);
    }
    // Backed off (100 ms doubling, at most 5 s), not retried on every 20 ms poll.
    expect(claimFailures).toBeGreaterThanOrEqual(1);
    expect(claimFailures).toBeLessThanOrEqual(8);
    broken = false;
    await waitFor(() => handled.size === TOTAL, 20_000, `every message handled (had ${handled.size})`);
    await waitFor(async () => (await q.getDepth()).queued === 0, 10_000, "an empty queue");
    controller.abort();
    await listening;
    expect(unhandled).toEqual([]);
    expect(await q.deadLetters()).toEqual([]);
    const text = JSON.stringify(logs.map((r) => [r.rawMessage, r.properties]));
    expect(text).toContain("Claiming from");
    expect(text).not.toContain("PRIVATE-KEY-MATERIAL");
  });

  it("keeps slots for healthy origins and inbound work while five origins hang", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "fair", pollIntervalMs: 20, concurrency: 8 });
    const hanging = ["a", "b", "c", "d", "e"].map((h) => `https://${h}.example`);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled = new Set<string>();
    const running = new Map<string, number>();
    let maxPerOrigin = 0;
    const controller = new AbortController();
    const listening = q.listen(
      async (m) => {
        const msg = m as { inbox?: string; n: string };
        const origin = msg.inbox ? new URL(msg.inbox).origin : "inbound";
        running.set(origin, (running.get(origin) ?? 0) + 1);
        if (origin !== "inbound") maxPerOrigin = Math.max(maxPerOrigin, running.get(origin)!);
        try {
          if (hanging.includes(origin)) await gate; // an inbox that never answers
          handled.add(msg.n);
        } finally {
          running.set(origin, running.get(origin)! - 1);
        }
      },
      { signal: controller.signal },
    );
    // A backlog for the hanging inboxes first (arriving one server after another, each claimed as it comes),
    // then a healthy follower's deliveries and inbound activities.
    for (const origin of hanging) {
      await q.enqueueMany(Array.from({ length: 6 }, (_, k) => outbox(origin, `${origin}#${k}`)));
      await sleep(50);
    }
    await q.enqueueMany(Array.from({ length: 3 }, (_, k) => outbox("https://healthy.example", `healthy#${k}`)));
    await q.enqueueMany(Array.from({ length: 3 }, (_, k) => ({ type: "inbox", n: `inbound#${k}` })));
    const t0 = Date.now();
    try {
      await waitFor(() => ["healthy#0", "healthy#1", "healthy#2", "inbound#0", "inbound#1", "inbound#2"].every((n) => handled.has(n)), 5_000, "healthy and inbound work");
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(maxPerOrigin).toBeLessThanOrEqual(2); // max(1, floor(8 / 4))
      release();
      await waitFor(() => handled.size === 36, 15_000, "the backlog once the inboxes answer");
    } finally {
      release();
      controller.abort();
      await listening;
    }
  });

  it("stops counting a handler against its slots once it overruns its deadline", async () => {
    // More hanging origins than slots (4): only the deadline frees them.
    const q = new KyselyMessageQueue(t.db, { queue: "deadline", pollIntervalMs: 20, concurrency: 4, slowAfterMs: 200 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled = new Set<string>();
    let inFlight = 0;
    let maxInFlight = 0;
    const controller = new AbortController();
    const listening = q.listen(
      async (m) => {
        const msg = m as { inbox: string; n: string };
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (!msg.inbox.startsWith("https://healthy.")) await gate;
          handled.add(msg.n);
        } finally {
          inFlight--;
        }
      },
      { signal: controller.signal },
    );
    for (let h = 0; h < 7; h++) await q.enqueue(outbox(`https://hang${h}.example`, `hang${h}`));
    await q.enqueue(outbox("https://healthy.example", "healthy"));
    try {
      await waitFor(() => handled.has("healthy"), 5_000, "the healthy delivery");
      // Overdue handlers still run (and keep their leases), but at most `concurrency` of them besides the slots.
      expect(maxInFlight).toBeLessThanOrEqual(8);
      release();
      await waitFor(() => handled.size === 8, 10_000, "the hanging ones once released");
    } finally {
      release();
      controller.abort();
      await listening;
    }
    expect((await q.getDepth()).queued).toBe(0);
  });

  it("moves a message that always fails to the dead letters, where it can be retried or dropped", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "dead", pollIntervalMs: 20, maxAttempts: 3, retryDelayMs: () => 10 });
    let fixed = false;
    const tries = new Map<string, number>();
    const handled: string[] = [];
    const controller = new AbortController();
    const listening = q.listen(
      (m) => {
        const { k } = m as { k: string };
        tries.set(k, (tries.get(k) ?? 0) + 1);
        if (k.startsWith("poison") && !fixed) throw new Error(`cannot handle ${k}`);
        handled.push(k);
      },
      { signal: controller.signal },
    );
    await q.enqueue({ k: "poison-1", secret: "PRIVATE-KEY-MATERIAL" }, { orderingKey: "post-1" });
    await q.enqueue({ k: "after-poison" }, { orderingKey: "post-1" });
    await q.enqueue(outbox("https://gone.example", "x", { k: "poison-2", activityType: "Create" }));
    await waitFor(async () => (await q.deadLetters()).length === 2, 10_000, "two dead letters");
    expect(tries.get("poison-1")).toBe(3);
    expect(tries.get("poison-2")).toBe(3);
    // The message after a dead one with the same ordering key is not stuck behind it.
    await waitFor(() => handled.includes("after-poison"), 5_000, "the next message of the ordering key");
    const letters = await q.deadLetters();
    const second = letters.find((l) => l.origin === "https://gone.example")!;
    expect(second).toMatchObject({ queue: "dead", attempts: 3, error: "cannot handle poison-2", kind: "outbox", activityType: "Create" });
    expect(JSON.stringify(letters)).not.toContain("PRIVATE-KEY-MATERIAL");
    expect((await q.getDepth()).queued).toBe(0);
    // Retry one after the fault is fixed; drop the other.
    fixed = true;
    const first = letters.find((l) => l.origin === null)!;
    expect(await q.retryDeadLetter(first.id)).toBe(true);
    await waitFor(() => handled.includes("poison-1"), 5_000, "the retried message");
    expect(await q.dropDeadLetter(second.id)).toBe(true);
    expect(await q.dropDeadLetter(second.id)).toBe(false);
    expect(await q.retryDeadLetter("no-such-id")).toBe(false);
    expect(await q.deadLetters()).toEqual([]);
    expect(tries.get("poison-2")).toBe(3);
    controller.abort();
    await listening;
  });

  it("dead-letters a message whose consumers keep dying, without running it again", async () => {
    const q = new KyselyMessageQueue(t.db, { queue: "crashy", pollIntervalMs: 20, maxAttempts: 3 });
    const past = new Date(Date.now() - 60_000).toISOString();
    // As three workers that each died mid-handler leave it: claimed three times, lease lapsed.
    await t.db.kysely
      .insertInto("queue_messages")
      .values({ id: "00000000-0000-7000-8000-00000000dead", queue: "crashy", message: JSON.stringify({ k: "kills-workers" }), ordering_key: null, run_at: past, locked_until: past, locked_by: "gone", attempts: 3, created_at: past })
      .execute();
    await q.enqueue({ k: "fine" });
    const seen: string[] = [];
    const controller = new AbortController();
    const listening = q.listen((m) => void seen.push((m as { k: string }).k), { signal: controller.signal });
    await waitFor(async () => (await q.deadLetters()).length === 1, 10_000, "the dead letter");
    await waitFor(() => seen.includes("fine"), 5_000, "the other message");
    expect(seen).toEqual(["fine"]);
    expect((await q.deadLetters())[0]).toMatchObject({ attempts: 3, error: expect.stringMatching(/consumers stopped/) });
    controller.abort();
    await listening;
  });
});
