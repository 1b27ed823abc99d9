import type { Logger } from "@logtape/logtape";
import { DomainError } from "../domain/errors.ts";
import type { GenerationPolicy, GenerationService } from "../domain/generations.ts";
import { BUILTIN_MODELS } from "../generation/builtin.ts";
import { type GenerationConfig, type GeneratedImage, type ImageGenerator, isGenerationError, validateRequest } from "../generation/index.ts";
import { downloadImage } from "../generation/images.ts";
import { GENERIC_MODEL_RULES, modelChoices, OPENAI_MODEL_RULES } from "../generation/models.ts";
import type { ModelRules } from "../generation/validate.ts";
import { mediaColumns, storeDerivatives } from "../media/derivatives.ts";
import { MediaError } from "../media/inspect.ts";
import { processImage } from "../media/pipeline.ts";
import type { MediaStore } from "../media/store.ts";
import type { Db } from "../storage/db.ts";

/** What each model of the configured provider accepts. */
function modelRules(generator: ImageGenerator): Record<string, ModelRules> {
  const p = generator.provider;
  return Object.fromEntries(
    p.models.map((m) => [m, p.name === "builtin" ? (BUILTIN_MODELS[m] ?? GENERIC_MODEL_RULES) : (OPENAI_MODEL_RULES[m] ?? GENERIC_MODEL_RULES)]),
  );
}

/** The domain's view of the configured provider: validation and prompt policy, before any job exists. */
export function generationPolicy(config: GenerationConfig, generator: ImageGenerator): GenerationPolicy {
  const limits = { models: modelRules(generator), defaultModel: generator.provider.defaultModel, maxPromptLength: config.prompt.maxLength };
  return {
    provider: generator.provider.name,
    maxPromptLength: config.prompt.maxLength,
    choices: modelChoices(limits.models, limits.defaultModel),
    async normalize(req) {
      try {
        const v = validateRequest({ prompt: req.prompt, model: req.model, size: req.size, n: req.n, seed: req.seed, quality: req.quality as never }, limits);
        if (req.sourceMediaId && !v.rules.edit) throw new DomainError(422, `${v.model} cannot remix an image; choose another model`, "bad_request");
        return { model: v.model, size: v.size, n: v.n, seed: v.seed ?? null, quality: req.quality ?? null };
      } catch (error) {
        if (isGenerationError(error)) throw new DomainError(422, error.message, error.code);
        throw error;
      }
    },
    async refusal(prompt) {
      const verdict = await generator.checkPrompt(prompt);
      return verdict.allowed ? null : verdict.reason;
    },
  };
}

/** For the whole download of a remote image to remix. */
const REMIX_DOWNLOAD_TIMEOUT_MS = 30_000;

export interface GenerationRunnerDeps {
  db: Db;
  generations: GenerationService;
  generator: ImageGenerator;
  store: MediaStore;
  config: GenerationConfig;
  logger: Logger;
  /** The guarded HTTP client's fetch (src/net): remote images are untrusted URLs, checked on every redirect. */
  fetch: typeof fetch;
}

/**
 * Runs one generation job: claims it, calls the provider (no transaction is
 * open meanwhile), runs every image through the media pipeline, stores the
 * files, then records the media and marks the job done in one transaction.
 * A failure marks the job failed with a reason a person can act on; nothing
 * half-made is recorded. Safe to run twice for the same job.
 */
export function generationRunner(deps: GenerationRunnerDeps): (jobId: string) => Promise<void> {
  const { generations, generator, store, config, logger, db } = deps;
  return async (jobId) => {
    const job = await generations.start(jobId);
    if (!job) return;
    try {
      let images: GeneratedImage[];
      const request = { prompt: job.prompt, model: job.model, size: job.size, n: job.n, seed: job.seed ?? undefined, quality: (job.quality ?? undefined) as never };
      if (job.source_media_id) {
        const source = await db.kysely.selectFrom("media").select(["file_key", "remote_url"]).where("id", "=", job.source_media_id).executeTakeFirst();
        if (!source) throw new DomainError(422, "The image to remix is gone", "bad_request");
        let bytes: Uint8Array | undefined;
        if (source.file_key) bytes = (await store.get(source.file_key))?.bytes;
        else if (source.remote_url) {
          // A remote post's image: an untrusted URL. The guarded client refuses private addresses
          // (after DNS, on every redirect) unless ALLOW_PRIVATE_ADDRESS is set; the size is capped as it streams.
          bytes = await downloadImage(source.remote_url, {
            maxBytes: config.media.maxBytes,
            timeoutMs: REMIX_DOWNLOAD_TIMEOUT_MS,
            fetch: deps.fetch,
            what: "The image to remix",
          });
        }
        if (!bytes) throw new DomainError(422, "The image to remix is gone", "bad_request");
        images = await generator.edit({ ...request, image: bytes });
      } else {
        images = await generator.generate(request);
      }
      const media = [];
      for (const [position, image] of images.entries()) {
        const result = await processImage(image.bytes, { limits: config.media, provenance: { provider: image.provider, model: image.model } });
        const stored = await storeDerivatives(store, result);
        media.push({
          ...mediaColumns(stored),
          position,
          prompt: job.prompt,
          model: image.model,
          provider: image.provider,
          seed: image.seed ?? null,
        });
      }
      await generations.complete(jobId, media);
    } catch (error) {
      if (isGenerationError(error)) await generations.fail(jobId, error.code, error.message);
      else if (error instanceof MediaError) await generations.fail(jobId, "invalid_image", `The provider answered with an unusable image: ${error.message}`);
      else if (error instanceof DomainError) await generations.fail(jobId, error.code, error.message);
      else {
        logger.error("Generation job {jobId} failed: {error}", { jobId, error });
        await generations.fail(jobId, "internal", "Something went wrong while making the image; try again.");
      }
    }
  };
}
