// What the OpenAI provider's models accept, apart from the provider itself, so that validating a
// request does not load the `openai` package (it is loaded only when the provider is used).
import type { ModelRules } from "./validate.ts";

export const OPENAI_PROVIDER = "openai";

/** Where the OpenAI provider goes when OPENAI_BASE_URL is not set. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

const GPT_IMAGE: ModelRules = { sizes: ["1024x1024", "1536x1024", "1024x1536"], maxN: 4, transparentBackground: true, edit: true };

/** What OpenAI's own image models accept. */
export const OPENAI_MODEL_RULES: Readonly<Record<string, ModelRules>> = {
  "gpt-image-1": GPT_IMAGE,
  "gpt-image-1-mini": GPT_IMAGE,
  "dall-e-3": { sizes: ["1024x1024", "1792x1024", "1024x1792"], maxN: 1, transparentBackground: false, edit: false },
};

/** Models of OpenAI-compatible servers that we know nothing about: any reasonable size. */
export const GENERIC_MODEL_RULES: ModelRules = { minSide: 64, maxSide: 4096, maxN: 4, transparentBackground: true, edit: true };

