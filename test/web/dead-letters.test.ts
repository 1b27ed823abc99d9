import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../../federation/queue.ts";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { MAX_EVENT_ATTEMPTS } from "../../src/domain/events.ts";
import { newId } from "../../src/storage/time.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

/**
 * A fan-out message Fedify can never handle (its key id is not a URL): it
 * fails on every attempt, so the federation queue sets it aside. It carries
 * "key material" that must never reach the page.
 */
const poison = () => ({
  type: "fanout",
  id: crypto.randomUUID(),
  baseUrl: TEST_ORIGIN,
  keys: [{ keyId: "not a key id", privateKey: { kty: "RSA", d: "PRIVATE-KEY-MATERIAL" } }],
  inboxes: {},
  activity: {},
  activityId: `${TEST_ORIGIN}/activities/poison`,
  activityType: "Create",
  collectionSync: null,
  traceContext: {},
});

describe("dead letters and the outbox on /admin", () => {
  let pictor: Pictor;
  let database: TestDatabase;
  let dataDir: string;
  let queue: KyselyMessageQueue;
  const controller = new AbortController();
  let consuming: Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "pictor-data-"));
    const config = loadConfig({ PUBLIC_URL: TEST_ORIGIN, DATABASE_URL: database.url, DATA_DIR: dataDir, ALLOW_PRIVATE_ADDRESS: "true" });
    pictor = await createPictor(config, {
      // As deployed, but giving up after 2 quick attempts instead of 10 over half an hour.
      stores: (db) => {
        queue = new KyselyMessageQueue(db, { queue: "fedify", concurrency: 8, pollIntervalMs: 20, maxAttempts: 2, retryDelayMs: () => 20 });
        return { ...persistentStores(db, { pollIntervalMs: 20 }), queue };
      },
    });
    consuming = pictor.startQueue(controller.signal);
  });
  afterAll(async () => {
    controller.abort();
    await consuming?.catch(() => {});
    await pictor?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = async (username: string, admin: boolean) => {
    await pictor.accounts.createLocal({ username, password: "a long password", admin });
    const client = new Client(pictor);
    await client.page("/login");
    expect((await client.form("/login", { username, password: "a long password" })).status).toBe(303);
    return client;
  };
  const letters = () => pictor.db.kysely.selectFrom("dead_letters").select(["id", "failed_at", "attempts"]).execute();
  const queued = (id: string) => pictor.db.kysely.selectFrom("queue_messages").select("id").where("id", "=", id).executeTakeFirst();

  it("lists a message that always fails (never its body); admins retry it back onto the queue or drop it; others get 404", async () => {
    const boss = await signIn("boss", true);
    const carl = await signIn("carl", false);
    await queue.enqueue(poison());
    const [first] = await waitFor(async () => ((await letters()).length === 1 ? letters() : undefined), 10_000, "the dead letter");
    expect(first.attempts).toBe(2);

    const { html } = await boss.page("/admin");
    expect(html).toContain('id="dead-letters"');
    expect(html).toContain("fedify");
    expect(html).toContain("fanout Create");
    expect(html).toContain("Invalid URL");
    expect(html).toContain(`/admin/dead-letters/${first.id}/retry`);
    expect(html).not.toContain("PRIVATE-KEY-MATERIAL");

    // Not an admin: 404 for both actions, and nothing moves; the page itself stays closed.
    await carl.page("/");
    for (const action of ["retry", "drop"]) expect((await carl.form(`/admin/dead-letters/${first.id}/${action}`, {})).status).toBe(404);
    expect((await carl.request("/admin")).status).toBe(403);
    // A forged CSRF token does nothing either.
    expect((await boss.form(`/admin/dead-letters/${first.id}/drop`, { _csrf: "forged-token-forged-token" })).status).toBe(403);
    expect(await letters()).toEqual([first]);

    // Retry: back on the queue with its attempts reset, tried twice more, set aside again.
    const retried = await boss.form(`/admin/dead-letters/${first.id}/retry`, {});
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe("/admin#dead-letters");
    const again = await waitFor(async () => (await letters()).find((l) => l.id === first.id && l.failed_at > first.failed_at), 10_000, "the retried message failing again");
    expect(again.attempts).toBe(2);

    // Drop: gone for good, from both tables.
    await boss.page("/admin");
    expect((await boss.form(`/admin/dead-letters/${first.id}/drop`, {})).status).toBe(303);
    expect(await letters()).toEqual([]);
    expect(await queued(first.id)).toBeUndefined();
    expect((await boss.page("/admin")).html).not.toContain(`/admin/dead-letters/${first.id}/`);
    expect((await boss.form(`/admin/dead-letters/${first.id}/drop`, {})).status).toBe(404);
    expect((await boss.form(`/admin/dead-letters/${first.id}/retry`, {})).status).toBe(404);
  });

  it("shows how many domain events wait in the outbox, and those that hit the attempt limit with their last error", async () => {
    const root = await signIn("root", true);
    const later = new Date(Date.now() + 3600_000).toISOString();
    const never = new Date(Date.now() + 100 * 365 * 86400_000).toISOString();
    const now = new Date().toISOString();
    await pictor.db.kysely
      .insertInto("domain_events")
      .values([
        { id: newId(), name: "post.published", payload: "{}", created_at: now, claimed_until: later, attempts: 3, last_error: "a handler for post.published failed" },
        { id: newId(), name: "follow.accepted", payload: "{}", created_at: now, claimed_until: never, attempts: MAX_EVENT_ATTEMPTS, last_error: "a handler for follow.accepted failed" },
      ])
      .execute();
    expect(await pictor.db.kysely.selectFrom("domain_events").select("id").execute()).toHaveLength(2);
    const { html } = await root.page("/admin");
    const outbox = html.slice(html.indexOf('id="outbox"'));
    expect(outbox).toMatch(/waiting to be handled: <strong>1<\/strong>/);
    expect(outbox).toMatch(/too many attempts: <strong>1<\/strong>/);
    expect(outbox).toContain("follow.accepted");
    expect(outbox).toContain("a handler for follow.accepted failed");
    expect(outbox).not.toContain("a handler for post.published failed");
  });
});
