import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { freePort } from "../helpers/net.ts";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Real `pictor` processes for benchmarks, and what /proc says about them. */

export const ROOT = resolve(import.meta.dirname, "../..");
export const NODE = process.execPath;

/** Starts `pictor <command>` with `env`; its stderr goes to ours so failures show, its stdout to waitForOutput. */
export function spawnPictor(command: "serve" | "worker", env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(NODE, [join(ROOT, "bin/pictor.js"), command], { env, stdio: ["ignore", "pipe", "inherit"] });
  child.stdout!.resume(); // never let an unread pipe stall the child
  return child;
}

/** Resolves once `child` prints `text` on stdout (a worker announcing it consumes the queue). */
export function waitForOutput(child: ChildProcess, text: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => finish(new Error(`no "${text}" within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes(text)) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`process exited with ${code} before "${text}"`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout!.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Polls `url` until it answers 2xx, failing early if `child` exits. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready`);
}

/** Sends SIGTERM to each child and waits (at most `graceMs`) for them to exit, then SIGKILLs the rest. */
export async function stopAll(children: ChildProcess[], graceMs = 10_000): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((r) => c.once("exit", r)));
  for (const c of running) c.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exited), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** The whole machine's CPU time so far (every core, from /proc/stat): busy and total, in ticks. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  const idle = t[3] + (t[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** The share of the machine's CPU (all cores) that was busy since `before` (0–1). */
export function machineBusySince(before: { busy: number; total: number }): number {
  const now = machineCpu();
  return (now.busy - before.busy) / Math.max(1, now.total - before.total);
}

/** autocannon in its own process (64 connections): requests per second, p50 and p99 latency, non-2xx answers and errors. */
export async function load(
  url: string,
  accept: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<{ rps: number; p50: number; p99: number; non2xx: number; errors: number }> {
  const extra = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const { stdout } = await promisify(execFile)(
    NODE,
    [join(ROOT, "node_modules/autocannon/autocannon.js"), "-c", "64", "-d", String(seconds), "-j", "-H", `Accept=${accept}`, ...extra, url],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

/** Starts the bare Hono server (the bound for this stack; its process joins `children`) and loads it as `load` does. */
export async function loadBareHono(children: ChildProcess[], seconds: number): Promise<Awaited<ReturnType<typeof load>>> {
  const port = await freePort();
  const bare = spawn(NODE, ["--import", "tsx/esm", join(ROOT, "test/bench/bare-server.ts")], { env: { ...process.env, PORT: String(port) }, cwd: ROOT, stdio: "ignore" });
  children.push(bare);
  await waitReady(`http://127.0.0.1:${port}/`, bare);
  return load(`http://127.0.0.1:${port}/`, "application/json", seconds);
}
