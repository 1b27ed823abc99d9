import { afterEach, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";

type TestPictor = Pictor & { stop(): Promise<void> };

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A job "running" under a worker that died: taken over as soon as the worker's queue lease lapses, not 15 minutes later. */
describe("generation jobs whose worker died", () => {
  let pictor: TestPictor | undefined;
  afterEach(async () => {
    await pictor?.stop();
    pictor = undefined;
  });

  async function runningJob(p: TestPictor, account: AccountRow, id: string, startedMsAgo: number, attempts = 1): Promise<void> {
    const started = ago(startedMsAgo);
    await p.db.kysely
      .insertInto("generation_jobs")
      .values({ id, account_id: account.id, prompt: `job ${id}`, provider: "builtin", model: "builtin-v1", size: "256x256", n: 1, seed: 1, quality: null, source_media_id: null, state: "running", error_code: null, error_message: null, attempts, created_at: started, started_at: started, finished_at: null })
      .execute();
  }

  async function jobMessage(p: TestPictor, jobId: string, lockedUntil: string): Promise<void> {
    await p.db.kysely
      .insertInto("queue_messages")
      .values({ id: `m-${jobId}`, queue: "jobs", message: JSON.stringify({ jobId }), ordering_key: null, run_at: ago(60_000), locked_until: lockedUntil, locked_by: "a-dead-worker", attempts: 1, created_at: ago(60_000) })
      .execute();
  }

  it("finishes a job a minute after its worker died, as soon as the queue hands its message out again", async () => {
    pictor = await startTestPictor();
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const id = "01900000-0000-7000-8000-00000000aaa1";
    await runningJob(pictor, alice, id, 60_000);
    await jobMessage(pictor, id, ago(1_000)); // the dead worker's lease has just run out
    const done = await waitFor(async () => ((await pictor!.generations.get(id))?.state === "done" ? pictor!.generations.status(id) : undefined), 20_000, "the job taken over");
    expect(done.media).toHaveLength(1);
    expect(done.job.attempts).toBe(2);
    // It no longer counts against alice's limit: she can ask again.
    await expect(pictor.generations.request(alice, { prompt: "another", size: "256x256" })).resolves.toMatchObject({ state: "queued" });
  });

  it("the sweeper queues again a running job that has no message left, but leaves one a live worker holds", async () => {
    pictor = await startTestPictor();
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const lost = "01900000-0000-7000-8000-00000000aaa2";
    const alive = "01900000-0000-7000-8000-00000000aaa3";
    await runningJob(pictor, alice, lost, 60_000);
    await runningJob(pictor, alice, alive, 60_000);
    await jobMessage(pictor, alive, new Date(Date.now() + 10 * 60_000).toISOString()); // another worker is on it
    expect(await pictor.sweepJobs()).toBe(1);
    await waitFor(async () => (await pictor!.generations.get(lost))?.state === "done", 20_000, "the lost job finished");
    expect((await pictor.generations.get(alive))?.state).toBe("running");
    expect(await pictor.sweepJobs()).toBe(0);
  });

  it("gives up on a job that took its worker down three times", async () => {
    pictor = await startTestPictor();
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const id = "01900000-0000-7000-8000-00000000aaa4";
    await runningJob(pictor, alice, id, 60_000, 3);
    await jobMessage(pictor, id, ago(1_000));
    const job = await waitFor(async () => {
      const j = await pictor!.generations.get(id);
      return j?.state === "failed" ? j : undefined;
    }, 20_000, "the job failed");
    expect(job).toMatchObject({ error_code: "worker_lost" });
  });

  it("sweeps expired KV entries on the workers' schedule", async () => {
    pictor = await startTestPictor();
    await pictor.db.kysely.insertInto("kv").values({ key: '["old"]', value: "1", expires_at: ago(1_000) }).execute();
    await pictor.sweep();
    expect(await pictor.db.kysely.selectFrom("kv").select("key").where("key", "=", '["old"]').execute()).toEqual([]);
  });
});
