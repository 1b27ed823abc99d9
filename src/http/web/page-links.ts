import type { PostDetails } from "../../domain/posts.ts";
import type { RemoteMediaCache } from "../../jobs/remote-media.ts";
import type { MediaLinks, ViewLinks } from "../../read/views.ts";
import type { AccountRow, MediaRow } from "../../storage/schema.ts";
import type { LocalUrls } from "../../urls.ts";

/** Where local media is shown from: the WebP (full) and the thumbnail made here, else the remote URL. */
export function localMediaLinks(urls: LocalUrls): MediaLinks {
  return {
    full: (m: MediaRow) => (m.webp_key ? urls.media(m.webp_key).href : m.file_key ? urls.media(m.file_key).href : (m.remote_url ?? "")),
    thumb: (m: MediaRow) => (m.thumb_key ? urls.media(m.thumb_key).href : m.file_key ? urls.media(m.file_key).href : (m.remote_url ?? "")),
  };
}

/**
 * The links one page uses: local media as always, and remote images (the
 * posts' attachments, the accounts' avatars and headers) from their cached
 * copies here when there are, else from their remote URL — asking, then, for
 * them to be cached in the background. With `full` (a post's own page), a
 * full-size copy pruned since is asked for again. An image that could not be
 * fetched is marked, to be shown as a link with its alt text.
 */
export async function pageLinks(
  base: ViewLinks,
  urls: LocalUrls,
  cache: RemoteMediaCache,
  posts: PostDetails[],
  accounts: AccountRow[] = [],
  opts: { full?: boolean } = {},
): Promise<ViewLinks> {
  if (!cache.enabled) return base;
  const remote = (m: MediaRow) => (m.file_key || m.webp_key || m.thumb_key ? null : m.remote_url);
  const mediaUrls = posts.flatMap((d) => d.media.map(remote)).filter((u): u is string => Boolean(u));
  const imageUrls = accounts.filter((a) => a.domain !== null).flatMap((a) => [a.avatar_url, a.header_url]).filter((u): u is string => Boolean(u));
  if (mediaUrls.length + imageUrls.length === 0) return base;
  const cached = await cache.lookup([...mediaUrls, ...imageUrls]);
  const wanted = [...mediaUrls, ...imageUrls].filter((u) => !cached.has(u));
  const refetch = opts.full ? mediaUrls.filter((u) => cached.get(u)?.state === "cached" && !cached.get(u)?.full_key && !cached.get(u)?.error) : [];
  if (wanted.length + refetch.length > 0) await cache.request([...wanted, ...refetch], { full: opts.full }).catch(() => 0);
  const at = (key: string) => urls.media(key).href;
  const row = (m: MediaRow) => {
    const url = remote(m);
    return url ? cached.get(url) : undefined;
  };
  const media: MediaLinks = {
    full: (m) => {
      const r = row(m);
      return r?.full_key ? at(r.full_key) : base.media.full(m);
    },
    thumb: (m) => {
      const r = row(m);
      return r?.thumb_key ? at(r.thumb_key) : base.media.thumb(m);
    },
    unavailable: (m) => row(m)?.state === "failed",
    blurhash: (m) => row(m)?.blurhash ?? null,
  };
  return {
    ...base,
    media,
    // An avatar or header that could not be fetched is not shown at all.
    image: (url) => {
      const r = cached.get(url);
      if (r?.state === "failed") return "";
      const key = r?.full_key ?? r?.thumb_key;
      return key ? at(key) : url;
    },
  };
}
