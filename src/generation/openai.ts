import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, toFile } from "openai";
import type { InputLimits } from "../media/inspect.ts";
import { cappedFetch } from "../net/body.ts";
import { findCause, PrivateAddressError, ResponseTooLargeError } from "../net/errors.ts";
import { GenerationError } from "./errors.ts";
import { checkSource, downloadImage, verifyImage } from "./images.ts";
import type { Moderator } from "./policy.ts";
import { type RetryOptions, withRetry } from "./retry.ts";
import type { EditRequest, GeneratedImage, GenerationRequest, ImageProvider, PromptVerdict } from "./types.ts";
import { MAX_IMAGES_PER_REQUEST, type ModelRules, type ValidRequest, validateRequest } from "./validate.ts";

export { GENERIC_MODEL_RULES, OPENAI_MODEL_RULES, OPENAI_PROVIDER } from "./models.ts";
import { GENERIC_MODEL_RULES, OPENAI_BASE_URL, OPENAI_MODEL_RULES, OPENAI_PROVIDER } from "./models.ts";

export interface OpenAIProviderOptions {
  apiKey: string;
  /** An OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1; OpenAI's when omitted. */
  baseURL?: string;
  /** Offered models, default first; OpenAI's three when omitted. */
  models?: readonly string[];
  defaultModel?: string;
  /** Per HTTP request (and per download of an image URL). */
  timeoutMs: number;
  maxPromptLength: number;
  /** Limits for downloaded and returned images. */
  limits: InputLimits;
  retry: RetryOptions;
  /** The moderation model used by moderate(). */
  moderationModel?: string;
  /**
   * For the client and for image downloads; the global fetch by default.
   * Pictor passes a guarded client (src/net) that may reach the configured
   * baseURL but refuses other private addresses.
   */
  fetch?: typeof fetch;
}

export interface OpenAIImageProvider extends ImageProvider {
  edit(req: EditRequest): Promise<GeneratedImage[]>;
  /** Asks OpenAI's moderation endpoint about a prompt (a Moderator for createPromptPolicy). */
  moderate: Moderator;
}

/** Room in an Images API answer for everything but the base64 images (JSON, revised prompts, usage). */
const ANSWER_OVERHEAD_BYTES = 256 * 1024;

const seconds = (ms: number) => `${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} seconds`;
const short = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

