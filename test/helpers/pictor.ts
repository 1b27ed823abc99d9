import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase } from "./db.ts";

export const TEST_ORIGIN = "http://pictor.test";

/**
 * A whole Pictor (services, federation, HTTP app) on a fresh database of the
 * dialect under test, with its queue consumed in the background. Requests go
 * through `pictor.http.request(...)`, no listening server needed.
 */
export async function startTestPictor(env: Record<string, string> = {}): Promise<Pictor & { stop(): Promise<void> }> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "pictor-data-"));
  const config = loadConfig({
    PUBLIC_URL: TEST_ORIGIN,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    ...env,
  });
  const pictor = await createPictor(config, { stores: persistentStores });
  const controller = new AbortController();
  const queue = pictor.startQueue(controller.signal);
  return Object.assign(pictor, {
    async stop() {
      controller.abort();
      await queue.catch(() => {});
      await pictor.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export const AP = "application/activity+json";
