#!/usr/bin/env node
// npm run bench [-- scenario …]: runs the benchmarks under test/bench through tsx.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../test/bench/run.ts");
