import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, envBool, envInt, parseEnv } from "./config-env.ts";
import { type GenerationConfig, loadGenerationConfig } from "./generation/config.ts";

export { ConfigError } from "./config-env.ts";

const bool = envBool;
const int = envInt;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A span of time written as `30s`, `15m`, `12h`, `7d` or `2w` (and `0`), in milliseconds; null when it is not one. */
export function parseDuration(value: string): number | null {
  const m = /^\s*(\d{1,6})\s*([smhdw])?\s*$/i.exec(value);
  if (!m || (!m[2] && m[1] !== "0")) return null;
  return Number(m[1]) * (m[2] ? UNITS[m[2].toLowerCase()] : 0);
}

const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: "must be a duration such as 12h, 7d or 2w (0 for never)" });
    return z.NEVER;
  }
  return ms;
});

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
  FORM_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(["debug", "info", "warning", "error", "fatal"]).default("info"),
  TRUST_PROXY: bool.default(false),
  INSTANCE_NAME: z.string().trim().min(1).max(100).default("Pictor"),
  AP_CACHE_TTL_MS: int(0, 3_600_000).default(10_000),
  REGISTRATIONS: z.enum(["open", "invite", "closed"], { message: "must be open, invite or closed" }).default("closed"),
  QUEUE_LEASE_MS: int(1000, 3_600_000).default(30_000),
  // Fault injection for crash tests only: SIGKILL the process right after committing a change that staged this event.
  CRASH_AFTER_COMMIT: z.string().trim().optional(),
  GENERATION_MAX_CONCURRENT: int(1, 100).default(2),
  GENERATION_DAILY_LIMIT: int(1, 100_000).default(100),
  HTTP_CONNECT_TIMEOUT_MS: int(100, 300_000).default(10_000),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(30_000),
  HTTP_BODY_TIMEOUT_MS: int(100, 600_000).default(60_000),
  HTTP_TOTAL_TIMEOUT_MS: int(100, 3_600_000).default(120_000),
  REMOTE_MEDIA_CACHE: bool.default(true),
  REMOTE_MEDIA_RETENTION: duration.default(7 * 86_400_000),
  // The client API: requests per 5 minutes per token (or address), as Mastodon's 300; 0 turns the limit off.
  API_RATE_LIMIT: int(0, 1_000_000).default(300),
  // Whether people may upload their own images (the API's media endpoints); off for an AI-only instance.
  UPLOADS: bool.default(true),
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
  /** The largest body any other POST (web forms) may send; refused with 413 before it is parsed. */
  formMaxBytes: number;
  logLevel: "debug" | "info" | "warning" | "error" | "fatal";
  trustProxy: boolean;
  instanceName: string;
  /** How long a claimed queue message stays invisible to other workers (renewed while it runs). */
  queueLeaseMs: number;
  /** Tests only: the event name after whose commit the process kills itself. */
  crashAfterCommit?: string;
  /** Whether anyone may sign up (the first account, the admin, can always be made). */
  registrations: "open" | "invite" | "closed";
  /** How long public ActivityPub responses are cached in each web process (0 turns the cache off). */
  apCacheTtlMs: number;
  /** Providers, prompt policy, retries and media limits (see src/generation/config.ts). */
  generation: GenerationConfig;
  /** Per-account generation limits; admins are exempt. */
  generationLimits: { maxConcurrent: number; dailyImages: number };
  /**
   * Timeouts for everything Pictor fetches or posts (lookups, deliveries,
   * downloads; src/net). Calls to the image provider wait up to
   * OPENAI_TIMEOUT_MS instead.
   */
  http: { connectTimeoutMs: number; headersTimeoutMs: number; bodyTimeoutMs: number; totalTimeoutMs: number };
  /**
   * The cache of remote images (src/jobs/remote-media.ts): whether it runs,
   * and how long full-size copies are kept after their fetch (0: for ever).
   */
  remoteMedia: { enabled: boolean; retentionMs: number };
  /** The client API's rate limit (per token, or per address without one). */
  apiRateLimit: { limit: number; windowMs: number };
  /** Whether people may upload images of their own (never labelled as generated); off for an AI-only instance. */
  uploads: boolean;
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
    formMaxBytes: c.FORM_MAX_BYTES,
    logLevel: c.LOG_LEVEL,
    trustProxy: c.TRUST_PROXY,
    instanceName: c.INSTANCE_NAME,
    apCacheTtlMs: c.AP_CACHE_TTL_MS,
    registrations: c.REGISTRATIONS,
    queueLeaseMs: c.QUEUE_LEASE_MS,
    crashAfterCommit: c.CRASH_AFTER_COMMIT || undefined,
    generation,
    generationLimits: { maxConcurrent: c.GENERATION_MAX_CONCURRENT, dailyImages: c.GENERATION_DAILY_LIMIT },
    http: {
      connectTimeoutMs: c.HTTP_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: c.HTTP_BODY_TIMEOUT_MS,
      totalTimeoutMs: c.HTTP_TOTAL_TIMEOUT_MS,
    },
    remoteMedia: { enabled: c.REMOTE_MEDIA_CACHE, retentionMs: c.REMOTE_MEDIA_RETENTION },
    apiRateLimit: { limit: c.API_RATE_LIMIT, windowMs: 5 * 60 * 1000 },
    uploads: c.UPLOADS,
  };
}

/** Loads `.env` from the working directory into process.env, if present. */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
