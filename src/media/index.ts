export { mediaColumns, type StoredDerivatives, type StoredFile, storeDerivatives } from "./derivatives.ts";
export { type ImageInfo, type InputLimits, inspectImage, MediaError, type MediaErrorCode } from "./inspect.ts";
export { LocalDiskMediaStore, type LocalDiskMediaStoreOptions } from "./local-store.ts";
export {
  blurhashComponents,
  FULL_MAX_SIDE,
  type ImageVariant,
  type PipelineOptions,
  type PipelineResult,
  processImage,
  THUMB_MAX_SIDE,
  type VariantName,
  WEBP_MAX_SIDE,
} from "./pipeline.ts";
export { IMMUTABLE_CACHE, mediaRoutes } from "./routes.ts";
export { type ByteRange, isSafeKey, MediaKeyError, type MediaStat, type MediaStore } from "./store.ts";
export { buildProvenanceXmp, parseProvenanceXmp, type Provenance, TRAINED_ALGORITHMIC_MEDIA } from "./xmp.ts";
