import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

// The suite includes the typecheck (the same `tsc --noEmit` as `npm run typecheck`): esbuild, which
// compiles `pictor`, and vitest strip types without checking them.
it("the sources and the tests typecheck (tsc --noEmit)", async () => {
  const result = await promisify(execFile)(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e) => ({ code: e.code as number, output: `${e.stdout}${e.stderr}` }),
  );
  expect(result.output.trim(), "tsc reported errors").toBe("");
  expect(result.code).toBe(0);
}, 300_000);
