import { execFile, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./net.ts";

const run = promisify(execFile);

function has(command: string): boolean {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether this machine can make a throwaway PostgreSQL cluster (initdb and pg_ctl on PATH). */
export const canMakePgCluster = has("initdb") && has("pg_ctl");

/** A PostgreSQL server of the test's own, on a free port, that the test may stop and start at will. */
export interface PgCluster {
  /** postgres://…/postgres on the cluster's port (trust auth). */
  url: string;
  /** Kills the server at once, as a crash or an outage would (pg_ctl stop -m immediate). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

/**
 * initdb's a temporary cluster and starts it. PostgreSQL refuses to run as
 * root, so as root the binaries run as the `postgres` OS user (runuser) on a
 * directory chowned to it. Never touches the machine's own server.
 */
export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), "pictor-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const pg = (command: string, args: string[]) => (asRoot ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args));
  const port = await freePort();
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => pg("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "30", "start"]).then(() => {});
  const stop = () => pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).then(() => {});
  await start();
  let destroyed = false;
  // If the test process dies without destroy() (vitest kills a worker whose hook timed out), a
  // watchdog stops the server and deletes its files, so no cluster outlives the test.
  const stopCommand = `${asRoot ? "runuser -u postgres -- " : ""}pg_ctl -D '${data}' -m immediate -w stop`;
  const watchdog = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopCommand}; rm -rf '${dir}'`], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      watchdog.kill();
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
