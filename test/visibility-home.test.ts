import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The visibility rule has one home, src/domain/visibility.ts. Anywhere else, a
// comparison of a post's visibility or a list of visibilities is a restated
// rule waiting to drift; this test fails when one appears.

const ROOT = join(import.meta.dirname, "..");
const HOME = "src/domain/visibility.ts";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

const RESTATEMENTS = [
  /visibility\s*[!=]==?\s*["'](public|unlisted|followers|direct)["']/,
  /["'](public|unlisted|followers|direct)["']\s*[!=]==?\s*[\w.]*visibility/,
  /["']public["']\s*,\s*["']unlisted["']/,
  /\.where\(\s*["'][\w.]*visibility["']/,
  /\bcanView\b/,
];

describe("the visibility rule", () => {
  it("is stated only in its module", () => {
    const offenders: string[] = [];
    for (const file of [...sources(join(ROOT, "src")), ...sources(join(ROOT, "federation"))]) {
      const rel = relative(ROOT, file);
      if (rel === HOME) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (RESTATEMENTS.some((re) => re.test(line))) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
