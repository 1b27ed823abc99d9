import { badRequest } from "./errors.ts";
import type { GenerationRequest, ImageBackground, ImageQuality } from "./types.ts";

/** What a model accepts. */
export interface ModelRules {
  /** Exact sizes the model accepts; when absent, any size within minSide..maxSide. */
  sizes?: readonly string[];
  minSide?: number;
  maxSide?: number;
  /** Most images per request. */
  maxN: number;
  /** Whether a transparent background can be asked for. */
  transparentBackground: boolean;
  /** Whether the model can edit an existing image. */
  edit: boolean;
}

export interface RequestLimits {
  models: Readonly<Record<string, ModelRules>>;
  defaultModel: string;
  maxPromptLength: number;
}

/** A request after validation, with every default filled in. */
export interface ValidRequest {
  prompt: string;
  model: string;
  rules: ModelRules;
  size: string;
  width: number;
  height: number;
  n: number;
  seed?: number;
  quality: ImageQuality;
  background: ImageBackground;
  signal?: AbortSignal;
}

/** The most images any request may ask for (a post holds four). */
export const MAX_IMAGES_PER_REQUEST = 4;
export const DEFAULT_SIZE = "1024x1024";
const QUALITIES: readonly ImageQuality[] = ["auto", "low", "medium", "high"];
const BACKGROUNDS: readonly ImageBackground[] = ["auto", "transparent", "opaque"];

/** Parses "WIDTHxHEIGHT"; throws a bad_request GenerationError otherwise. */
export function parseSize(size: string): { width: number; height: number } {
  const m = /^\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*$/i.exec(size);
  if (!m) throw badRequest(`The size "${size}" is not of the form WIDTHxHEIGHT, such as 1024x1024.`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Trims the prompt and checks it is neither empty nor longer than maxLength characters. */
export function validatePrompt(prompt: unknown, maxLength: number): string {
  if (typeof prompt !== "string") throw badRequest("A prompt is required.");
  const trimmed = prompt.trim();
  if (trimmed.length === 0) throw badRequest("The prompt is empty: describe the image you want.");
  const length = [...trimmed].length;
  if (length > maxLength) {
    throw badRequest(`The prompt is ${length} characters long; the limit is ${maxLength}. Shorten it and try again.`);
  }
  return trimmed;
}

/**
 * Checks a request against the model's rules and fills in defaults. Every
 * problem becomes a bad_request GenerationError whose message names the
 * field and what is allowed.
 */
export function validateRequest(req: GenerationRequest, limits: RequestLimits): ValidRequest {
  const prompt = validatePrompt(req.prompt, limits.maxPromptLength);

  const model = req.model ?? limits.defaultModel;
  const rules = Object.hasOwn(limits.models, model) ? limits.models[model] : undefined;
  if (!rules) {
    throw badRequest(`Unknown model "${model}". Available models: ${Object.keys(limits.models).join(", ")}.`);
  }

  const size = req.size ?? DEFAULT_SIZE;
  const { width, height } = parseSize(size);
  const canonical = `${width}x${height}`;
  if (rules.sizes) {
    if (!rules.sizes.includes(canonical)) {
      throw badRequest(`${model} cannot make ${canonical} images; choose one of ${rules.sizes.join(", ")}.`);
    }
  } else {
    const min = rules.minSide ?? 1;
    const max = rules.maxSide ?? 4096;
    if (width < min || height < min || width > max || height > max) {
      throw badRequest(`${canonical} is out of range for ${model}: each side must be between ${min} and ${max} pixels.`);
    }
  }

  const n = req.n ?? 1;
  const maxN = Math.min(rules.maxN, MAX_IMAGES_PER_REQUEST);
  if (!Number.isInteger(n) || n < 1 || n > maxN) {
    throw badRequest(maxN === 1 ? `${model} makes one image per request.` : `Ask for 1 to ${maxN} images (got ${n}).`);
  }

  if (req.seed !== undefined && (!Number.isInteger(req.seed) || req.seed < 0 || req.seed > 0xffffffff)) {
    throw badRequest("The seed must be a whole number from 0 to 4294967295.");
  }

  const quality = req.quality ?? "auto";
  if (!QUALITIES.includes(quality)) throw badRequest(`Quality must be one of ${QUALITIES.join(", ")}.`);

  const background = req.background ?? "auto";
  if (!BACKGROUNDS.includes(background)) throw badRequest(`Background must be one of ${BACKGROUNDS.join(", ")}.`);
  if (background === "transparent" && !rules.transparentBackground) {
    throw badRequest(`${model} cannot make transparent backgrounds.`);
  }

  return { prompt, model, rules, size: canonical, width, height, n, seed: req.seed, quality, background, signal: req.signal };
}
