import type { Pictor } from "../../src/app.ts";
import type { Insertable } from "kysely";
import type { AccountRow, MediaTable, PostsTable, PostTagsTable } from "../../src/storage/schema.ts";
import { newId, nowIso } from "../../src/storage/time.ts";

/**
 * Fills a database fast for benchmarks: `accounts` remote accounts, `posts`
 * public posts spread over them (each with one image and a tag), and a local
 * viewer who follows `followed` of the accounts.
 */
export async function seed(pictor: Pictor, opts: { accounts: number; posts: number; followed: number; viewer: AccountRow }): Promise<{ accountIds: string[] }> {
  const k = pictor.db.kysely;
  const now = nowIso();
  const accountIds: string[] = [];
  const CHUNK = 500;
  for (let i = 0; i < opts.accounts; i += CHUNK) {
    const rows = [];
    for (let j = i; j < Math.min(opts.accounts, i + CHUNK); j++) {
      const id = newId();
      accountIds.push(id);
      rows.push({
        id,
        iri: `https://remote${j % 50}.example/users/u${j}`,
        username: `u${j}`,
        domain: `remote${j % 50}.example`,
        display_name: `User ${j}`,
        bio_html: "",
        avatar_url: null,
        header_url: null,
        url: null,
        inbox_url: `https://remote${j % 50}.example/users/u${j}/inbox`,
        shared_inbox_url: `https://remote${j % 50}.example/inbox`,
        followers_url: null,
        created_at: now,
        updated_at: now,
        fetched_at: now,
      });
    }
    await k.insertInto("accounts").values(rows).execute();
  }
  const follows = accountIds.slice(0, opts.followed).map((id) => ({
    id: newId(),
    iri: `https://pictor.bench/follows/${id}`,
    follower_id: opts.viewer.id,
    following_id: id,
    state: "accepted" as const,
    created_at: now,
    accepted_at: now,
  }));
  for (let i = 0; i < follows.length; i += CHUNK) await k.insertInto("follows").values(follows.slice(i, i + CHUNK)).execute();
  await addPosts(pictor, accountIds, opts.posts);
  return { accountIds };
}

/** Adds `count` public posts (one image and one tag each) spread over the accounts. */
export async function addPosts(pictor: Pictor, accountIds: string[], count: number): Promise<void> {
  const k = pictor.db.kysely;
  const CHUNK = 500;
  const start = Date.now() - count * 1000;
  for (let i = 0; i < count; i += CHUNK) {
    const posts: Insertable<PostsTable>[] = [];
    const media: Insertable<MediaTable>[] = [];
    const tags: Insertable<PostTagsTable>[] = [];
    for (let j = i; j < Math.min(count, i + CHUNK); j++) {
      const id = newId();
      const author = accountIds[j % accountIds.length];
      const at = new Date(start + j * 1000).toISOString();
      posts.push({
        id,
        iri: `https://bench.example/p/${id}`,
        account_id: author,
        url: null,
        caption: null,
        content_html: `<p>post ${j} #tag${j % 100}</p>`,
        summary: null,
        sensitive: 0,
        visibility: "public" as const,
        show_prompt: 0,
        in_reply_to_iri: null,
        quote_iri: null,
        published_at: at,
        updated_at: null,
        deleted_at: null,
        created_at: at,
      });
      media.push({
        id: newId(),
        account_id: author,
        post_id: id,
        position: 0,
        remote_url: `https://bench.example/m/${id}.jpg`,
        media_type: "image/jpeg",
        width: 1024,
        height: 1024,
        alt: `image ${j}`,
        created_at: at,
      });
      tags.push({ post_id: id, tag: `tag${j % 100}` });
    }
    await k.transaction().execute(async (trx) => {
      await trx.insertInto("posts").values(posts).execute();
      await trx.insertInto("media").values(media).execute();
      await trx.insertInto("post_tags").values(tags).execute();
    });
  }
}
