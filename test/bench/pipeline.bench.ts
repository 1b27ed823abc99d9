/**
 * Media pipeline and builtin generator benchmark. Not a vitest test: run it
 * with `npx tsx test/bench/pipeline.bench.ts`, or collect runPipelineBench()
 * from a bench runner.
 *
 * Figures, all for 1024×1024 images with sharp.concurrency(1) (libvips uses
 * one thread per image) and libvips' operation cache off:
 *  - the pipeline (original → JPEG + WebP + thumbnail + blurhash + SHA-256,
 *    with XMP) beside sharp's bare PNG → JPEG encode of the same image, in
 *    the same run, interleaved; wall-clock medians and CPU-time medians;
 *  - the builtin generator.
 * CPU time (user + system, all threads of the process) is the single-core
 * figure: the pipeline encodes its outputs concurrently on libuv's thread
 * pool, so its wall time on a multi-core machine is lower than its cost on
 * one core.
 */
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { createBuiltinProvider } from "../../src/generation/builtin.ts";
import { processImage } from "../../src/media/pipeline.ts";
import { photoLikePng } from "../media/fixtures.ts";
import { type BenchRow, formatTable, median, round } from "./stats.ts";

export type PipelineBenchRow = BenchRow & { /** The numeric bound the target states. */ bound?: number };

const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
const provenance = { provider: "openai", model: "gpt-image-1" };

interface Sample {
  wall: number;
  cpu: number;
}

async function sample(fn: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** Runs each function in turn, `runs` rounds after `warmup` rounds, so drift hits all alike. */
async function interleaved(fns: Record<string, () => Promise<unknown>>, runs: number, warmup: number) {
  const out: Record<string, Sample[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, fn] of Object.entries(fns)) {
      const s = await sample(fn);
      if (i >= warmup) out[name].push(s);
    }
  }
  return out;
}

const med = (samples: Sample[], key: keyof Sample) => round(median(samples.map((s) => s[key])), 1);

export async function runPipelineBench(options: { runs?: number; warmup?: number } = {}): Promise<PipelineBenchRow[]> {
  const runs = options.runs ?? 40;
  const warmup = options.warmup ?? 5;
  const previousConcurrency = sharp.concurrency();
  sharp.concurrency(1);
  sharp.cache(false);
  try {
    // A photo-like 1024×1024 PNG (gradients and grain, ~2.7 MB), like a generated picture.
    const png = await photoLikePng(1024, 1024);
    const builtin = createBuiltinProvider({ maxPromptLength: 4000, limits });
    const prompts = ["a mountain sunset over a quiet valley", "night sea with a lonely boat", "geometric city of robots", "cosmic bubbles in space"];
    let n = 0;

    const s = await interleaved(
      {
        bare: () => sharp(png).jpeg().toBuffer(),
        pipeline: () => processImage(png, { limits, provenance }),
        builtin: () => builtin.generate({ prompt: prompts[n++ % prompts.length], seed: n, size: "1024x1024" }),
      },
      runs,
      warmup,
    );

    const bareWall = med(s.bare, "wall");
    const bareCpu = med(s.bare, "cpu");
    const pipeWall = med(s.pipeline, "wall");
    const pipeCpu = med(s.pipeline, "cpu");
    const genWall = med(s.builtin, "wall");
    const genCpu = med(s.builtin, "cpu");
    const scenario = "pipeline";
    return [
      { scenario, figure: "bare sharp PNG→JPEG encode, 1024² (wall, median)", unit: "ms", value: bareWall },
      { scenario, figure: "bare sharp PNG→JPEG encode, 1024² (CPU, median)", unit: "ms", value: bareCpu },
      {
        scenario,
        figure: "media pipeline, 1024² (wall, median)",
        unit: "ms",
        value: pipeWall,
        baseline: { name: "bare encode wall", value: bareWall },
        target: "≤ 3× bare",
        bound: 3,
        ok: pipeWall <= 3 * bareWall,
      },
      {
        scenario,
        figure: "media pipeline, 1024² (CPU = one core, median)",
        unit: "ms",
        value: pipeCpu,
        baseline: { name: "bare encode CPU", value: bareCpu },
        target: "≤ 150 ms",
        bound: 150,
        ok: pipeCpu <= 150,
      },
      {
        scenario,
        figure: "media pipeline ÷ bare encode (CPU)",
        unit: "×",
        value: round(pipeCpu / bareCpu, 2),
        target: "≤ 3×",
        bound: 3,
        ok: pipeCpu / bareCpu <= 3,
      },
      {
        scenario,
        figure: "builtin generator, 1024² PNG (wall, median)",
        unit: "ms",
        value: genWall,
        target: "≤ 300 ms",
        bound: 300,
        ok: genWall <= 300,
      },
      { scenario, figure: "builtin generator, 1024² PNG (CPU, median)", unit: "ms", value: genCpu, target: "≤ 300 ms", bound: 300, ok: genCpu <= 300 },
    ];
  } finally {
    sharp.concurrency(previousConcurrency);
    sharp.cache(true);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatTable(await runPipelineBench()));
}
