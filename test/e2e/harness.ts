import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { generate } from "selfsigned";
import { Agent, fetch as undiciFetch } from "undici";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";

/**
 * Real Pictor processes under their own hostnames, served over HTTPS with
 * certificates from a CA this harness makes, as fediverse identities need
 * (no port in a handle; acct: lookups over https only). Nothing of Fedify's
 * signing or verification is faked: processes talk over loopback TLS.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = process.execPath;
const HOOK = join(ROOT, "test/e2e/hosts-hook.mjs");
const run = promisify(execFile);

export interface TestServer {
  name: string;
  host: string;
  origin: string;
  address: string;
  env: Record<string, string>;
  logs: string[];
  /** Runs `pictor <args>` with this server's configuration (same database, hosts, CA). */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export interface Cluster {
  servers: TestServer[];
  /** fetch() that trusts the test CA and resolves the test hostnames. */
  fetch(url: string, init?: { headers?: Record<string, string>; method?: string; body?: string }): Promise<Response>;
  getJson(url: string, accept?: string): Promise<any>;
  close(): Promise<void>;
}

async function makeCa(dir: string, hosts: string[]) {
  const ca = await generate([{ name: "commonName", value: "Pictor Test CA" }], {
    algorithm: "sha256",
    keySize: 2048,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  writeFileSync(join(dir, "ca.pem"), ca.cert);
  const certs: Record<string, { cert: string; key: string }> = {};
  for (const host of hosts) {
    const leaf = await generate([{ name: "commonName", value: host }], {
      algorithm: "sha256",
      keySize: 2048,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: [{ type: 2, value: host }] },
      ],
    });
    const cert = join(dir, `${host}.crt`);
    const key = join(dir, `${host}.key`);
    writeFileSync(cert, `${leaf.cert.trim()}\n${ca.cert.trim()}\n`);
    writeFileSync(key, leaf.private);
    certs[host] = { cert, key };
  }
  return { caPath: join(dir, "ca.pem"), caPem: ca.cert, certs };
}

/** Starts `names.length` servers, e.g. ["a", "b"] → a-<run>.pictor.test, b-<run>.pictor.test. */
export async function startCluster(names: string[], extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "pictor-e2e-"));
  const runId = Math.random().toString(36).slice(2, 8);
  // A random 127.x.y.z block per run, so parallel runs and leftovers never clash.
  const block = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`;
  const hosts = names.map((n) => `${n}-${runId}.pictor.test`);
  const addresses = names.map((_, i) => `${block}.${i + 2}`);
  const { caPath, caPem, certs } = await makeCa(dir, hosts);
  const hostMap = hosts.map((h, i) => `${h}=${addresses[i]}`).join(",");
  const databases: TestDatabase[] = [];
  const servers: TestServer[] = [];

  for (const [i, name] of names.entries()) {
    const database = await createTestDatabase();
    databases.push(database);
    const host = hosts[i];
    const dataDir = join(dir, name);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PUBLIC_URL: `https://${host}`,
      HOST: addresses[i],
      PORT: "443",
      TLS_CERT: certs[host].cert,
      TLS_KEY: certs[host].key,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      ALLOW_PRIVATE_ADDRESS: "true",
      LOG_LEVEL: "warning",
      NODE_EXTRA_CA_CERTS: caPath,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${HOOK}`.trim(),
      PICTOR_TEST_HOSTS: hostMap,
      ...extraEnv,
    };
    const logs: string[] = [];
    let child: ChildProcess | undefined;
    const server: TestServer = {
      name,
      host,
      origin: `https://${host}`,
      address: addresses[i],
      env,
      logs,
      async cli(...args) {
        try {
          const r = await run(NODE, [join(ROOT, "bin/pictor.js"), ...args], { env, cwd: dataDir.replace(/\/[^/]+$/, "") });
          return { code: 0, stdout: r.stdout, stderr: r.stderr };
        } catch (e: any) {
          return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(e) };
        }
      },
      async start() {
        child = spawn(NODE, [join(ROOT, "bin/pictor.js"), "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
        const capture = (chunk: Buffer) => logs.push(`[${name}] ${chunk.toString().trimEnd()}`);
        child.stdout!.on("data", capture);
        child.stderr!.on("data", capture);
        const deadline = Date.now() + 60_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${logs.join("\n")}`);
          try {
            const res = await cluster.fetch(`https://${host}/healthz`);
            if (res.ok) return;
          } catch (error) {
            if (process.env.PICTOR_E2E_DEBUG) console.error(error);
          }
          if (Date.now() > deadline) throw new Error(`${name} did not start:\n${logs.join("\n")}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      async stop() {
        if (!child || child.exitCode !== null) return;
        const exited = new Promise((r) => child!.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      },
      kill(signal = "SIGKILL") {
        child?.kill(signal);
      },
    };
    servers.push(server);
  }

  const agent = new Agent({
    connect: {
      ca: [caPem],
      lookup: (hostname, options, callback) => {
        const i = hosts.indexOf(hostname.toLowerCase());
        if (i < 0) return callback(new Error(`unknown test host ${hostname}`), "", 4);
        // Node asks for every address (autoSelectFamily) or for one.
        if ((options as { all?: boolean }).all) (callback as any)(null, [{ address: addresses[i], family: 4 }]);
        else callback(null, addresses[i], 4);
      },
    },
  });
  const cluster: Cluster = {
    servers,
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>,
    async getJson(url, accept = "application/activity+json") {
      const res = await cluster.fetch(url, { headers: { Accept: accept } });
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
      return res.json();
    },
    async close() {
      await Promise.all(servers.map((s) => s.stop()));
      await agent.close();
      await Promise.all(databases.map((d) => d.drop().catch(() => {})));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const s of servers) await s.start();
  return cluster;
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs` (with the servers' logs). */
export async function eventually<T>(check: () => Promise<T> | T, what: string, cluster: Cluster, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = cluster.servers.flatMap((s) => s.logs.slice(-30)).join("\n");
  throw new Error(`Timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}\n${logs}`);
}
