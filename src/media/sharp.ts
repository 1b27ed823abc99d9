import { createRequire } from "node:module";
import type { Sharp, SharpInput, SharpOptions } from "sharp";

type SharpModule = (typeof import("sharp"))["default"];

let loaded: SharpModule | undefined;

/**
 * sharp, loaded on first use: libvips and its threads cost a web process memory that the read
 * path never needs, so nothing loads them at start-up. Its operation cache is off: Pictor never
 * runs the same operation on the same input twice, and the cache would otherwise keep up to 50 MB
 * of images alive after each job (the pipeline benchmark measures without it too).
 */
export function loadSharp(): SharpModule {
  if (!loaded) {
    loaded = createRequire(import.meta.url)("sharp") as SharpModule;
    loaded.cache(false);
  }
  return loaded;
}

/** sharp's constructor, without its module-wide settings (those go through loadSharp()). */
export interface SharpConstructor {
  (options?: SharpOptions): Sharp;
  (input?: SharpInput | SharpInput[], options?: SharpOptions): Sharp;
}

/** Drop-in for sharp's default export (`sharp(input, options)`) that loads it on the first call. */
export const sharp = ((...args: [SharpInput?, SharpOptions?]) => loadSharp()(...args)) as SharpConstructor;
