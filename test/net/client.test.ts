import { afterEach, describe, expect, it } from "vitest";
import { readBodyCapped } from "../../src/net/body.ts";
import { createHttpClient, type HttpClient, type HttpClientOptions, installGlobally } from "../../src/net/client.ts";
import { findCause, PrivateAddressError, RequestTimeoutError, ResponseTooLargeError } from "../../src/net/errors.ts";
import { guardedLookup, type Resolver } from "../../src/net/guard.ts";
import { type LoopbackServer, loopbackServer, streamBytes } from "./servers.ts";

// Every test here talks to 127.0.0.1 only. Made-up names resolve through a
// resolver the test supplies; a "public" answer (93.184.216.34) is only ever
// checked, never connected to.

const clients: HttpClient[] = [];
const servers: LoopbackServer[] = [];
const restores: Array<() => void> = [];
afterEach(async () => {
  for (const r of restores.splice(0)) r();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function client(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const c = createHttpClient({
    allowPrivate: false,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
    totalTimeoutMs: 10_000,
    ...overrides,
  });
  clients.push(c);
  return c;
}

async function server(...args: Parameters<typeof loopbackServer>): Promise<LoopbackServer> {
  const s = await loopbackServer(...args);
  servers.push(s);
  return s;
}

const ok = () => server((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("inside"));

/** A resolver for made-up names; anything else fails as unknown. */
const names =
  (map: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = map[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: unknown) => e,
  );
}

describe("the guarded client refuses non-global addresses", () => {
  it("refuses loopback IP literals (v4, v6, IPv4-mapped v6) before connecting", async () => {
    const inside = await ok();
    const c = client();
    for (const url of [`${inside.origin}/a`, `http://[::1]:${inside.port}/b`, `http://[::ffff:127.0.0.1]:${inside.port}/c`, `http://0.0.0.0:${inside.port}/d`]) {
      const error = await rejection(c.fetch(url));
      expect(findCause(error, PrivateAddressError), url).toBeInstanceOf(PrivateAddressError);
    }
    expect(inside.seen).toEqual([]);
  });

  it("refuses a name after DNS resolution, and a name with any internal address among public ones", async () => {
    const inside = await ok();
    const c = client({ resolver: names({ "internal.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"] }) });
    const e1 = findCause(await rejection(c.fetch(`http://internal.test:${inside.port}/x`)), PrivateAddressError);
    expect(e1?.message).toBe("Refused to connect to internal.test: it resolves to 127.0.0.1, not a public address (ALLOW_PRIVATE_ADDRESS is off)");
    const e2 = findCause(await rejection(c.fetch(`http://mixed.test:${inside.port}/y`)), PrivateAddressError);
    expect(e2?.address).toBe("10.0.0.7");
    expect(inside.seen).toEqual([]);
  });

  it("hands public answers on to the connection (the lookup is checked, not connected)", async () => {
    const lookup = guardedLookup(names({ "public.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] }), true);
    const one = await new Promise<unknown[]>((resolve) => lookup("public.test", { family: 4 }, (...args) => resolve(args)));
    expect(one).toEqual([null, "93.184.216.34", 4]);
    const all = await new Promise<unknown[]>((resolve) => lookup("public.test", { all: true }, (...args) => resolve(args)));
    expect(all).toEqual([null, [{ address: "93.184.216.34", family: 4 }, { address: "2606:2800:220:1:248:1893:25c8:1946", family: 6 }]]);
  });

  it("checks every redirect hop: a trusted first URL that redirects inside is refused, the inside server sees nothing", async () => {
    const inside = await ok();
    const first = await server((req, res) => {
      const to = req.url === "/by-ip" ? `${inside.origin}/secret` : req.url === "/by-name" ? `http://internal.test:${inside.port}/secret` : `http://[::ffff:7f00:1]:${inside.port}/secret`;
      res.writeHead(302, { location: to }).end();
    });
    // The first host is trusted the way an operator's configured provider is; nothing else is.
    const c = client({ trustedOrigins: [first.origin], resolver: names({ "internal.test": ["127.0.0.1"] }) });
    for (const path of ["/by-ip", "/by-name", "/by-mapped"]) {
      const error = await rejection(c.fetch(`${first.origin}${path}`));
      expect(findCause(error, PrivateAddressError), path).toBeInstanceOf(PrivateAddressError);
    }
    expect(first.seen).toEqual(["/by-ip", "/by-name", "/by-mapped"]);
    expect(inside.seen).toEqual([]);

    // The same redirect with ALLOW_PRIVATE_ADDRESS on is followed (so the refusal above is the guard's doing).
    const open = client({ allowPrivate: true });
    expect(await (await open.fetch(`${first.origin}/by-ip`)).text()).toBe("inside");
    expect(inside.seen).toEqual(["/secret"]);
  });

  it("guards Node's global fetch (what Fedify calls) once installed globally, and stops when uninstalled", async () => {
    const inside = await ok();
    restores.push(installGlobally(client()));
    const error = await rejection(fetch(`${inside.origin}/via-global`));
    expect(findCause(error, PrivateAddressError)).toBeInstanceOf(PrivateAddressError);
    expect(inside.seen).toEqual([]);
    restores.pop()?.();
    expect(await (await fetch(`${inside.origin}/after`)).text()).toBe("inside");
  });
});

describe("the client's timeouts", () => {
  it("gives up on a server that accepts the connection and never answers, within the headers timeout", async () => {
    const silent = await server(() => {});
    const c = client({ allowPrivate: true, headersTimeoutMs: 300 });
    const started = Date.now();
    const error = await rejection(c.fetch(`${silent.origin}/hang`, { method: "POST", body: "{}" }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("UND_ERR_HEADERS_TIMEOUT");
    expect(silent.seen).toEqual(["/hang"]);
  });

  it("applies to the global fetch too once installed (Fedify's deliveries)", async () => {
    const silent = await server(() => {});
    restores.push(installGlobally(client({ allowPrivate: true, headersTimeoutMs: 300 })));
    const started = Date.now();
    const error = await rejection(fetch(`${silent.origin}/inbox`, { method: "POST", body: "{}" }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("UND_ERR_HEADERS_TIMEOUT");
  });

  it("stops a body that trickles in under the idle timeout once the total timeout has passed", async () => {
    const drip = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const t = setInterval(() => res.write("."), 50);
      res.on("close", () => clearInterval(t));
    });
    const c = client({ allowPrivate: true, bodyTimeoutMs: 1000, totalTimeoutMs: 600 });
    const started = Date.now();
    const res = await c.fetch(`${drip.origin}/slow`);
    const error = await rejection(res.text());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(findCause(error, RequestTimeoutError)?.message).toBe("The request took longer than 600 ms in all");
  });

  it("counts a DNS lookup that never answers against the connect timeout", async () => {
    const c = client({ allowPrivate: true, connectTimeoutMs: 300, resolver: () => new Promise(() => {}) });
    const started = Date.now();
    const error = await rejection(c.fetch("http://never.test:8080/"));
    expect(Date.now() - started).toBeLessThan(3000);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("UND_ERR_CONNECT_TIMEOUT");
  });
});

describe("size caps while streaming", () => {
  it("refuses a declared Content-Length over the cap without reading the body", async () => {
    const big = await server((_req, res, s) => streamBytes(res, s.written, 50 * 1024 * 1024, { "content-length": String(50 * 1024 * 1024) }));
    const res = await client({ allowPrivate: true }).fetch(`${big.origin}/declared`);
    const error = await rejection(readBodyCapped(res, 1024 * 1024, { what: "The image" }));
    expect((error as Error).message).toBe("The image is larger than the 1 MB limit (it declared 50 MB)");
    await expect.poll(() => big.written.closedEarly).toBe(true);
    expect(big.written.bytes).toBeLessThan(20 * 1024 * 1024);
  });

  it("aborts an undeclared (chunked) body as soon as it passes the cap", async () => {
    const big = await server((_req, res, s) => streamBytes(res, s.written, 200 * 1024 * 1024));
    const res = await client({ allowPrivate: true }).fetch(`${big.origin}/chunked`);
    const error = await rejection(readBodyCapped(res, 1024 * 1024));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).message).toBe("The response is larger than the 1 MB limit");
    await expect.poll(() => big.written.closedEarly).toBe(true);
    expect(big.written.bytes).toBeLessThan(20 * 1024 * 1024);
  });

  it("puts a ceiling on every response through the dispatcher (what Fedify reads whole)", async () => {
    const big = await server((_req, res, s) => streamBytes(res, s.written, 200 * 1024 * 1024));
    const res = await client({ allowPrivate: true, maxResponseBytes: 2 * 1024 * 1024 }).fetch(`${big.origin}/ceiling`);
    const error = await rejection(res.arrayBuffer());
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("UND_ERR_RES_EXCEEDED_MAX_SIZE");
    await expect.poll(() => big.written.closedEarly).toBe(true);
    expect(big.written.bytes).toBeLessThan(20 * 1024 * 1024);
  });
});
