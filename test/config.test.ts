import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  it("has working defaults", () => {
    const c = loadConfig({});
    expect(c.publicUrl.href).toBe("http://localhost:3000/");
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toMatch(/^sqlite:.*data\/pictor\.sqlite$/);
    expect(c.allowPrivateAddress).toBe(false);
    expect(c.workersInWeb).toBe(true);
    expect(c.inboxMaxBytes).toBe(1024 * 1024);
  });

  it("reads and normalises values", () => {
    const c = loadConfig({
      PUBLIC_URL: "https://Pictor.Example/",
      PORT: "8080",
      ALLOW_PRIVATE_ADDRESS: "yes",
      DATABASE_URL: "postgres://u@db/pictor",
      WORKERS_IN_WEB: "false",
    });
    expect(c.publicUrl.origin).toBe("https://pictor.example");
    expect(c.port).toBe(8080);
    expect(c.allowPrivateAddress).toBe(true);
    expect(c.databaseUrl).toBe("postgres://u@db/pictor");
    expect(c.workersInWeb).toBe(false);
  });

  it.each([
    [{ PUBLIC_URL: "pictor.example" }, "PUBLIC_URL"],
    [{ PUBLIC_URL: "ftp://pictor.example" }, "PUBLIC_URL"],
    [{ PUBLIC_URL: "https://pictor.example/sub" }, "PUBLIC_URL"],
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ ALLOW_PRIVATE_ADDRESS: "maybe" }, "ALLOW_PRIVATE_ADDRESS"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ TLS_CERT: "/tmp/cert.pem" }, "TLS_CERT"],
  ])("names the variable when %o is bad", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
