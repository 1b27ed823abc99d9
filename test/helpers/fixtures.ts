import type { RemoteAccountInput } from "../../src/domain/accounts.ts";
import type { RemotePost } from "../../src/domain/posts.ts";

/** A remote account as the federation mappers would produce it. */
export function remoteAccount(name: string, extra: Partial<RemoteAccountInput> = {}): RemoteAccountInput {
  return {
    iri: `https://remote.example/users/${name}`,
    username: name,
    domain: "remote.example",
    display_name: name,
    bio_html: "",
    avatar_url: null,
    header_url: null,
    url: null,
    inbox_url: `https://remote.example/users/${name}/inbox`,
    shared_inbox_url: null,
    followers_url: `https://remote.example/users/${name}/followers`,
    fetched_at: null,
    ...extra,
  };
}

/** A public remote post with no attachments, to be changed by `extra`. */
export function remotePost(iri: string, extra: Partial<RemotePost> = {}): RemotePost {
  return {
    iri,
    url: null,
    contentHtml: "<p>remote</p>",
    summary: null,
    sensitive: false,
    visibility: "public",
    inReplyTo: null,
    quote: null,
    publishedAt: new Date().toISOString(),
    updatedAt: null,
    attachments: [],
    tags: [],
    mentionIris: [],
    ...extra,
  };
}
