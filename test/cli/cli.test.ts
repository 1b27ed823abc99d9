import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../src/domain/accounts.ts";
import { openDb } from "../../src/storage/db.ts";
import { LocalUrls } from "../../src/urls.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { remoteAccount } from "../helpers/fixtures.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

describe("pictor CLI", () => {
  let database: TestDatabase;
  let dataDir: string;
  const pictor = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [join(ROOT, "bin/pictor.js"), ...args], {
        cwd: dataDir,
        env: { ...process.env, DATABASE_URL: database.url, DATA_DIR: dataDir, PUBLIC_URL: "https://pictor.example", LOG_LEVEL: "warning" },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e: any) {
      return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "pictor-cli-"));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("migrates, creates and lists accounts", async () => {
    const m = await pictor("migrate");
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/Applied: 0001_accounts/);
    expect((await pictor("migrate")).stdout).toMatch(/up to date/);
    const c = await pictor("account", "create", "--username", "alice", "--password", "a long password", "--display-name", "Alice", "--admin");
    expect(c).toMatchObject({ code: 0 });
    expect(c.stdout).toContain("Created @alice@pictor.example (https://pictor.example/users/alice)");
    const l = await pictor("account", "list");
    expect(l.stdout).toMatch(/@alice@pictor\.example\tAlice\tadmin/);
  });

  it("blocks, unblocks, mutes and unmutes; a Block for a remote account waits on the queue", async () => {
    expect((await pictor("account", "create", "--username", "bea", "--password", "a long password")).code).toBe(0);
    const db = openDb(database.url);
    try {
      const pairs = async (table: "blocks" | "mutes") =>
        (
          await db.kysely
            .selectFrom(table)
            .innerJoin("accounts as a", "a.id", `${table}.account_id`)
            .innerJoin("accounts as t", "t.id", `${table}.target_id`)
            .select(["a.username as a", "t.username as t"])
            .execute()
        ).map((r) => `${r.a}>${r.t}`);
      const b = await pictor("block", "--account", "alice", "--target", "bea");
      expect(b).toMatchObject({ code: 0, stdout: "@alice blocks @bea@pictor.example\n" });
      expect((await pictor("block", "--account", "alice", "--target", "@bea@pictor.example")).code).toBe(0);
      expect(await pairs("blocks")).toEqual(["alice>bea"]);
      const u = await pictor("unblock", "--account", "alice", "--target", "bea");
      expect(u.stdout).toBe("@alice no longer blocks @bea@pictor.example\n");
      expect((await pictor("unblock", "--account", "alice", "--target", "bea")).stdout).toBe("@alice was not blocking @bea@pictor.example\n");
      expect(await pairs("blocks")).toEqual([]);

      expect((await pictor("mute", "--account", "alice", "--target", "https://pictor.example/users/bea")).stdout).toBe("@alice mutes @bea@pictor.example\n");
      expect(await pairs("mutes")).toEqual(["alice>bea"]);
      expect((await pictor("unmute", "--account", "alice", "--target", "bea")).stdout).toBe("@alice no longer mutes @bea@pictor.example\n");
      expect(await pairs("mutes")).toEqual([]);

      // A remote account we know: blocking it queues a Block for its inbox (a worker sends it); muting queues nothing.
      await new AccountService(db, new LocalUrls(new URL("https://pictor.example"))).upsertRemote(remoteAccount("rob"));
      const queued = async () =>
        (await db.kysely.selectFrom("queue_messages").select("message").where("queue", "=", "fedify").execute()).map((r) => r.message);
      const before = (await queued()).length;
      expect((await pictor("mute", "--account", "alice", "--target", "@rob@remote.example")).code).toBe(0);
      expect((await queued()).length).toBe(before);
      expect((await pictor("block", "--account", "alice", "--target", "@rob@remote.example")).stdout).toBe("@alice blocks @rob@remote.example\n");
      const messages = (await queued()).slice(before);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('"Block"');
      expect(messages[0]).toContain("https://remote.example/users/rob");
    } finally {
      await db.close();
    }
  });

  it("generates images with the builtin provider and posts them", async () => {
    const g = await pictor("generate", "--account", "alice", "--prompt", "a red kite over hills", "--size", "512x512", "--seed", "3", "--images", "2");
    expect(g.code).toBe(0);
    const urls = g.stdout.trim().split("\n");
    expect(urls).toHaveLength(2);
    for (const u of urls) expect(u).toMatch(/^https:\/\/pictor\.example\/media\/[0-9a-f]{64}\.(jpg|png)$/);
    expect(g.stderr).toMatch(/queued|running/);
    expect(g.stderr).toMatch(/done/);
    const p = await pictor("post", "--account", "alice", "--prompt", "a blue kite", "--caption", "Kites #sky", "--size", "256x256", "--visibility", "unlisted");
    expect(p.code).toBe(0);
    expect(p.stdout.trim()).toMatch(/^https:\/\/pictor\.example\/@alice\/[0-9a-f-]{36}$/);
  });

  it.each([
    [["generate", "--account", "alice", "--prompt", "x", "--images", "two"], 2, /--images must be a whole number/],
    [["generate", "--account", "alice"], 2, /--prompt is required/],
    [["generate", "--account", "alice", "--prompt", "x", "--size", "big"], 1, /WIDTHxHEIGHT/],
    [["generate", "--account", "alice", "--prompt", "x", "--model", "dall-e-9"], 1, /Unknown model/],
    [["post", "--account", "alice", "--prompt", "x", "--visibility", "secret"], 2, /--visibility must be/],
    [["account", "create", "--username", "alice", "--password", "a long password"], 1, /taken/],
    [["account", "create", "--username", "b c", "--password", "a long password"], 1, /Username must be/],
    [["account", "create", "--username", "bob", "--password", "short"], 1, /at least 10 characters/],
    [["account", "create", "--username", "bob"], 2, /--password is required/],
    [["account", "create", "--username", "bob", "--pasword", "x"], 2, /Unknown option '--pasword'/],
    [["account", "frobnicate"], 2, /Unknown account command/],
    [["nope"], 2, /Unknown command "nope"/],
    [["follow", "--account", "nobody", "--target", "@x@y.example"], 1, /No local account "nobody"/],
    [["follow", "--account", "alice", "--target", "not a handle"], 1, /neither @user@host nor a URL/],
    [["block", "--account", "alice", "--target", "alice"], 1, /cannot block itself/],
    [["mute", "--account", "alice", "--target", "nobody"], 1, /No local account "nobody"/],
    [["unblock", "--account", "alice"], 2, /--target is required/],
  ])("pictor %j fails with a one-line error", async (args, code, message) => {
    const r = await pictor(...args);
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it("refuses a bad configuration, naming the variable", async () => {
    const r = await run(process.execPath, [join(ROOT, "bin/pictor.js"), "account", "list"], {
      cwd: dataDir,
      env: { ...process.env, DATABASE_URL: database.url, PUBLIC_URL: "not a url" },
    }).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUBLIC_URL/);
  });
});
