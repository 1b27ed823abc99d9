import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, envBool, envInt, parseEnv } from "./config-env.ts";
import { type GenerationConfig, loadGenerationConfig } from "./generation/config.ts";

export { ConfigError } from "./config-env.ts";

const bool = envBool;
const int = envInt;

const schema = z.object({
  PUBLIC_URL: z
    .string()
    .trim()
    .default("http://localhost:3000")
    .transform((v, ctx) => {
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be an absolute URL such as https://pictor.example" });
        return z.NEVER;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: "must start with http:// or https://" });
        return z.NEVER;
      }
      if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
        ctx.addIssue({ code: "custom", message: "must be an origin only (no path, query, or credentials)" });
        return z.NEVER;
      }
      return new URL(url.origin);
    }),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  PORT: int(0, 65535).default(3000),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || !v.includes("://"), {
      message: "must be postgres://…, sqlite:PATH, or a file path",
    }),
  ALLOW_PRIVATE_ADDRESS: bool.default(false),
  WORKERS_IN_WEB: bool.default(true),
  TLS_CERT: z.string().trim().optional(),
  TLS_KEY: z.string().trim().optional(),
  INBOX_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(["debug", "info", "warning", "error", "fatal"]).default("info"),
  TRUST_PROXY: bool.default(false),
  INSTANCE_NAME: z.string().trim().min(1).max(100).default("Pictor"),
  AP_CACHE_TTL_MS: int(0, 3_600_000).default(10_000),
  REGISTRATIONS: z.enum(["open", "invite", "closed"], { message: "must be open, invite or closed" }).default("closed"),
  QUEUE_LEASE_MS: int(1000, 3_600_000).default(30_000),
  GENERATION_MAX_CONCURRENT: int(1, 100).default(2),
  GENERATION_DAILY_LIMIT: int(1, 100_000).default(100),
});

export interface Config {
  publicUrl: URL;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  allowPrivateAddress: boolean;
  /** Whether the web process also consumes the message queue. */
  workersInWeb: boolean;
  tls?: { cert: string; key: string };
  inboxMaxBytes: number;
  logLevel: "debug" | "info" | "warning" | "error" | "fatal";
  trustProxy: boolean;
  instanceName: string;
  /** How long a claimed queue message stays invisible to other workers (renewed while it runs). */
  queueLeaseMs: number;
  /** Whether anyone may sign up (the first account, the admin, can always be made). */
  registrations: "open" | "invite" | "closed";
  /** How long public ActivityPub responses are cached in each web process (0 turns the cache off). */
  apCacheTtlMs: number;
  /** Providers, prompt policy, retries and media limits (see src/generation/config.ts). */
  generation: GenerationConfig;
  /** Per-account generation limits; admins are exempt. */
  generationLimits: { maxConcurrent: number; dailyImages: number };
}

/**
 * Builds the configuration from environment variables. Unknown variables are
 * ignored; a bad value throws a ConfigError naming the variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = parseEnv(schema, env);
  if (Boolean(c.TLS_CERT) !== Boolean(c.TLS_KEY)) {
    throw new ConfigError("Invalid configuration:\n  TLS_CERT and TLS_KEY must be set together");
  }
  const generation = loadGenerationConfig(env);
  const dataDir = resolve(c.DATA_DIR);
  return {
    publicUrl: c.PUBLIC_URL,
    host: c.HOST,
    port: c.PORT,
    dataDir,
    databaseUrl: c.DATABASE_URL ?? `sqlite:${resolve(dataDir, "pictor.sqlite")}`,
    allowPrivateAddress: c.ALLOW_PRIVATE_ADDRESS,
    workersInWeb: c.WORKERS_IN_WEB,
    tls: c.TLS_CERT && c.TLS_KEY ? { cert: c.TLS_CERT, key: c.TLS_KEY } : undefined,
    inboxMaxBytes: c.INBOX_MAX_BYTES,
    logLevel: c.LOG_LEVEL,
    trustProxy: c.TRUST_PROXY,
    instanceName: c.INSTANCE_NAME,
    apCacheTtlMs: c.AP_CACHE_TTL_MS,
    registrations: c.REGISTRATIONS,
    queueLeaseMs: c.QUEUE_LEASE_MS,
    generation,
    generationLimits: { maxConcurrent: c.GENERATION_MAX_CONCURRENT, dailyImages: c.GENERATION_DAILY_LIMIT },
  };
}

/** Loads `.env` from the working directory into process.env, if present. */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
