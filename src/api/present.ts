import type { InteractionService } from "../domain/interactions.ts";
import type { PostDetails } from "../domain/posts.ts";
import type { Viewer } from "../domain/visibility.ts";
import { localMediaLinks, pageLinks } from "../http/web/page-links.ts";
import type { RemoteMediaCache } from "../jobs/remote-media.ts";
import { type EntityPartsReader, NO_STATS } from "../read/entity-parts.ts";
import type { PostReader } from "../read/posts.ts";
import { accountSummary, mediaView, postView, type ViewLinks } from "../read/views.ts";
import type { AccountRow, MediaRow } from "../storage/schema.ts";
import type { LocalUrls } from "../urls.ts";
import {
  accountEntity,
  type EntityLinks,
  type MastodonAccount,
  type MastodonMediaAttachment,
  type MastodonNotification,
  mediaEntity,
  type MastodonStatus,
  notificationEntity,
  reblogEntity,
  shallowQuoted,
  statusEntity,
} from "./entities.ts";

/** One entry to show as a status: a post, or a boost of one (its own id and time, and the booster). */
export interface StatusEntry {
  id: string;
  details: PostDetails;
  boostedBy: AccountRow | null;
  boostedAt?: string;
}

export interface PresenterDeps {
  urls: LocalUrls;
  reader: PostReader;
  parts: EntityPartsReader;
  interactions: InteractionService;
  remoteMedia: RemoteMediaCache;
}

/**
 * Turns posts, accounts and notifications into Mastodon entities for one
 * viewer, loading what they need for the whole list at once (a fixed number
 * of queries whatever its length), then mapping with the pure functions in
 * entities.ts. The callers have already checked that the viewer may see
 * the posts (they come from the read models).
 */
export class Presenter {
  readonly links: EntityLinks;
  readonly #base: ViewLinks;

  constructor(private readonly deps: PresenterDeps) {
    const origin = deps.urls.origin.origin;
    this.links = {
      origin,
      missingAvatar: `${origin}/assets/missing-avatar.png`,
      missingHeader: `${origin}/assets/missing-header.png`,
      tag: (t) => deps.urls.tag(t).href,
    };
    this.#base = { host: deps.urls.host, media: localMediaLinks(deps.urls) };
  }

  /** Account entities, in order. */
  async accounts(rows: AccountRow[]): Promise<MastodonAccount[]> {
    if (rows.length === 0) return [];
    const [stats, links] = await Promise.all([this.deps.parts.stats(rows.map((a) => a.id)), pageLinks(this.#base, this.deps.urls, this.deps.remoteMedia, [], rows)]);
    return rows.map((a) => accountEntity(a, accountSummary(a, links), stats.get(a.id) ?? NO_STATS, this.links));
  }

  async account(row: AccountRow): Promise<MastodonAccount> {
    return (await this.accounts([row]))[0];
  }

  /** Status entities for posts or timeline entries, in order. */
  async statuses(viewer: Viewer, input: Array<StatusEntry | PostDetails>): Promise<MastodonStatus[]> {
    if (input.length === 0) return [];
    const entries: StatusEntry[] = input.map((e) => ("details" in e ? e : { id: e.post.id, details: e, boostedBy: null }));
    const posts = entries.map((e) => e.details);
    const quoted = await this.deps.reader.quotedBy(viewer, posts);
    const all = [...posts, ...quoted.values()];
    const postIds = [...new Set(all.map((d) => d.post.id))];
    const people = new Map<string, AccountRow>();
    for (const d of all) for (const a of [d.author, ...d.mentions]) people.set(a.id, a);
    for (const e of entries) if (e.boostedBy) people.set(e.boostedBy.id, e.boostedBy);
    const viewerId = viewer.kind === "account" ? viewer.id : null;
    const [links, stats, state, marks, replyTargets, remixes] = await Promise.all([
      pageLinks(this.#base, this.deps.urls, this.deps.remoteMedia, all, [...people.values()]),
      this.deps.parts.stats([...people.keys()]),
      viewerId ? this.deps.interactions.viewerState(viewerId, postIds) : Promise.resolve(new Map<string, Set<"like" | "boost">>()),
      viewerId ? this.deps.parts.marks(viewerId, postIds) : Promise.resolve({ bookmarked: new Set<string>(), pinned: new Set<string>() }),
      this.deps.parts.postIdsByIri(all.map((d) => d.post.in_reply_to_iri).filter((i): i is string => Boolean(i))),
      this.deps.parts.remixSources(postIds),
    ]);
    const accounts = new Map([...people.values()].map((a) => [a.id, accountEntity(a, accountSummary(a, links), stats.get(a.id) ?? NO_STATS, this.links)]));
    const one = (d: PostDetails, inner?: MastodonStatus | null): MastodonStatus => {
      const s = state.get(d.post.id);
      const view = postView(d, viewer, links, s);
      return statusEntity(
        view,
        {
          account: accounts.get(d.author.id)!,
          mentions: d.mentions.map((a) => accounts.get(a.id)!),
          inReplyTo: d.post.in_reply_to_iri ? (replyTargets.get(d.post.in_reply_to_iri) ?? null) : null,
          quoted: inner ?? null,
          mediaExtras: new Map(d.media.map((m) => [m.id, { remoteUrl: m.remote_url, focus: m.focus }])),
          viewer: viewerId
            ? { favourited: s?.has("like") ?? false, reblogged: s?.has("boost") ?? false, bookmarked: marks.bookmarked.has(d.post.id), pinned: marks.pinned.has(d.post.id), muted: false }
            : null,
          remixOf: remixes.get(d.post.id) ?? null,
        },
        this.links,
      );
    };
    return entries.map((e) => {
      const q = e.details.post.quote_iri ? quoted.get(e.details.post.quote_iri) : undefined;
      const status = one(e.details, q ? shallowQuoted(one(q)) : null);
      if (!e.boostedBy) return status;
      return reblogEntity(e.id, e.boostedAt ?? e.details.post.published_at, accounts.get(e.boostedBy.id)!, status);
    });
  }

  async status(viewer: Viewer, details: PostDetails): Promise<MastodonStatus> {
    return (await this.statuses(viewer, [details]))[0];
  }

  /** Media attachment entities for an owner's own local images (not yet posted: uploads, finished generations), in order. */
  ownMedia(rows: MediaRow[]): MastodonMediaAttachment[] {
    return rows.map((m) => mediaEntity(mediaView(m, this.#base, true, true), this.links, { focus: m.focus }));
  }

  /** Notification entities (their statuses as the recipient sees them; a post they may no longer see is left out). */
  async notifications(
    viewer: Viewer,
    items: Array<{ id: string; type: string; created_at: string; actor: AccountRow; post: PostDetails | null }>,
  ): Promise<MastodonNotification[]> {
    const statuses = await this.statuses(viewer, items.flatMap((n) => (n.post ? [n.post] : [])));
    const byPost = new Map(statuses.map((s) => [s.id, s]));
    const actors = await this.accounts([...new Map(items.map((n) => [n.actor.id, n.actor])).values()]);
    const byActor = new Map(actors.map((a) => [a.id, a]));
    return items.map((n) => notificationEntity(n, byActor.get(n.actor.id)!, n.post ? (byPost.get(n.post.post.id) ?? null) : null));
  }
}
