import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { type Cluster, eventually, startCluster, type TestServer } from "./harness.ts";

/**
 * Kill the server with SIGKILL in the middle of a fan-out to many inboxes,
 * start it again, and every inbox still gets the activity: queue messages are
 * deleted only after they are handled, so a dead worker's work comes back
 * when its lease runs out.
 */
const run = promisify(execFile);

describe("crash safety", { timeout: 180_000 }, () => {
  const FOLLOWERS = 30;
  let cluster: Cluster;
  let a: TestServer;
  let remote: FakeRemote;

  beforeAll(async () => {
    // Slow inboxes keep the fan-out running long enough to kill it halfway.
    remote = await startFakeRemote({ inboxDelayMs: 400 });
    cluster = await startCluster(["a"], { QUEUE_LEASE_MS: "2000" });
    a = cluster.servers[0];
    expect((await a.cli("account", "create", "--username", "alice", "--password", "correct horse battery")).code).toBe(0);
    for (let i = 0; i < FOLLOWERS; i++) {
      const name = `f${i}`;
      // No shared inbox: one delivery per follower.
      await remote.addActor(name, { endpoints: {} });
      const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri(name)}#follow`, type: "Follow", actor: remote.actorIri(name), object: `${a.origin}/users/alice` };
      const req = await remote.signedPost(`${a.origin}/users/alice/inbox`, follow, name);
      const res = await cluster.fetch(req.url, { method: "POST", headers: Object.fromEntries(req.headers), body: await req.text() });
      expect(res.status).toBe(202);
    }
    await eventually(
      async () => (await cluster.getJson(`${a.origin}/users/alice/followers`)).totalItems === FOLLOWERS,
      "every follow to be accepted",
      cluster,
      60_000,
    );
    await eventually(() => remote.received.filter((r) => r.body?.type === "Accept").length >= FOLLOWERS, "every Accept", cluster, 60_000);
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
    await remote?.close();
  });

  it("delivers to every inbox after a SIGKILL mid fan-out", async () => {
    const posted = await a.cli("post", "--account", "alice", "--prompt", "a storm at sea", "--size", "256x256");
    expect(posted.code).toBe(0);
    const iri = `${a.origin}/users/alice/posts/${posted.stdout.trim().split("/").pop()}`;
    const creates = () => new Set(remote.received.filter((r) => r.body?.type === "Create" && r.body.object?.id === iri).map((r) => r.path));
    await eventually(() => creates().size >= 3, "the fan-out to start", cluster, 60_000);
    a.kill("SIGKILL");
    const before = creates().size;
    expect(before).toBeLessThan(FOLLOWERS);
    await a.start();
    await eventually(() => creates().size === FOLLOWERS, `every inbox to get the post (had ${before} at the kill)`, cluster, 120_000);
    expect([...creates()].sort()).toEqual(Array.from({ length: FOLLOWERS }, (_, i) => `/users/f${i}/inbox`).sort());
  });

  it("delivers a post whose process died between the commit and the enqueue", async () => {
    // The CLI kills itself with SIGKILL right after the post's transaction commits, before any handler runs:
    // nothing was enqueued, and only the event written with the post tells that it must be delivered.
    const died = await run(process.execPath, [join(import.meta.dirname, "../../bin/pictor.js"), "post", "--account", "alice", "--prompt", "a lighthouse in fog", "--size", "256x256"], {
      env: { ...a.env, CRASH_AFTER_COMMIT: "post.published" },
    }).then(
      () => null,
      (e: { signal?: string }) => e.signal,
    );
    expect(died).toBe("SIGKILL");
    const creates = () =>
      new Set(remote.received.filter((r) => r.body?.type === "Create" && JSON.stringify(r.body.object?.content ?? "").includes("a lighthouse in fog")).map((r) => r.path));
    // The running server's dispatcher takes the event once the dead process's claim runs out.
    await eventually(() => creates().size === FOLLOWERS, "every inbox to get the post committed before the crash", cluster, 120_000);
    expect([...creates()].sort()).toEqual(Array.from({ length: FOLLOWERS }, (_, i) => `/users/f${i}/inbox`).sort());
  });
});
