import { createHttpClient, type HttpClientOptions } from "../net/client.ts";
import { createBuiltinProvider } from "./builtin.ts";
import type { GenerationConfig } from "./config.ts";
import { GenerationError } from "./errors.ts";
import { OPENAI_BASE_URL, OPENAI_PROVIDER } from "./models.ts";
import type { OpenAIImageProvider } from "./openai.ts";
import { createPromptPolicy, type Moderator, type PromptPolicy } from "./policy.ts";
import type { RetryOptions } from "./retry.ts";
import type { EditRequest, GeneratedImage, GenerationRequest, ImageProvider, PromptVerdict } from "./types.ts";
import { validatePrompt } from "./validate.ts";

export { BUILTIN_MODEL, BUILTIN_PROVIDER, createBuiltinProvider } from "./builtin.ts";
export { type GenerationConfig, loadGenerationConfig } from "./config.ts";
export { GENERATION_ERROR_CODES, GenerationError, type GenerationErrorCode, isGenerationError } from "./errors.ts";
export { OPENAI_PROVIDER } from "./models.ts";
export { checkBlocklist, compileBlocklist, createPromptPolicy, type Moderator, type PromptPolicy } from "./policy.ts";
export { backoffDelay, type RetryOptions, withRetry } from "./retry.ts";
export type * from "./types.ts";
export { parseSize, validateRequest } from "./validate.ts";

export interface GenerationDeps {
  /** For the OpenAI client and image downloads (tests); otherwise a client is built from `http`. */
  fetch?: typeof fetch;
  /**
   * The shared HTTP client settings (src/net). The provider gets its own
   * client from them: its configured base URL may be a private address (a
   * server on the same machine), anything else it links to may not, and it
   * waits up to OPENAI_TIMEOUT_MS for an answer.
   */
  http?: HttpClientOptions;
  /** Backoff waits; tests make them instant. */
  sleep?: RetryOptions["sleep"];
  /** Seeds for the builtin provider, jitter for backoff. */
  random?: () => number;
}

/** The provider the configuration asks for. */
export function createImageProvider(config: GenerationConfig, deps: GenerationDeps = {}): ImageProvider {
  return buildProvider(config, deps).provider;
}

function buildProvider(config: GenerationConfig, deps: GenerationDeps) {
  const retry: RetryOptions = { ...config.retry, sleep: deps.sleep, random: deps.random };
  if (config.provider === "openai" && config.openai) {
    const o = config.openai;
    // The openai package (and its memory) loads on first use, not at start-up.
    let loaded: Promise<OpenAIImageProvider> | undefined;
    const providerFetch = () => {
      if (deps.fetch || !deps.http) return deps.fetch;
      // A second past the client's own timeout, so that one (with its clearer message) fires first.
      const wait = o.timeoutMs + 1000;
      return createHttpClient({
        ...deps.http,
        trustedOrigins: [o.baseURL ?? OPENAI_BASE_URL],
        headersTimeoutMs: wait,
        bodyTimeoutMs: wait,
        totalTimeoutMs: wait,
        maxResponseBytes: undefined, // answers and downloads are capped by the provider itself
      }).fetch;
    };
    const load = () =>
      (loaded ??= import("./openai.ts").then(({ createOpenAIProvider }) =>
        createOpenAIProvider({
          apiKey: o.apiKey,
          baseURL: o.baseURL,
          models: o.models,
          defaultModel: o.defaultModel,
          timeoutMs: o.timeoutMs,
          maxPromptLength: config.prompt.maxLength,
          limits: config.media,
          retry,
          fetch: providerFetch(),
        }),
      ));
    const provider: ImageProvider = {
      name: OPENAI_PROVIDER,
      models: o.models,
      defaultModel: o.defaultModel,
      generate: async (req) => (await load()).generate(req),
      edit: async (req) => (await load()).edit(req),
    };
    const moderator: Moderator = async (prompt, signal) => (await load()).moderate(prompt, signal);
    return { provider, moderator: o.moderation ? moderator : undefined };
  }
  const provider = createBuiltinProvider({ maxPromptLength: config.prompt.maxLength, limits: config.media, random: deps.random });
  return { provider, moderator: undefined };
}

/** A provider with the instance's prompt policy in front of it. */
export interface ImageGenerator {
  readonly provider: ImageProvider;
  readonly policy: PromptPolicy;
  /** Whether a prompt may be used, and if not, why (for forms that check before submitting). */
  checkPrompt(prompt: string, signal?: AbortSignal): Promise<PromptVerdict>;
  /** Checks the prompt, then generates. A refused prompt is a content_policy GenerationError carrying the reason. */
  generate(req: GenerationRequest): Promise<GeneratedImage[]>;
  /** Checks the prompt, then edits; bad_request when the provider cannot edit. */
  edit(req: EditRequest): Promise<GeneratedImage[]>;
}

export function createImageGenerator(config: GenerationConfig, deps: GenerationDeps = {}): ImageGenerator {
  const { provider, moderator } = buildProvider(config, deps);
  const policy = createPromptPolicy({ blocklist: config.prompt.blocklist, moderator });
  const guard = async (req: GenerationRequest) => {
    validatePrompt(req.prompt, config.prompt.maxLength);
    const verdict = await policy.checkPrompt(req.prompt, req.signal);
    if (!verdict.allowed) throw new GenerationError("content_policy", verdict.reason, { retryable: false });
  };
  return {
    provider,
    policy,
    checkPrompt: (prompt, signal) => policy.checkPrompt(prompt, signal),
    async generate(req) {
      await guard(req);
      return provider.generate(req);
    },
    async edit(req) {
      if (!provider.edit) throw new GenerationError("bad_request", `The ${provider.name} provider cannot edit images.`);
      await guard(req);
      return provider.edit(req);
    },
  };
}

