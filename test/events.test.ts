import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainEvents } from "../src/domain/events.ts";
import type { Db } from "../src/storage/db.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import { createTestDb } from "./helpers/db.ts";

// The transactional outbox: an event is written with its change, handled after
// the commit, and handled again later when its handlers did not all succeed
// (or its process died). A rolled-back change leaves no event.

const account = { id: "a1", username: "alice" } as AccountRow;

describe("domain events with a transactional outbox", () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await createTestDb());
  });
  afterAll(async () => cleanup());
  const pending = () => db.kysely.selectFrom("domain_events").selectAll().execute();

  it("handles an event after its commit and keeps nothing once handled", async () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    events.on("account.updated", ({ account }) => void seen.push(account.id));
    const value = await events.transaction(db, async (_trx, stage) => {
      stage("account.updated", { account });
      // Not yet: handlers run after the commit.
      expect(seen).toEqual([]);
      return 42;
    });
    expect(value).toBe(42);
    expect(seen).toEqual(["a1"]);
    expect(await pending()).toEqual([]);
  });

  it("writes no event when the change rolls back", async () => {
    const events = new DomainEvents();
    let handled = 0;
    events.on("account.updated", () => void handled++);
    await expect(
      events.transaction(db, async (_trx, stage) => {
        stage("account.updated", { account });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(handled).toBe(0);
    expect(await pending()).toEqual([]);
  });

  it("retries an event whose handler failed, and one whose process died after the commit", async () => {
    const errors: unknown[] = [];
    let failures = 1;
    const handled: string[] = [];
    const events = new DomainEvents((_e, error) => void errors.push(error), { leaseMs: 60_000 });
    events.on("account.updated", ({ account }) => {
      if (failures-- > 0) throw new Error("the inbox is down");
      handled.push(account.id);
    });
    await events.transaction(db, async (_trx, stage) => stage("account.updated", { account }));
    expect(errors).toHaveLength(1);
    const [row] = await pending();
    expect(row).toMatchObject({ name: "account.updated", attempts: 1, last_error: "a handler for account.updated failed" });
    // It waits (backs off) before the next try.
    expect(await events.dispatchDue(db)).toBe(0);
    await db.kysely.updateTable("domain_events").set({ claimed_until: new Date(0).toISOString() }).execute();
    expect(await events.dispatchDue(db)).toBe(1);
    expect(handled).toEqual(["a1"]);
    expect(await pending()).toEqual([]);

    // A process that committed and died before its handlers: another process handles the event once the claim runs out.
    const dying = new DomainEvents(() => {}, {
      leaseMs: 1_000,
      afterCommit: () => {
        throw new Error("killed");
      },
    });
    await expect(dying.transaction(db, async (_trx, stage) => stage("account.updated", { account: { ...account, id: "a2" } }))).rejects.toThrow("killed");
    expect(await pending()).toHaveLength(1);
    expect(await events.dispatchDue(db)).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100));
    // Two dispatchers at once: the event is handled once.
    const [x, y] = await Promise.all([events.dispatchDue(db), events.dispatchDue(db)]);
    expect(x + y).toBe(1);
    expect(handled).toEqual(["a1", "a2"]);
    expect(await pending()).toEqual([]);
  });
});
