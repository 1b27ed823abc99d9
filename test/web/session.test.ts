import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientAddress, safeNext } from "../../src/http/web/session.ts";

describe("safeNext", () => {
  const origin = new URL("https://pictor.example");
  it.each([
    ["/settings", "/settings"],
    ["/@ann?cursor=abc#top", "/@ann?cursor=abc#top"],
    ["/tags/caf%C3%A9", "/tags/caf%C3%A9"],
  ])("keeps the same-origin path %s", (next, expected) => {
    expect(safeNext(next, origin)).toBe(expected);
  });
  it.each([undefined, "", "settings", "//evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "/a\\b", "https://evil.example/x", "https://pictor.example/x", "javascript:alert(1)", "/ok\r\nX: y", "/\x00", "/\tx", "/%0d%0a", "/ x", "/x\u2028"])(
    "refuses %j",
    (next) => {
      expect(safeNext(next as string | undefined, origin)).toBe("/");
    },
  );
});

describe("clientAddress", () => {
  const app = (trustProxy: boolean) => {
    const a = new Hono();
    a.get("/", (c) => c.text(clientAddress(c, trustProxy)));
    return a;
  };
  const ask = (trustProxy: boolean, remoteAddress: string | undefined, xff?: string) =>
    Promise.resolve(app(trustProxy).request("/", { headers: xff ? { "X-Forwarded-For": xff } : {} }, remoteAddress ? { incoming: { socket: { remoteAddress } } } : undefined)).then((r) =>
      r.text(),
    );

  it("uses the socket's address and ignores X-Forwarded-For when the proxy is not trusted", async () => {
    expect(await ask(false, "192.0.2.1", "198.51.100.7")).toBe("192.0.2.1");
    expect(await ask(false, "::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(await ask(false, undefined, "198.51.100.7")).toBe("unknown");
  });

  it("takes the address the trusted proxy appended (the last one) when TRUST_PROXY is on", async () => {
    expect(await ask(true, "127.0.0.1", "10.0.0.1, 198.51.100.7")).toBe("198.51.100.7");
    expect(await ask(true, "127.0.0.1")).toBe("127.0.0.1");
  });

  it("groups IPv6 clients by their /64", async () => {
    expect(await ask(false, "2001:db8:1:2:aaaa::1")).toBe(await ask(false, "2001:db8:1:2:bbbb::2"));
    expect(await ask(false, "2001:db8:1:2::1")).not.toBe(await ask(false, "2001:db8:1:3::1"));
  });
});
