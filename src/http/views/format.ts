import type { MediaView } from "../../read/views.ts";

const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", hourCycle: "h23" });

/** A stored ISO timestamp as people read it: "3 Dec 2026, 15:30 UTC" (the <time datetime> keeps the exact value). */
export function readableDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${DATE.format(date)} UTC`;
}

/** A width scaled so that the longest side is at most `max` (how the thumbnail and the WebP are made). */
function fitted(m: { width: number | null; height: number | null }, max: number): number | null {
  if (!m.width || !m.height) return null;
  const long = Math.max(m.width, m.height);
  return long <= max ? m.width : Math.max(1, Math.round((m.width * max) / long));
}

/**
 * srcset over the 400 px thumbnail and the full WebP (≤ 2048 px), so the
 * browser picks the smallest one sharp at the drawn size and density; none
 * when the sizes are unknown or both are one file.
 */
export function mediaSrcset(m: MediaView): string | undefined {
  if (m.thumbUrl === m.url) return undefined;
  const thumb = fitted(m, 400);
  const full = fitted(m, 2048);
  if (!thumb || !full || full <= thumb) return undefined;
  return `${m.thumbUrl} ${thumb}w, ${m.url} ${full}w`;
}
