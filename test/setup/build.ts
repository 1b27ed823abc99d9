import { ensureBuilt, formatBuildError } from "../../scripts/build.mjs";

/**
 * vitest's global setup: builds dist/pictor.js once before any test file runs, so every spawned
 * `pictor` process runs the compiled build users run, without each rebuilding it.
 */
export default async function setup(): Promise<void> {
  try {
    await ensureBuilt();
  } catch (error) {
    throw new Error(`pictor: cannot build dist/pictor.js\n${formatBuildError(error)}`);
  }
}
