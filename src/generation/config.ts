import { z } from "zod";
import { ConfigError, envBool, envInt, parseEnv } from "../config-env.ts";

const bool = envBool;
const int = envInt;

const list = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim().replace(/\s+/g, " ")).filter(Boolean));

export const DEFAULT_OPENAI_MODELS = ["gpt-image-1", "gpt-image-1-mini", "dall-e-3"];

const schema = z.object({
  IMAGE_PROVIDER: z.enum(["builtin", "openai"], { message: "must be builtin or openai" }).optional(),
  OPENAI_API_KEY: z.string().trim().optional(),
  OPENAI_BASE_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^https?:\/\/[^/]/i.test(v), { message: "must be an http:// or https:// URL" })
    .refine((v) => !v || URL.canParse(v), { message: "must be a valid URL" }),
  OPENAI_IMAGE_MODEL: z.string().trim().min(1).default("gpt-image-1"),
  OPENAI_IMAGE_MODELS: list.pipe(z.array(z.string()).min(1, "must list at least one model")).optional(),
  OPENAI_TIMEOUT_MS: int(1000, 30 * 60 * 1000).default(120_000),
  OPENAI_MODERATION: bool.default(false),
  GENERATION_MAX_ATTEMPTS: int(1, 10).default(3),
  GENERATION_RETRY_DELAY_MS: int(0, 60_000).default(2000),
  PROMPT_MAX_LENGTH: int(1, 32_000).default(4000),
  PROMPT_BLOCKLIST: list.default([]),
  MEDIA_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  MEDIA_MAX_PIXELS: int(1, 1_000_000_000).default(50_000_000),
});

export interface OpenAIConfig {
  apiKey: string;
  /** An OpenAI-compatible server; OpenAI's own when undefined. */
  baseURL?: string;
  defaultModel: string;
  /** The models people may choose from, default first. */
  models: string[];
  timeoutMs: number;
  /** Check prompts with OpenAI's moderation endpoint before generating. */
  moderation: boolean;
}

export interface GenerationConfig {
  provider: "builtin" | "openai";
  /** Present when provider is "openai". */
  openai?: OpenAIConfig;
  prompt: { maxLength: number; blocklist: string[] };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Limits for every image that enters the media pipeline or comes back from a provider. */
  media: { maxBytes: number; maxPixels: number };
}

/**
 * Builds the image generation and media configuration from environment
 * variables, in the style of loadConfig: unknown variables are ignored; a bad
 * value throws a ConfigError naming the variable.
 */
export function loadGenerationConfig(env: Record<string, string | undefined> = process.env): GenerationConfig {
  const c = parseEnv(schema, env);
  const provider = c.IMAGE_PROVIDER ?? (c.OPENAI_API_KEY ? "openai" : "builtin");
  if (provider === "openai" && !c.OPENAI_API_KEY) {
    throw new ConfigError(
      "Invalid configuration:\n  OPENAI_API_KEY: required when IMAGE_PROVIDER=openai (any non-empty value for a server that needs no key)",
    );
  }
  let openai: OpenAIConfig | undefined;
  if (provider === "openai") {
    const listed = c.OPENAI_IMAGE_MODELS ?? DEFAULT_OPENAI_MODELS;
    if (c.OPENAI_IMAGE_MODELS && !listed.includes(c.OPENAI_IMAGE_MODEL)) {
      throw new ConfigError(
        `Invalid configuration:\n  OPENAI_IMAGE_MODEL: ${c.OPENAI_IMAGE_MODEL} is not in OPENAI_IMAGE_MODELS (${listed.join(", ")})`,
      );
    }
    openai = {
      apiKey: c.OPENAI_API_KEY as string,
      baseURL: c.OPENAI_BASE_URL?.replace(/\/+$/, ""),
      defaultModel: c.OPENAI_IMAGE_MODEL,
      models: [c.OPENAI_IMAGE_MODEL, ...listed.filter((m) => m !== c.OPENAI_IMAGE_MODEL)],
      timeoutMs: c.OPENAI_TIMEOUT_MS,
      moderation: c.OPENAI_MODERATION,
    };
  }
  return {
    provider,
    openai,
    prompt: { maxLength: c.PROMPT_MAX_LENGTH, blocklist: c.PROMPT_BLOCKLIST },
    retry: {
      maxAttempts: c.GENERATION_MAX_ATTEMPTS,
      baseDelayMs: c.GENERATION_RETRY_DELAY_MS,
      maxDelayMs: Math.max(c.GENERATION_RETRY_DELAY_MS, 30_000),
    },
    media: { maxBytes: c.MEDIA_MAX_BYTES, maxPixels: c.MEDIA_MAX_PIXELS },
  };
}
