import sanitizeHtml from "sanitize-html";

/**
 * Remote HTML, reduced to what Mastodon itself keeps: text structure and
 * links. No scripts, styles, event handlers, iframes or non-http(s) URLs.
 */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "a", "span", "strong", "b", "em", "i", "u", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li"],
    allowedAttributes: { a: ["href", "rel", "class", "title", "target"], span: ["class"], p: ["class"] },
    // `quote-inline` marks a quote's "RE: <link>" fallback (Mastodon: a <p>; Hollo and Akkoma: a <span>), hidden where the quote is drawn.
    allowedClasses: { a: ["mention", "hashtag", "u-url", "h-card"], span: ["h-card", "invisible", "ellipsis", "quote-inline"], p: ["quote-inline"] },
    allowedSchemes: ["http", "https"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: "nofollow noopener noreferrer", target: "_blank" },
      }),
    },
  });
}
