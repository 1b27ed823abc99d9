import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../src/domain/accounts.ts";
import { NotificationService } from "../../src/domain/notifications.ts";
import { type Db, openDb } from "../../src/storage/db.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { newId, nowIso } from "../../src/storage/time.ts";
import { LocalUrls } from "../../src/urls.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { remoteAccount } from "../helpers/fixtures.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

/** `pictor follow-requests list|accept|reject`: answers go out as Accept or Reject, queued for the workers. */
describe("pictor follow-requests", () => {
  let database: TestDatabase;
  let dataDir: string;
  let db: Db;
  let carol: AccountRow;
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
  const queued = async () => (await db.kysely.selectFrom("queue_messages").select("message").where("queue", "=", "fedify").execute()).map((r) => r.message);
  /** A remote account's pending request to carol, announced as the inbox would. */
  const request = async (name: string) => {
    const accounts = new AccountService(db, new LocalUrls(new URL("https://pictor.example")));
    const follower = await accounts.upsertRemote(remoteAccount(name, { url: `https://remote.example/@${name}` }));
    const iri = `https://remote.example/users/${name}#follows/1`;
    await db.kysely.insertInto("follows").values({ id: newId(), iri, follower_id: follower.id, following_id: carol.id, state: "pending", created_at: nowIso(), accepted_at: null }).execute();
    await new NotificationService(db, { blocks: async () => false }).notify({ account: carol, type: "follow_request", actor: follower, sourceIri: iri });
    return follower;
  };
  const notifications = async () =>
    (await db.kysely.selectFrom("notifications").innerJoin("accounts", "accounts.id", "notifications.actor_id").select(["notifications.type", "accounts.username"]).where("notifications.account_id", "=", carol.id).execute())
      .map((n) => `${n.type} ${n.username}`)
      .sort();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "pictor-cli-"));
    expect((await pictor("account", "create", "--username", "carol", "--password", "a long password", "--locked")).code).toBe(0);
    db = openDb(database.url);
    carol = (await db.kysely.selectFrom("accounts").selectAll().where("username", "=", "carol").executeTakeFirstOrThrow()) as AccountRow;
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists requests, accepts one by handle and rejects one by URL, queuing the Accept and the Reject", async () => {
    expect((await pictor("follow-requests", "list", "--account", "carol")).stdout).toBe("@carol has no follow requests\n");
    const rob = await request("rob");
    const ria = await request("ria");
    const list = await pictor("follow-requests", "list", "--account", "carol");
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split("\n").map((l) => l.split("\t").slice(0, 2))).toEqual([
      ["@ria@remote.example", ria.iri],
      ["@rob@remote.example", rob.iri],
    ]);
    expect((await pictor("follow-requests", "list", "--account", "carol", "--from", "rob@remote.example")).stdout).toMatch(/^@rob@remote\.example\t/);

    const before = (await queued()).length;
    const accepted = await pictor("follow-requests", "accept", "--account", "carol", "--from", "@rob@remote.example");
    expect(accepted).toMatchObject({ code: 0, stdout: "@carol accepted the follow request from @rob@remote.example\n" });
    const rejected = await pictor("follow-requests", "reject", "--account", "carol", "--from", "https://remote.example/@ria");
    expect(rejected.stdout).toBe("@carol rejected the follow request from @ria@remote.example\n");

    const follows = await db.kysely.selectFrom("follows").select(["follower_id", "state"]).where("following_id", "=", carol.id).execute();
    expect(follows).toEqual([{ follower_id: rob.id, state: "accepted" }]);
    const messages = (await queued()).slice(before);
    expect(messages).toHaveLength(2);
    expect(messages.find((m) => m.includes('"Accept"'))).toContain("https://remote.example/users/rob/inbox");
    expect(messages.find((m) => m.includes('"Reject"'))).toContain("https://remote.example/users/ria/inbox");
    expect(await notifications()).toEqual(["follow rob"]);
  });

  it.each([
    [["follow-requests", "accept", "--account", "carol"], 2, /--from is required/],
    [["follow-requests", "accept", "--account", "carol", "--from", "@nobody@remote.example"], 1, /@carol has no follow request from @nobody@remote\.example/],
    [["follow-requests", "list", "--account", "nobody"], 1, /No local account "nobody"/],
    [["follow-requests", "approve", "--account", "carol"], 2, /Unknown follow-requests command "approve"/],
    [["follow-requests"], 2, /follow-requests needs a command/],
  ])("pictor %j fails with a one-line error", async (args, code, message) => {
    const r = await pictor(...args);
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
