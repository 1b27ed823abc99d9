import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink, type LogLevel } from "@logtape/logtape";

/**
 * Sets up LogTape once per process (the CLI entry calls it). Fedify logs
 * under "fedify", Pictor under "pictor". Messages never include queue
 * payloads, which carry private keys.
 */
export async function configureLogging(level: LogLevel): Promise<void> {
  await configure({
    reset: true,
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: ["pictor"], lowestLevel: level, sinks: ["console"] },
      { category: ["fedify"], lowestLevel: level === "debug" ? "debug" : "warning", sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}
