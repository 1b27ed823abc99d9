// What the OpenAI provider's models accept, apart from the provider itself, so that validating a
// request does not load the `openai` package (it is loaded only when the provider is used).
import { MAX_IMAGES_PER_REQUEST, type ModelRules } from "./validate.ts";

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


/** The builtin provider's model id (here, so that labels need not load the builtin provider). */
export const BUILTIN_MODEL_ID = "builtin-v1";

/** What people read for a model: the builtin one is named for what it is, an offline demo. */
export function modelLabel(model: string): string {
  return model === BUILTIN_MODEL_ID ? "Offline demo model (builtin)" : model;
}

/** Sizes offered for models that take any size in a range: square, landscape, portrait, and a small square that is quick. */
const PRESET_SIZES = ["1024x1024", "1536x1024", "1024x1536", "512x512"];

/** The sizes a form offers for a model, default (square) first. */
export function offeredSizes(rules: ModelRules): string[] {
  if (rules.sizes) return [...rules.sizes];
  const min = rules.minSide ?? 1;
  const max = rules.maxSide ?? 4096;
  return PRESET_SIZES.filter((s) => s.split("x").every((side) => Number(side) >= min && Number(side) <= max));
}

/** The models of a provider as a form offers them, default first. */
export function modelChoices(rules: Readonly<Record<string, ModelRules>>, defaultModel: string) {
  const ids = [defaultModel, ...Object.keys(rules).filter((m) => m !== defaultModel)].filter((m) => Object.hasOwn(rules, m));
  return ids.map((id) => ({ id, label: modelLabel(id), sizes: offeredSizes(rules[id]), maxN: Math.min(MAX_IMAGES_PER_REQUEST, rules[id].maxN), edit: rules[id].edit }));
}

/** "Square · 1024 × 1024": a size as a form names it. */
export function sizeLabel(size: string): string {
  const [w, h] = size.split("x").map(Number);
  if (!w || !h) return size;
  const shape = w === h ? (w <= 512 ? "Small square" : "Square") : w > h ? "Landscape" : "Portrait";
  return `${shape} · ${w} × ${h}`;
}
