import type { ImageVariant, PipelineResult, VariantName } from "./pipeline.ts";
import type { MediaStore } from "./store.ts";

export interface StoredFile {
  key: string;
  url: string;
  size: number;
  contentType: string;
  width: number;
  height: number;
}

export interface StoredDerivatives {
  sha256: string;
  width: number;
  height: number;
  blurhash: string;
  hasAlpha: boolean;
  files: Record<VariantName, StoredFile>;
}

const VARIANTS: readonly VariantName[] = ["original", "full", "webp", "thumb"];

/**
 * Writes the original and every derivative to the store. Each write is
 * atomic; if any fails, the files this call created are deleted again (files
 * that were already there — the same image stored before — are left alone)
 * and the first error is thrown, so either all four files exist or the
 * store is as it was.
 */
export async function storeDerivatives(store: MediaStore, result: PipelineResult): Promise<StoredDerivatives> {
  const variants = VARIANTS.map((name) => [name, result[name]] as const);
  const existed = await Promise.all(variants.map(([, v]) => store.stat(v.key).then((s) => s !== null)));
  const written = await Promise.allSettled(variants.map(([, v]) => store.put(v.key, v.bytes, v.contentType)));

  const failure = written.find((w) => w.status === "rejected");
  if (failure) {
    await Promise.allSettled(
      variants.map(([, v], i) => (written[i].status === "fulfilled" && !existed[i] ? store.delete(v.key) : undefined)),
    );
    throw (failure as PromiseRejectedResult).reason;
  }

  const files = {} as Record<VariantName, StoredFile>;
  variants.forEach(([name, v], i) => {
    const w = written[i] as PromiseFulfilledResult<{ size: number }>;
    files[name] = describe(store, v, w.value.size);
  });
  return {
    sha256: result.sha256,
    width: result.width,
    height: result.height,
    blurhash: result.blurhash,
    hasAlpha: result.hasAlpha,
    files,
  };
}

function describe(store: MediaStore, v: ImageVariant, size: number): StoredFile {
  return { key: v.key, url: store.url(v.key).href, size, contentType: v.contentType, width: v.width, height: v.height };
}

/** The media table's file columns for stored derivatives. */
export function mediaColumns(stored: StoredDerivatives): {
  sha256: string;
  file_key: string;
  original_key: string;
  webp_key: string;
  thumb_key: string;
  media_type: string;
  width: number;
  height: number;
  blurhash: string;
} {
  return {
    sha256: stored.sha256,
    file_key: stored.files.full.key,
    original_key: stored.files.original.key,
    webp_key: stored.files.webp.key,
    thumb_key: stored.files.thumb.key,
    media_type: stored.files.full.contentType,
    width: stored.files.full.width,
    height: stored.files.full.height,
    blurhash: stored.blurhash,
  };
}
