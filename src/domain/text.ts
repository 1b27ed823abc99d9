/**
 * Captions are plain text. Rendering turns them into safe HTML with links,
 * #hashtags and @mentions, the way Mastodon marks them up; every other
 * character is escaped, so no markup from the author survives.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

// One token at a time: a URL, a mention (@user or @user@host), or a hashtag.
const TOKEN =
  /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|(?<![\w@/])@([a-z0-9_]{1,30})(?:@([a-z0-9.-]+\.[a-z]{2,}|[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d+)?))?(?![\w@])|(?<![\w#&/])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/giu;

export interface CaptionParts {
  /** Hashtags, lowercased, in order of first use. */
  tags: string[];
  /** Mentions as written: { username, host } (host null for a local mention). */
  mentions: Array<{ username: string; host: string | null }>;
}

export function parseCaption(text: string): CaptionParts {
  const tags: string[] = [];
  const mentions: CaptionParts["mentions"] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[4]) {
      const tag = m[4].toLowerCase();
      if (tag.length <= 100 && !tags.includes(tag)) tags.push(tag);
    } else if (m[2]) {
      const username = m[2].toLowerCase();
      const host = m[3]?.toLowerCase() ?? null;
      if (!mentions.some((x) => x.username === username && x.host === host)) mentions.push({ username, host });
    }
  }
  return { tags, mentions };
}

export interface RenderLinks {
  /** The profile URL of a mentioned account, or null to leave the text as written. */
  mention(username: string, host: string | null): { href: string; username: string } | null;
  tag(tag: string): string;
}

export function renderCaption(text: string, links: RenderLinks): string {
  const paragraphs = text.replace(/\r\n?/g, "\n").trim().split(/\n{2,}/);
  return paragraphs
    .filter((p) => p.trim() !== "")
    .map((p) => `<p>${renderInline(p, links).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

function renderInline(text: string, links: RenderLinks): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1]) {
      const href = escapeHtml(m[1]);
      out += `<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${href}</a>`;
    } else if (m[2]) {
      const found = links.mention(m[2].toLowerCase(), m[3]?.toLowerCase() ?? null);
      out += found
        ? `<span class="h-card"><a href="${escapeHtml(found.href)}" class="u-url mention">@<span>${escapeHtml(found.username)}</span></a></span>`
        : escapeHtml(m[0]);
    } else if (m[4]) {
      const tag = m[4];
      out += `<a href="${escapeHtml(links.tag(tag.toLowerCase()))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(tag)}</span></a>`;
    }
  }
  return out + escapeHtml(text.slice(last));
}
