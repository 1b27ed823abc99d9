import { describe, expect, it } from "vitest";
import type { PostDetails } from "../../src/domain/posts.ts";
import { ANONYMOUS, type Viewer } from "../../src/domain/visibility.ts";
import { accountSummary, postView, type ViewLinks } from "../../src/read/views.ts";
import type { AccountRow, MediaRow, PostRow } from "../../src/storage/schema.ts";

const links: ViewLinks = { host: "pictor.test", media: { full: (m) => `/media/${m.id}.webp`, thumb: (m) => `/media/${m.id}.thumb.webp` } };
const now = "2026-12-01T00:00:00.000Z";

function account(extra: Partial<AccountRow> = {}): AccountRow {
  return {
    id: "a1", iri: "http://pictor.test/users/alice", username: "alice", domain: null, display_name: "", bio_html: "", avatar_url: null, header_url: null, url: null,
    inbox_url: null, shared_inbox_url: null, followers_url: null, type: "Person", manually_approves_followers: 0, discoverable: 1, indexable: 1,
    created_at: now, updated_at: now, fetched_at: null, deleted_at: null, suspended_at: null, ...extra,
  };
}

function details(post: Partial<PostRow>, media: Array<Partial<MediaRow>>, author = account()): PostDetails {
  return {
    post: {
      id: "p1", iri: "http://pictor.test/users/alice/posts/p1", account_id: author.id, url: "http://pictor.test/@alice/p1", caption: "hi", content_html: "<p>hi</p>",
      summary: null, sensitive: 0, visibility: "public", show_prompt: 1, in_reply_to_iri: null, quote_iri: null, quote_authorization_iri: null, quote_state: null, quotes_count: 0,
      replies_count: 2, likes_count: 3, boosts_count: 1, published_at: now, updated_at: null, deleted_at: null, created_at: now, ...post,
    },
    author,
    media: media.map((m, i) => ({
      id: `m${i}`, account_id: author.id, post_id: "p1", position: i, job_id: null, sha256: null, file_key: "f", original_key: null, webp_key: null, thumb_key: null,
      remote_url: null, media_type: "image/png", width: 10, height: 10, blurhash: null, alt: "", prompt: null, model: null, provider: null, seed: null, focus: null, created_at: now, ...m,
    })),
    tags: [],
    mentions: [],
  };
}

const author: Viewer = { kind: "account", id: "a1", isLocal: true };
const other: Viewer = { kind: "account", id: "b2", isLocal: true };

describe("post views", () => {
  it("carry the prompt only to those who may read it, and never as alt text", () => {
    const hidden = details({ show_prompt: 0 }, [{ prompt: "a secret prompt", alt: "a secret prompt", model: "m1" }]);
    for (const viewer of [ANONYMOUS, other]) {
      const v = postView(hidden, viewer, links);
      expect(JSON.stringify(v)).not.toContain("a secret prompt");
      expect(v.media[0].alt).toBe("");
      expect(v.generated).toBe(true);
      expect(v.models).toEqual(["m1"]);
    }
    const own = postView(hidden, author, links);
    expect(own.prompts).toEqual(["a secret prompt"]);
    expect(own.promptPublic).toBe(false);
    const shown = postView(details({ show_prompt: 1 }, [{ prompt: "open", alt: "open" }]), other, links);
    expect([shown.prompts, shown.media[0].alt, shown.promptPublic]).toEqual([["open"], "open", true]);
  });

  it("use real booleans and isLocal, and say what the viewer may do", () => {
    const v = postView(details({ sensitive: 1, visibility: "followers" }, [{}]), other, links, new Set(["like"] as const));
    expect(v.sensitive).toBe(true);
    expect(v.author).toMatchObject({ isLocal: true, acct: "alice@pictor.test", path: "/@alice", displayName: "alice", locked: false });
    expect(v.viewer).toEqual({ canBoost: false, liked: true, boosted: false });
    expect(postView(details({ visibility: "followers" }, [{}]), author, links).viewer.canBoost).toBe(true);
    expect(postView(details({}, [{}]), ANONYMOUS, links).viewer.canBoost).toBe(false);
    const remote = accountSummary(account({ id: "r", username: "bob", domain: "remote.example", manually_approves_followers: 1 }), links);
    expect(remote).toMatchObject({ isLocal: false, acct: "bob@remote.example", path: "/@bob@remote.example", locked: true });
    const remotePost = postView(details({ id: "p9" }, [{ prompt: null, model: null }], account({ id: "r", username: "bob", domain: "remote.example" })), other, links);
    expect([remotePost.path, remotePost.generated]).toEqual(["/posts/p9", false]);
  });
});
