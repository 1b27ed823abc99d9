import { afterEach, describe, expect, it } from "vitest";
import { type Db, dialectOf } from "../src/storage/db.ts";
import { migrateToLatest } from "../src/storage/migrate.ts";
import { newId, nowIso } from "../src/storage/time.ts";
import { createTestDb, TEST_DATABASE_URL } from "./helpers/db.ts";

describe("storage", () => {
  let t: { db: Db; cleanup(): Promise<void> } | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("opens the dialect under test and migrates idempotently", async () => {
    t = await createTestDb();
    expect(t.db.dialect).toBe(TEST_DATABASE_URL ? "postgres" : "sqlite");
    expect(await migrateToLatest(t.db)).toEqual([]);
  });

  it("enforces one local account per username and one account per IRI, but allows the same name remotely", async () => {
    t = await createTestDb();
    const row = (username: string, domain: string | null) => ({
      id: newId(),
      iri: `https://${domain ?? "local"}/users/${username}/${newId()}`,
      username,
      domain,
      created_at: nowIso(),
      updated_at: nowIso(),
      avatar_url: null,
      header_url: null,
      url: null,
      inbox_url: null,
      shared_inbox_url: null,
      followers_url: null,
      fetched_at: null,
    });
    const k = t.db.kysely;
    await k.insertInto("accounts").values(row("alice", null)).execute();
    await k.insertInto("accounts").values(row("alice", "remote.example")).execute();
    await expect(k.insertInto("accounts").values(row("alice", null)).execute()).rejects.toThrow();
    // A remote account's identity is its IRI: another actor with the same name on the same host is stored too.
    const twin = row("alice", "remote.example");
    await k.insertInto("accounts").values(twin).execute();
    await expect(k.insertInto("accounts").values({ ...twin, id: newId() }).execute()).rejects.toThrow();
    const count = await k.selectFrom("accounts").select((e) => e.fn.countAll().as("n")).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
  });

  it("tells dialects apart by URL", () => {
    expect(dialectOf("postgres://u@h/db")).toBe("postgres");
    expect(dialectOf("postgresql://u@h/db")).toBe("postgres");
    expect(dialectOf("sqlite:/tmp/x.sqlite")).toBe("sqlite");
    expect(dialectOf("./data/x.sqlite")).toBe("sqlite");
  });
});