function providerMessage(e: APIError): string {
  const m = (e.error as { message?: unknown } | undefined)?.message;
  return typeof m === "string" && m.trim() ? short(m.trim()) : "";
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers?.get("retry-after");
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The one place OpenAI failures become GenerationErrors, from the client's
 * own error classes, HTTP statuses and error codes.
 */
export function classifyOpenAIError(e: unknown, timeoutMs: number): GenerationError {
  if (e instanceof GenerationError) return e;
  // Our own refusals, whether the client wrapped them (fetch failed) or not (body read).
  const tooLarge = findCause(e, ResponseTooLargeError);
  if (tooLarge) {
    return new GenerationError(
      "invalid_image",
      `${tooLarge.message}, more than the images asked for can take within MEDIA_MAX_BYTES; it was refused without being read whole.`,
      { retryable: false, cause: e },
    );
  }
  const refused = findCause(e, PrivateAddressError);
  if (refused) {
    return new GenerationError("unavailable", `The image service sent Pictor to a private address (${refused.hostname}), which is refused.`, {
      retryable: false,
      cause: e,
    });
  }
  if (e instanceof APIUserAbortError) {
    return new GenerationError("timeout", "The generation was cancelled.", { retryable: false, cause: e });
  }
  if (e instanceof APIConnectionTimeoutError) {
    return new GenerationError(
      "timeout",
      `The image service did not answer within ${seconds(timeoutMs)}. Try again; smaller sizes and lower quality are faster.`,
      { cause: e },
    );
  }
  if (e instanceof APIConnectionError) {
    return new GenerationError("unavailable", "The image service could not be reached. Try again in a few minutes.", { cause: e });
  }
  if (!(e instanceof APIError)) {
    return new GenerationError("unavailable", "The image service failed unexpectedly.", { retryable: false, cause: e });
  }

  const status = e.status ?? 0;
  const code = String(e.code ?? "");
  const type = String(e.type ?? "");
  const said = providerMessage(e);
  const meta = { status, cause: e, requestId: e.requestID ?? undefined, retryAfterMs: retryAfterMs(e.headers) };

  if (code === "content_policy_violation" || code === "moderation_blocked" || /content.?policy|safety system/i.test(said)) {
    return new GenerationError(
      "content_policy",
      `The image service refused this prompt under its content policy${said ? ` (“${said}”)` : ""}. Rephrase it and try again.`,
      meta,
    );
  }
  if (code === "insufficient_quota" || type === "insufficient_quota" || code === "billing_hard_limit_reached") {
    return new GenerationError(
      "quota_exhausted",
      "The image service account has run out of credit or reached its spending limit. The instance administrator needs to add credit or raise the limit; until then no images can be made.",
      { ...meta, retryable: false },
    );
  }
  if (status === 429) {
    return new GenerationError("rate_limited", "The image service is receiving too many requests from this instance. Wait a minute and try again.", meta);
  }
  if (status === 401 || code === "invalid_api_key") {
    return new GenerationError(
      "bad_api_key",
      "The image service rejected the API key. The instance administrator needs to check OPENAI_API_KEY.",
      meta,
    );
  }
  if (status === 403) {
    return new GenerationError(
      "bad_api_key",
      `The API key is not allowed to do this${said ? ` (“${said}”)` : ""}. The instance administrator needs to check the key's project, organisation verification or model access.`,
      meta,
    );
  }
  if (status === 408) return new GenerationError("timeout", "The image service timed out. Try again.", meta);
  if (status === 409 || status >= 500) {
    return new GenerationError(
      "unavailable",
      `The image service is having trouble (HTTP ${status}). Try again in a few minutes.`,
      meta,
    );
  }
  return new GenerationError("bad_request", `The image service rejected the request${said ? `: ${said}` : ` (HTTP ${status})`}.`, meta);
}

/** Maps our quality to what the model understands (dall-e-3 has standard and hd). */
function qualityFor(model: string, quality: ValidRequest["quality"]) {
  if (quality === "auto") return undefined;
  if (model.startsWith("dall-e")) return quality === "high" ? ("hd" as const) : ("standard" as const);
  return quality;
}

/**
 * The OpenAI Images API through the official client (or any compatible
 * server via baseURL). The client's own retries are off: failures are
 * classified once (classifyOpenAIError) and only retryable ones are retried,
 * with exponential backoff.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): OpenAIImageProvider {
  const baseFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // Answers are read whole and parsed by the client, so their size is capped while they stream in:
  // at most n images in base64 (4 bytes per 3) within MEDIA_MAX_BYTES each, plus room for the JSON around them.
  const answerLimit = (n: number) => n * Math.ceil(options.limits.maxBytes / 3) * 4 + ANSWER_OVERHEAD_BYTES;
  const answers = (n: number) => cappedFetch(baseFetch, answerLimit(n), { what: "The image service's answer" });
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? OPENAI_BASE_URL,
    timeout: options.timeoutMs,
    maxRetries: 0,
    fetch: answers(MAX_IMAGES_PER_REQUEST),
  });
  const forImages = new Map<number, OpenAI>();
  /** The client, with its answers capped for n images. */
  const imagesClient = (n: number) => {
    let c = forImages.get(n);
    if (!c) forImages.set(n, (c = client.withOptions({ fetch: answers(n) })));
    return c;
  };
  const listed = options.models?.length ? [...options.models] : Object.keys(OPENAI_MODEL_RULES);
  const defaultModel = options.defaultModel ?? listed[0];
  const models = [defaultModel, ...listed.filter((m) => m !== defaultModel)];
  const rules: Record<string, ModelRules> = {};
  for (const m of models) rules[m] = Object.hasOwn(OPENAI_MODEL_RULES, m) ? OPENAI_MODEL_RULES[m] : GENERIC_MODEL_RULES;
  const limits = { models: rules, defaultModel, maxPromptLength: options.maxPromptLength };
  const classify = (e: unknown) => classifyOpenAIError(e, options.timeoutMs);
  const retrying = <T>(fn: () => Promise<T>, signal?: AbortSignal) =>
    withRetry(fn, classify, { ...options.retry, signal: signal ?? options.retry.signal });

  const params = (req: ValidRequest) => ({
    prompt: req.prompt,
    model: req.model,
    n: req.n,
    size: req.size,
    ...(qualityFor(req.model, req.quality) ? { quality: qualityFor(req.model, req.quality) } : {}),
    ...(req.background !== "auto" ? { background: req.background } : {}),
    ...(req.model.startsWith("dall-e") ? { response_format: "b64_json" as const } : {}),
  });

  async function collect(data: OpenAI.Images.ImagesResponse["data"], req: ValidRequest): Promise<GeneratedImage[]> {
    if (!data?.length) throw new GenerationError("invalid_image", "The image service answered without any image. Try again.");
    const out: GeneratedImage[] = [];
    for (const item of data.slice(0, req.n)) {
      let bytes: Uint8Array;
      if (item.b64_json) {
        bytes = Buffer.from(item.b64_json, "base64");
      } else if (item.url) {
        const url = item.url;
        bytes = await retrying(
          () => downloadImage(url, { maxBytes: options.limits.maxBytes, timeoutMs: options.timeoutMs, signal: req.signal, fetch: baseFetch }),
          req.signal,
        );
      } else {
        throw new GenerationError("invalid_image", "The image service answered with an entry that has neither image data nor a link.");
      }
      const info = await verifyImage(bytes, options.limits);
      out.push({
        bytes,
        ...info,
        ...(item.revised_prompt ? { revisedPrompt: item.revised_prompt } : {}),
        model: req.model,
        provider: OPENAI_PROVIDER,
      });
    }
    return out;
  }

  return {
    name: OPENAI_PROVIDER,
    models,
    defaultModel,

    async generate(input: GenerationRequest): Promise<GeneratedImage[]> {
      const req = validateRequest(input, limits);
      const res = await retrying(() => imagesClient(req.n).images.generate(params(req), { signal: req.signal }), req.signal);
      return collect(res.data, req);
    },

    async edit(input: EditRequest): Promise<GeneratedImage[]> {
      const req = validateRequest(input, limits);
      if (!req.rules.edit) throw new GenerationError("bad_request", `${req.model} cannot edit images; choose another model.`);
      const source = await checkSource(input.image, options.limits);
      const mask = input.mask ? await checkSource(input.mask, options.limits) : undefined;
      const rest = {
        prompt: req.prompt,
        model: req.model,
        n: req.n,
        size: req.size,
        ...(req.quality !== "auto" ? { quality: req.quality } : {}),
        ...(req.background !== "auto" ? { background: req.background } : {}),
      };
      const res = await retrying(async () => {
        const image = await toFile(input.image, `image.${source.ext}`, { type: source.mediaType });
        const maskFile = input.mask && mask ? await toFile(input.mask, `mask.${mask.ext}`, { type: mask.mediaType }) : undefined;
        return imagesClient(req.n).images.edit({ ...rest, image, ...(maskFile ? { mask: maskFile } : {}) }, { signal: req.signal });
      }, req.signal);
      return collect(res.data, req);
    },

    async moderate(prompt: string, signal?: AbortSignal): Promise<PromptVerdict> {
      const res = await retrying(
        () => client.moderations.create({ model: options.moderationModel ?? "omni-moderation-latest", input: prompt }, { signal }),
        signal,
      );
      const flagged = res.results.filter((r) => r.flagged);
      if (flagged.length === 0) return { allowed: true };
      const categories = [
        ...new Set(flagged.flatMap((r) => Object.entries(r.categories).filter(([, v]) => v === true).map(([k]) => k.replace(/\//g, " / ")))),
      ];
      return {
        allowed: false,
        source: "moderation",
        reason: `The prompt was flagged by the moderation check${categories.length ? ` (${categories.join(", ")})` : ""}. Rephrase it and try again.`,
      };
    },
  };
}
