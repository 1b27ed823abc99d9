#!/usr/bin/env node
// The pictor command. Runs the TypeScript sources through tsx, so no build step is needed.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  console.error(
    `pictor: Node ${process.versions.node} is too old (22 or newer is needed). ` +
      "Run it through npm (npm start, npm run pictor -- …), which uses the Node 24 installed with the project.",
  );
  process.exit(1);
}
// Use the project's tsconfig (JSX settings) whatever the working directory is.
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
