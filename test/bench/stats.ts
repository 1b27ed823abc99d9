/** Small statistics helpers for benchmarks (never used by timed tests). */

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const median = (samples: number[]) => percentile(samples, 50);

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns each run's milliseconds. */
export async function measure(fn: () => Promise<unknown> | unknown, runs: number, warmup = Math.min(20, runs)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** One line of the results table. */
export interface BenchRow {
  scenario: string;
  figure: string;
  unit: string;
  value: number;
  /** A baseline measured in the same run, and the ratio value/baseline. */
  baseline?: { name: string; value: number };
  /** The target, as text (e.g. "≤ 20 ms", "≥ 500/s"), and whether the value meets it. */
  target?: string;
  ok?: boolean;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The results as one Markdown table: figure, value, unit, baseline, ratio, target, ok. */
export function formatTable(rows: BenchRow[]): string {
  const header = ["scenario", "figure", "value", "unit", "baseline", "ratio", "target", "ok"];
  const lines = rows.map((r) => [
    r.scenario,
    r.figure,
    String(r.value),
    r.unit,
    r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : "",
    r.baseline ? `${(r.value / r.baseline.value).toFixed(2)}×` : "",
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [fmt(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(fmt)].join("\n");
}
