import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../src/domain/accounts.ts";
import { DomainError } from "../src/domain/errors.ts";
import { hashPassword, verifyPassword } from "../src/domain/passwords.ts";
import type { Db } from "../src/storage/db.ts";
import { INSTANCE_ACTOR, LocalUrls } from "../src/urls.ts";
import { createTestDb } from "./helpers/db.ts";

describe("accounts", () => {
  let t: { db: Db; cleanup(): Promise<void> };
  let accounts: AccountService;
  beforeAll(async () => {
    t = await createTestDb();
    accounts = new AccountService(t.db, new LocalUrls(new URL("https://pictor.example")));
  });
  afterAll(() => t.cleanup());

  it("creates a local account with a hashed password and two key pairs", async () => {
    const a = await accounts.createLocal({ username: "Dana", password: "long enough pw", displayName: "Dana", admin: true });
    expect(a).toMatchObject({ username: "dana", domain: null, iri: "https://pictor.example/users/dana", url: "https://pictor.example/@dana" });
    expect((await accounts.getLocalByUsername("DANA"))?.is_admin).toBe(1);
    const keys = await accounts.keyPairs(a.id);
    expect(keys.map((k) => k.kind)).toEqual(["rsa", "ed25519"]);
    expect(keys[0].privateJwk.kty).toBe("RSA");
    const row = await t.db.kysely.selectFrom("local_users").selectAll().where("account_id", "=", a.id).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain("long enough pw");
    expect(await accounts.checkPassword("dana", "long enough pw")).toMatchObject({ id: a.id });
    expect(await accounts.checkPassword("dana", "wrong password")).toBeUndefined();
  });

  it.each([
    [{ username: "dana", password: "long enough pw" }, /taken/],
    [{ username: "bad name", password: "long enough pw" }, /Username must be/],
    [{ username: "x".repeat(31), password: "long enough pw" }, /Username must be/],
    [{ username: "", password: "long enough pw" }, /Username must be/],
    [{ username: "instance", password: "long enough pw" }, /reserved/],
    [{ username: "eve", password: "short" }, /at least 10/],
  ])("refuses %o", async (input, message) => {
    const error = await accounts.createLocal(input).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.message).toMatch(message);
    expect(await accounts.getLocalByUsername("eve")).toBeUndefined();
  });

  it("creates the instance actor's keys once, even when asked concurrently", async () => {
    const [a, b] = await Promise.all([accounts.keyPairs(INSTANCE_ACTOR), accounts.keyPairs(INSTANCE_ACTOR)]);
    expect(a.map((k) => k.publicJwk)).toEqual(b.map((k) => k.publicJwk));
    expect((await accounts.keyPairs(INSTANCE_ACTOR)).map((k) => k.publicJwk)).toEqual(a.map((k) => k.publicJwk));
  });

  it("upserts remote accounts by IRI", async () => {
    const input = {
      iri: "https://remote.example/users/Zed",
      username: "Zed",
      domain: "Remote.Example",
      display_name: "Zed",
      bio_html: "",
      avatar_url: null,
      header_url: null,
      url: null,
      inbox_url: "https://remote.example/users/Zed/inbox",
      shared_inbox_url: null,
      followers_url: null,
      fetched_at: null,
    };
    const first = await accounts.upsertRemote(input);
    const second = await accounts.upsertRemote({ ...input, display_name: "Zed 2" });
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ username: "zed", domain: "remote.example", display_name: "Zed 2" });
  });

  it("hashes passwords with scrypt and its parameters", async () => {
    const h = await hashPassword("pässwörd-ünïcode");
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("pässwörd-ünïcode", h)).toBe(true);
    expect(await verifyPassword("password", h)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});
