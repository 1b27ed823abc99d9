import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/** What `pictor` printed and how it exited. */
async function pictor(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, "bin/pictor.js"), ...args], { env: { ...process.env, ...env }, cwd: root }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// bin/pictor.js runs dist/pictor.js, which scripts/build.mjs compiles from the TypeScript sources.
// These tests work on a copy of the project (sharing node_modules), so they can change its sources.
describe("the compiled pictor command", { timeout: 180_000 }, () => {
  let copy: string;
  const main = () => join(copy, "src/cli/main.ts");

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "pictor-build-"));
    for (const path of ["bin", "scripts", "src", "federation", "migrations", "fedify.config.ts", "tsconfig.json", "package.json"]) {
      cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    }
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it("builds dist/pictor.js on first run, then runs it without building again", async () => {
    expect(existsSync(join(copy, "dist/pictor.js"))).toBe(false);
    const first = await pictor(copy, ["help"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Usage: pictor <command>");
    const built = readFileSync(join(copy, "dist/pictor.js"), "utf8");
    expect(built).toContain("// Built by scripts/build.mjs");
    expect(built).not.toMatch(/[^\x00-\x7f]/); // one-byte source in V8
    // Only packages' code is imported from node_modules; none of it is TypeScript run through a loader.
    expect(built).not.toMatch(/from "[^"]*\.tsx?"/);
    const manifest = readFileSync(join(copy, "dist/manifest.json"), "utf8");
    expect(JSON.parse(manifest).inputs).toHaveProperty(["src/cli/main.ts"]);

    const second = await pictor(copy, ["help"]);
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(join(copy, "dist/manifest.json"), "utf8")).toBe(manifest); // not rebuilt
  });

  it("never runs a stale build: a changed source is compiled before the command runs, and traces name it", async () => {
    const source = readFileSync(main(), "utf8");
    writeFileSync(
      main(),
      source
        .replace("Usage: pictor <command> [options]", "Usage: pictor <command> [options] (changed)")
        .replace("const [command, ...rest] = argv;", 'const [command, ...rest] = argv;\n  if (command === "explode") throw new Error("boom");'),
    );
    const help = await pictor(copy, ["help"]);
    expect(help.stdout).toContain("(changed)");

    // An error nothing catches: its stack trace points into the TypeScript source (source maps).
    const boom = await pictor(copy, ["explode"]);
    expect(boom.code).not.toBe(0);
    expect(boom.stderr).toContain("Error: boom");
    expect(boom.stderr).toMatch(/src\/cli\/main\.ts:\d+:\d+/);
  });

  it("fails clearly, naming file and line, when the sources do not compile", async () => {
    const source = readFileSync(main(), "utf8");
    writeFileSync(main(), source.replace("export async function main(", "export async function main(("));
    try {
      const r = await pictor(copy, ["help"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("pictor: cannot build dist/pictor.js from the sources");
      expect(r.stderr).toMatch(/src\/cli\/main\.ts:\d+:\d+: error: /);
    } finally {
      writeFileSync(main(), source);
    }
    expect((await pictor(copy, ["help"])).code).toBe(0);
  });

  it("serves from the compiled build, with the V8 settings of a long-running process", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pictor-build-data-"));
    const port = await freePort();
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [join(copy, "bin/pictor.js"), "serve"], {
        env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, LOG_LEVEL: "error" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      const exited = new Promise<number | null>((r) => child!.once("exit", r));
      let status = 0;
      while (status !== 200) {
        const outcome = await Promise.race([exited.then(() => "exited" as const), new Promise((r) => setTimeout(r, 100))]);
        if (outcome === "exited") throw new Error(`pictor serve exited: ${output}`);
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      }
      // The same process (same pid: bin/pictor.js executes itself again with the flag) serves.
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
      expect(cmdline).toContain("--max-semi-space-size=8");
      expect(cmdline).toContain(join(copy, "bin/pictor.js"));
      const maps = readFileSync(`/proc/${child.pid}/maps`, "utf8");
      expect(maps).not.toContain("sharp"); // libvips loads on the first image, not at start
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
