import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, which `.ci/run` installs when browser tests exist. */
export const CHROMIUM = "/usr/bin/chromium";
/** Whether browser tests run here: with Chromium installed, and always on CI (where a missing one is a failure). */
export const HAS_BROWSER = existsSync(CHROMIUM) || Boolean(process.env.CI);
/** Where browser tests leave their screenshots (ignored by git). */
export const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");

/** Headless Chromium as every browser test runs it (no sandbox: tests run as root here). */
export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
