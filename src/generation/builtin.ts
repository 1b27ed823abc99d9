import { sharp } from "../media/sharp.ts";
import type { InputLimits } from "../media/inspect.ts";
import { composeSvg } from "./builtin-art.ts";
import { checkSource } from "./images.ts";
import { BUILTIN_MODEL_ID } from "./models.ts";
import type { EditRequest, GeneratedImage, GenerationRequest, ImageProvider } from "./types.ts";
import { type ModelRules, type ValidRequest, validateRequest } from "./validate.ts";

export const BUILTIN_PROVIDER = "builtin";
export const BUILTIN_MODEL = BUILTIN_MODEL_ID;

export const BUILTIN_MODELS: Readonly<Record<string, ModelRules>> = {
  [BUILTIN_MODEL]: { minSide: 256, maxSide: 2048, maxN: 4, transparentBackground: true, edit: true },
};

export interface BuiltinProviderOptions {
  maxPromptLength: number;
  /** Limits for source images of edits. */
  limits: InputLimits;
  /** Picks seeds when a request has none; Math.random by default. */
  random?: () => number;
}

/**
 * An offline generator: no key, no network, deterministic for (prompt, seed,
 * size). It draws a composition of shapes, gradients and a palette derived
 * from the prompt's words as SVG and renders it to PNG with sharp.
 */
export function createBuiltinProvider(options: BuiltinProviderOptions): ImageProvider {
  const random = options.random ?? Math.random;
  const limits = { models: BUILTIN_MODELS, defaultModel: BUILTIN_MODEL, maxPromptLength: options.maxPromptLength };
  const seeds = (req: ValidRequest) => {
    const first = req.seed ?? Math.floor(random() * 0x100000000);
    return Array.from({ length: req.n }, (_, i) => (first + i) >>> 0);
  };
  const result = (bytes: Buffer, req: ValidRequest, seed: number): GeneratedImage => ({
    bytes,
    mediaType: "image/png",
    width: req.width,
    height: req.height,
    model: req.model,
    provider: BUILTIN_PROVIDER,
    seed,
  });

  return {
    name: BUILTIN_PROVIDER,
    models: Object.keys(BUILTIN_MODELS),
    defaultModel: BUILTIN_MODEL,

    async generate(input: GenerationRequest): Promise<GeneratedImage[]> {
      const req = validateRequest(input, limits);
      const out: GeneratedImage[] = [];
      for (const seed of seeds(req)) {
        req.signal?.throwIfAborted();
        const svg = composeSvg({
          prompt: req.prompt,
          seed,
          width: req.width,
          height: req.height,
          transparent: req.background === "transparent",
        });
        out.push(result(await renderPng(svg), req, seed));
      }
      return out;
    },

    async edit(input: EditRequest): Promise<GeneratedImage[]> {
      const req = validateRequest(input, limits);
      await checkSource(input.image, options.limits);
      const out: GeneratedImage[] = [];
      for (const seed of seeds(req)) {
        req.signal?.throwIfAborted();
        const overlay = composeSvg({ prompt: req.prompt, seed, width: req.width, height: req.height, transparent: true, opacity: 0.6 });
        const bytes = await sharp(input.image, { limitInputPixels: options.limits.maxPixels })
          .resize(req.width, req.height, { fit: "cover" })
          .composite([{ input: Buffer.from(overlay) }])
          .png({ compressionLevel: 3 })
          .toBuffer();
        out.push(result(bytes, req, seed));
      }
      return out;
    },
  };
}

/** Renders an SVG we wrote ourselves to PNG (fast zlib level: originals are kept as is). */
async function renderPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png({ compressionLevel: 3 }).toBuffer();
}
