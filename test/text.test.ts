import { describe, expect, it } from "vitest";
import { escapeHtml, parseCaption, renderCaption } from "../src/domain/text.ts";

const links = {
  mention: (u: string, h: string | null) => (u === "ghost" ? null : { href: `https://${h ?? "local.example"}/@${u}`, username: u }),
  tag: (t: string) => `https://local.example/tags/${t}`,
};

describe("captions", () => {
  it("finds hashtags and mentions", () => {
    const parts = parseCaption("Sunset #Dreamy #sky #dreamy @Bob@B.example and @alice, not me@mail.example or a#b or #123");
    expect(parts.tags).toEqual(["dreamy", "sky"]);
    expect(parts.mentions).toEqual([
      { username: "bob", host: "b.example" },
      { username: "alice", host: null },
    ]);
  });

  it("renders safe HTML with links, tags and mentions", () => {
    const html = renderCaption("Hi @bob@b.example <script>alert(1)</script>\n#Art at https://x.example/a?b=1&c=2.\n\nSecond @ghost", links);
    expect(html).toBe(
      '<p>Hi <span class="h-card"><a href="https://b.example/@bob" class="u-url mention">@<span>bob</span></a></span> &lt;script&gt;alert(1)&lt;/script&gt;<br>' +
        '<a href="https://local.example/tags/art" class="mention hashtag" rel="tag">#<span>Art</span></a> at ' +
        '<a href="https://x.example/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">https://x.example/a?b=1&amp;c=2</a>.</p>' +
        "<p>Second @ghost</p>",
    );
  });

  it("escapes quotes so nothing breaks out of an attribute", () => {
    expect(escapeHtml(`"'<>&`)).toBe("&quot;&#39;&lt;&gt;&amp;");
    expect(renderCaption('https://x.example/"onmouseover="alert(1)', links)).not.toContain('"onmouseover');
    expect(renderCaption("javascript:alert(1)", links)).toBe("<p>javascript:alert(1)</p>");
  });
});
