import { writeFileSync } from "node:fs";
import { configureLogging } from "../../src/logging.ts";
import { runApiBench } from "./api.bench.ts";
import { runInboundBench } from "./inbound.bench.ts";
import { runPagesBench } from "./pages.bench.ts";
import { runPipelineBench } from "./pipeline.bench.ts";
import { runReadPathBench } from "./readpath.bench.ts";
import { runScaleOutBench } from "./scaleout.bench.ts";
import { runScalingBench } from "./scaling.bench.ts";
import { runSoakBench } from "./soak.bench.ts";
import { type BenchRow, formatTable } from "./stats.ts";

/** Every scenario, by name. Each sizes itself to finish within a few minutes on 2 cores. */
const scenarios: Record<string, () => Promise<BenchRow[]>> = {
  pipeline: () => runPipelineBench(),
  pages: () => runPagesBench(),
  // As deployed: one `pictor serve`, then a web process beside a `pictor worker` (see Scaling out).
  inbound: async () => [...(await runInboundBench({ workers: 0 })), ...(await runInboundBench({ workers: 1 }))],
  readpath: () => runReadPathBench(),
  api: () => runApiBench(),
  scaling: () => runScalingBench(),
  // Two web processes and two workers on PostgreSQL behind a load balancer, against one and one.
  scaleout: () => runScaleOutBench(),
  // A compressed hour on a PostgreSQL cluster of its own (needs initdb): run only when named.
  soak: () => runSoakBench(),
};

/** Scenarios left out of a run that names none. */
const onlyWhenNamed = new Set(["soak"]);

async function main(): Promise<void> {
  await configureLogging("error");
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in scenarios));
  if (unknown.length) {
    console.error(`Unknown scenario: ${unknown.join(", ")}. Known: ${Object.keys(scenarios).join(", ")}`);
    process.exit(2);
  }
  const names = wanted.length ? wanted : Object.keys(scenarios).filter((n) => !onlyWhenNamed.has(n));
  const rows: BenchRow[] = [];
  for (const name of names) {
    console.error(`running ${name}…`);
    rows.push(...(await scenarios[name]()));
  }
  console.log(formatTable(rows));
  writeFileSync("bench-results.json", `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
  console.error("wrote bench-results.json");
}

await main();
