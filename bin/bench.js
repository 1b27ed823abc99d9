#!/usr/bin/env node
// npm run bench [-- scenario …]: runs the benchmarks under test/bench through tsx. The servers they
// start run the compiled build (bin/pictor.js), built here first so that none of them builds it.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";
import { ensureBuilt } from "../scripts/build.mjs";

await ensureBuilt();
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../test/bench/run.ts");
