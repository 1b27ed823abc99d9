import { describe, expect, it } from "vitest";
import { noteToRemotePost, postToNote, visibilityOf } from "../../federation/mappers/note.ts";
import { Note } from "@fedify/vocab";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow, MediaRow, Visibility } from "../../src/storage/schema.ts";

const author = {
  id: "a1",
  iri: "https://pictor.example/users/alice",
  username: "alice",
  domain: null,
  display_name: "Alice",
  url: "https://pictor.example/@alice",
} as AccountRow;
const bob = { id: "b1", iri: "https://remote.example/users/bob", username: "bob", domain: "remote.example", url: "https://remote.example/@bob" } as AccountRow;
const media = (i: number): MediaRow =>
  ({
    id: `m${i}`,
    file_key: `hash${i}.jpg`,
    media_type: "image/jpeg",
    width: 1024,
    height: 768,
    alt: `alt ${i}`,
    prompt: `a lighthouse at dusk ${i}`,
    model: "gpt-image-1",
    provider: "openai",
    remote_url: null,
  }) as MediaRow;

function details(visibility: Visibility, extra: Partial<PostDetails["post"]> = {}): PostDetails {
  return {
    post: {
      id: "p1",
      iri: "https://pictor.example/users/alice/posts/p1",
      account_id: "a1",
      url: "https://pictor.example/@alice/p1",
      caption: "Dusk #lighthouse @bob@remote.example",
      content_html: '<p>Dusk <a href="https://pictor.example/tags/lighthouse" class="mention hashtag" rel="tag">#<span>lighthouse</span></a></p>',
      summary: null,
      sensitive: 0,
      visibility,
      show_prompt: 1,
      in_reply_to_iri: null,
      quote_iri: null,
      quote_authorization_iri: null,
      quote_state: null,
      quotes_count: 0,
      replies_count: 0,
      likes_count: 0,
      boosts_count: 0,
      published_at: "2026-11-24T12:00:00.000Z",
      updated_at: null,
      deleted_at: null,
      created_at: "2026-11-24T12:00:00.000Z",
      ...extra,
    },
    author,
    media: [media(1), media(2)],
    tags: ["lighthouse"],
    mentions: [bob],
  };
}

const urls = {
  media: (key: string) => new URL(`https://pictor.example/media/${key}`),
  followers: new URL("https://pictor.example/users/alice/followers"),
  tag: (t: string) => new URL(`https://pictor.example/tags/${t}`),
};

describe("post ↔ Note", () => {
  for (const visibility of ["public", "unlisted", "followers", "direct"] as const) {
    it(`maps a ${visibility} post to the Note Mastodon and Pixelfed render`, async () => {
      const json = (await postToNote(details(visibility), urls).toJsonLd({ format: "compact" })) as Record<string, any>;
      expect(json).toMatchSnapshot();
      // What interop needs, asserted explicitly beside the snapshot:
      const attachments = json.attachment;
      expect(attachments).toHaveLength(2);
      for (const a of attachments) {
        expect(a.type).toBe("Image");
        expect(a.mediaType).toBe("image/jpeg");
        expect(typeof a.url).toBe("string");
        expect(a.name).toMatch(/^alt /);
        expect(a.width).toBe(1024);
        expect(a.generator).toMatchObject({ type: "Application", name: "gpt-image-1 (openai)" });
      }
      expect(json.summary).toBeUndefined();
      expect(json.content).toContain("AI-generated images · gpt-image-1");
      expect(json.content).toContain("Prompt: a lighthouse at dusk 1");
    });
  }

  it("puts a content warning in summary with sensitive, never the prompt", async () => {
    const json = (await postToNote(details("public", { summary: "flashing colours", sensitive: 1 }), urls).toJsonLd()) as any;
    expect(json.summary).toBe("flashing colours");
    expect(json.sensitive).toBe(true);
    const hidden = (await postToNote(details("public", { show_prompt: 0 }), urls).toJsonLd()) as any;
    expect(hidden.content).not.toContain("Prompt:");
    expect(hidden.content).toContain("AI-generated");
  });

  it("reads a Note back into a post, sanitizing what arrives", async () => {
    const note = postToNote(details("followers"), urls);
    const tampered = note.clone({
      content: '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a><iframe src="https://evil.example"></iframe><img src=x onerror=alert(1)></p>',
    });
    const post = await noteToRemotePost(tampered, "https://pictor.example/users/alice/followers");
    expect(post).toMatchObject({
      iri: "https://pictor.example/users/alice/posts/p1",
      authorIri: author.iri,
      visibility: "followers",
      tags: ["lighthouse"],
      mentionIris: [bob.iri],
    });
    expect(post!.attachments.map((a) => a.alt)).toEqual(["alt 1", "alt 2"]);
    expect(post!.attachments[0]).toMatchObject({ url: "https://pictor.example/media/hash1.jpg", mediaType: "image/jpeg", width: 1024, height: 768 });
    expect(post!.contentHtml).toBe('<p>Hi <a rel="nofollow noopener noreferrer" target="_blank">x</a></p>');
  });

  it("round-trips visibility through addressing", async () => {
    for (const v of ["public", "unlisted", "followers", "direct"] as const) {
      const note = postToNote(details(v), urls);
      expect(visibilityOf(note.toIds, note.ccIds, urls.followers.href)).toBe(v);
    }
    expect(await noteToRemotePost(new Note({}), null)).toBeNull();
  });
});
