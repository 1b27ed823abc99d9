import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPictor, type Pictor } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { DomainError } from "../src/domain/errors.ts";
import { QuotaError } from "../src/domain/generations.ts";
import { type Kdf, PasswordHasher } from "../src/domain/passwords.ts";
import { persistentStores } from "../src/stores.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { TEST_ORIGIN } from "./helpers/pictor.ts";
import { Client } from "./web/browser-client.ts";

/**
 * Bursts against limits that are checked and then written: the count and the
 * insert must be one atomic step on both databases. No queue consumer runs
 * here, so jobs stay queued and every one of them counts.
 */
describe("quotas and single-use invitations under concurrent requests", () => {
  let pictor: Pictor;
  let database: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "pictor-data-"));
    const config = loadConfig({
      PUBLIC_URL: TEST_ORIGIN,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      GENERATION_MAX_CONCURRENT: "2",
      GENERATION_DAILY_LIMIT: "5",
      REGISTRATIONS: "invite",
    });
    pictor = await createPictor(config, { stores: persistentStores });
    // A fast stand-in for scrypt (the real one is 128 MiB and a third of a second a hash): the bursts
    // below then reach their transactions closer together, which only makes the races more likely.
    const fastKdf: Kdf = async (password, salt) => createHash("sha512").update(salt).update(password).digest();
    (pictor.accounts as { hasher: PasswordHasher }).hasher = new PasswordHasher({ concurrency: 2, maxWaiting: 100, kdf: fastKdf });
  });
  afterAll(async () => {
    await pictor?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const burst = async (account: Parameters<Pictor["generations"]["request"]>[0], n = 30) => {
    const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => pictor.generations.request(account, { prompt: `burst ${i}`, size: "256x256", n: 1 })));
    for (const s of settled) if (s.status === "rejected") expect(s.reason).toBeInstanceOf(DomainError);
    return settled;
  };
  const jobsOf = (accountId: string) => pictor.db.kysely.selectFrom("generation_jobs").select(["state", "n"]).where("account_id", "=", accountId).execute();

  it("makes exactly one admin when the first-run setup is sent several times at once", { timeout: 90_000 }, async () => {
    const visitors = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new Client(pictor);
        await c.page("/setup");
        return c;
      }),
    );
    const answers = await Promise.all(visitors.map((c, i) => c.form("/setup", { username: `first${i}`, password: "a long password" })));
    for (const res of answers) expect([303, 422, 503]).toContain(res.status);
    expect(answers.filter((r) => r.status === 303)).toHaveLength(1);
    expect(await pictor.accounts.countLocal()).toBe(1);
  });

  it("holds the concurrency limit: 30 requests at once make exactly 2 jobs", async () => {
    const ann = await pictor.accounts.createLocal({ username: "ann", password: "a long password" });
    const settled = await burst(ann);
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(2);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
    expect(rejected.every((s) => (s.reason as DomainError).code === "too_many_jobs")).toBe(true);
    expect(await jobsOf(ann.id)).toHaveLength(2);
  });

  it("holds the daily limit: 30 requests at once make exactly 5 images", async () => {
    await pictor.instance.setGenerationLimits({ maxConcurrent: 100, dailyImages: 5 });
    const ben = await pictor.accounts.createLocal({ username: "ben", password: "a long password" });
    const settled = await burst(ben);
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(5);
    const jobs = await jobsOf(ben.id);
    expect(jobs.reduce((sum, j) => sum + Number(j.n), 0)).toBe(5);
    // The refusals say so with the numbers, and the account's quota agrees with what was stored.
    const first = await pictor.db.kysely.selectFrom("generation_jobs").select("created_at").where("account_id", "=", ben.id).orderBy("created_at").executeTakeFirstOrThrow();
    const resetsAt = new Date(Date.parse(first.created_at) + 24 * 3600 * 1000).toISOString();
    const refusal = settled.find((s): s is PromiseRejectedResult => s.status === "rejected")!.reason as QuotaError;
    expect(refusal).toBeInstanceOf(QuotaError);
    expect(refusal.message).toBe(`You have used all 5 images of the last 24 hours; more from ${resetsAt.slice(11, 16)} UTC`);
    expect(await pictor.generations.quota(ben)).toEqual({ limit: 5, used: 5, remaining: 0, resetsAt });
  });

  it("lets a request take exactly what is left, and names the count when it asks for more", async () => {
    const cy = await pictor.accounts.createLocal({ username: "cy", password: "a long password" });
    expect(await pictor.generations.quota(cy)).toEqual({ limit: 5, used: 0, remaining: 5, resetsAt: null });
    await pictor.generations.request(cy, { prompt: "three", size: "256x256", n: 3 });
    const over = await pictor.generations.request(cy, { prompt: "four", size: "256x256", n: 4 }).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(QuotaError);
    expect((over as QuotaError).quota).toMatchObject({ limit: 5, used: 3, remaining: 2 });
    expect((over as QuotaError).message).toMatch(/^You asked for 4 images but only 2 of 5 are left today: ask for 2 or fewer; more from \d\d:\d\d UTC$/);
    await pictor.generations.request(cy, { prompt: "two", size: "256x256", n: 2 });
    expect((await pictor.generations.quota(cy)).remaining).toBe(0);
  });

  it("spends a single-use invitation on exactly one account, however many sign up at once", { timeout: 90_000 }, async () => {
    const admin = await pictor.accounts.createLocal({ username: "boss", password: "a long password", admin: true });
    const code = await pictor.instance.createInvite(admin.id);
    const guests = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const c = new Client(pictor);
        await c.page(`/signup?invite=${code}`);
        return c;
      }),
    );
    const answers = await Promise.all(guests.map((c, i) => c.form("/signup", { invite: code, username: `guest${i}`, password: "a long password" })));
    // Losers are told the invitation is spent (or, when too many hash at once, to try again): never a 500.
    for (const res of answers) expect([303, 404, 422, 503]).toContain(res.status);
    expect(answers.filter((r) => r.status === 303)).toHaveLength(1);
    const created = (await pictor.accounts.listLocal()).filter((a) => a.username.startsWith("guest"));
    expect(created).toHaveLength(1);
    const invite = await pictor.db.kysely.selectFrom("invites").selectAll().executeTakeFirstOrThrow();
    expect(invite.used_by).toBe(created[0].id);
    // The accounts that lost the race were not kept half-made.
    const orphans = await pictor.db.kysely.selectFrom("accounts").select("username").where("username", "like", "guest%").execute();
    expect(orphans).toHaveLength(1);

    // The service refuses a spent invitation too, leaving no account behind.
    const late = await pictor.accounts.createLocal({ username: "late", password: "a long password" }, { inTransaction: (trx, id) => pictor.instance.spendInvite(trx, code, id) }).catch((e) => e);
    expect(late).toBeInstanceOf(DomainError);
    expect(await pictor.accounts.getLocalByUsername("late")).toBeUndefined();
  });
});
