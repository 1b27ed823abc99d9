#!/usr/bin/env node
// The pictor command. Runs the compiled build, dist/pictor.js (scripts/build.mjs bundles
// src/cli/main.ts with esbuild), rebuilding it first when a source changed since it was built.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  console.error(
    `pictor: Node ${process.versions.node} is too old (22 or newer is needed). ` +
      "Run it through npm (npm start, npm run pictor -- …), which uses the Node 24 installed with the project.",
  );
  process.exit(1);
}

// The long-running commands cap V8's young generation at 8 MB per semi-space (V8 grows it to 32 MB
// on a big machine): start-up's burst of allocations would otherwise leave some 25 MB of it resident
// for good (README, Performance: memory). V8 reads the flag only at start, so the process executes
// itself again with it (same pid) unless the flag was given already (command line or NODE_OPTIONS).
const V8_FLAGS = ["--max-semi-space-size=8"];
if (["serve", "worker"].includes(process.argv[2]) && typeof process.execve === "function") {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].map((f) => f.replaceAll("_", "-").split("=")[0]);
  const missing = V8_FLAGS.filter((f) => !given.includes(f.split("=")[0]));
  if (missing.length > 0) process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
}

const { DIST, ensureBuilt, formatBuildError } = await import("../scripts/build.mjs");
try {
  await ensureBuilt();
} catch (error) {
  console.error(`pictor: cannot build dist/pictor.js from the sources\n${formatBuildError(error)}`);
  process.exit(1);
}
// Stack traces name the TypeScript sources (through dist/*.map, read on the first trace).
if (!process.sourceMapsEnabled) (await import("../scripts/stack-traces.mjs")).mapStackTraces(DIST);
const { main } = await import("../dist/pictor.js");
process.exitCode = await main(process.argv.slice(2));
