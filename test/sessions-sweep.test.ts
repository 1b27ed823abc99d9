import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../src/app.ts";
import { startTestPictor } from "./helpers/pictor.ts";

describe("session cleanup", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  it("drops expired sessions on the workers' sweep and keeps live ones", async () => {
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    const live = await pictor.sessions.create(alice.id, "test");
    const old = await pictor.sessions.create(alice.id, "test");
    const rows = await pictor.db.kysely.selectFrom("sessions").select("id").execute();
    expect(rows).toHaveLength(2);
    // Expire one of them.
    const oldId = rows[0].id;
    await pictor.db.kysely.updateTable("sessions").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("id", "=", oldId).execute();
    await pictor.sweep();
    const left = await pictor.db.kysely.selectFrom("sessions").select("id").execute();
    expect(left.map((r) => r.id)).toEqual(rows.filter((r) => r.id !== oldId).map((r) => r.id));
    // The live token still signs in; whichever token was expired no longer does.
    const stillIn = [await pictor.sessions.account(live), await pictor.sessions.account(old)].filter(Boolean);
    expect(stillIn).toHaveLength(1);
  });
});
