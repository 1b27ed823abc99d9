import { type Context, Hono } from "hono";
import type { LocalAccount } from "../../domain/accounts.ts";
import { DomainError } from "../../domain/errors.ts";
import type { PostDetails } from "../../domain/posts.ts";
import { ANONYMOUS, type Viewer, VISIBILITIES, viewerOf } from "../../domain/visibility.ts";
import { storeDerivatives } from "../../media/derivatives.ts";
import { MediaError } from "../../media/inspect.ts";
import { processImage } from "../../media/pipeline.ts";
import type { Keyed } from "../../read/accounts-api.ts";
import type { AccountRow } from "../../storage/schema.ts";
import { me, optionalScope, user } from "../auth.ts";
import { type MastodonAccount, relationshipEntity } from "../entities.ts";
import type { ApiEnv } from "../env.ts";
import { apiNotFound, unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { pageQuery, setLinkHeader } from "../paging.ts";
import { bool, int, list, oneOf, type Params, params, str } from "../params.ts";
import type { StatusEntry } from "../present.ts";

type C = Context<ApiEnv>;

const ACCOUNT_PAGE = { limit: 40, max: 80 };
const STATUS_PAGE = { limit: 20, max: 40 };

/** A local bio (escaped paragraphs, made by AccountService.updateProfile) back as the plain text it was written in. */
export function plainBio(html: string): string {
  return html
    .replace(/<br>/g, "\n")
    .replace(/<\/p><p>/g, "\n\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** A nested parameter: `source[privacy]` from a form or query, `{"source": {"privacy": …}}` from JSON. */
function nested(p: Params, parent: string, key: string): unknown {
  const obj = p[parent];
  if (obj !== undefined && obj !== null && typeof obj === "object" && !Array.isArray(obj) && !(obj instanceof Blob)) {
    const v = (obj as Record<string, unknown>)[key];
    if (v !== undefined) return v;
  }
  return p[`${parent}[${key}]`];
}

/**
 * Accounts: the signed-in account's own (credentials, profile edits), other
 * accounts (profiles, their statuses, followers), relationships and what
 * changes them (follow, block, mute, answering follow requests), and the
 * viewer's lists (blocks, mutes, favourites, bookmarks). Reads go through
 * the account read model, which applies the visibility rule; changes go
 * through the services, which federate them.
 */
export function accountRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const reads = deps.accountReads;

  const viewer = (c: C): Viewer => viewerOf(c.get("account"));

  /** An account the viewer may see, or 404 (unknown, deleted, suspended, blocked either way, on a blocked domain: all alike). */
  const visibleAccount = async (c: C, id: string): Promise<AccountRow> => {
    const account = await reads.visible(viewer(c), id);
    if (!account) throw apiNotFound();
    return account;
  };

  /** An account that relationship changes may act on (also one the viewer blocks), or 404. */
  const target = async (id: string): Promise<AccountRow> => {
    const account = await reads.actionable(id);
    if (!account) throw apiNotFound();
    return account;
  };

  const relationship = async (viewerId: string, id: string) => {
    const facts = (await reads.relationships(viewerId, [id])).get(id)!;
    return relationshipEntity(id, facts);
  };

  /** The signed-in account with its `source` (what the profile form edits), as verify_credentials and update_credentials answer. */
  const credentialAccount = async (account: AccountRow): Promise<MastodonAccount & { source: unknown }> => {
    const [entity, prefs, requests] = await Promise.all([deps.present.account(account), deps.accounts.preferences(account.id), reads.countFollowRequests(account.id)]);
    return {
      ...entity,
      source: {
        privacy: prefs.defaultVisibility,
        sensitive: false,
        language: null,
        note: plainBio(account.bio_html),
        fields: [],
        follow_requests_count: requests,
      },
    };
  };

  const accountPage = async (c: C, items: Array<Keyed<AccountRow>>) => {
    setLinkHeader(c, { first: items[0]?.key, last: items.at(-1)?.key });
    return c.json(await deps.present.accounts(items.map((i) => i.item)));
  };

  /** Posts by id (already checked against the visibility rule by the read model), as statuses in the given order. */
  const statusesOf = async (v: Viewer, ids: string[]) => {
    const details = await deps.posts.detailsMany(ids);
    return deps.present.statuses(v, ids.map((id) => details.get(id)).filter((d): d is PostDetails => Boolean(d)));
  };

  /** An uploaded avatar or header, through the media pipeline (size and pixel caps, metadata stripped); its URL. */
  const storeProfileImage = async (value: unknown, name: string): Promise<string | undefined> => {
    if (value === undefined || value === null || value === "") return undefined;
    if (!(value instanceof Blob)) throw unprocessable(`${name} must be an image file`);
    if (!deps.config.uploads) throw unprocessable(`${name}: uploading images is turned off on this instance`);
    const limits = deps.config.generation.media;
    if (value.size > limits.maxBytes) throw unprocessable(`${name} is larger than ${limits.maxBytes} bytes`);
    try {
      const result = await processImage(new Uint8Array(await value.arrayBuffer()), { limits, provenance: null });
      const stored = await storeDerivatives(deps.media, result);
      return deps.urls.media(stored.files.webp.key).href;
    } catch (error) {
      if (error instanceof MediaError) throw unprocessable(`${name}: ${error.message}`);
      throw error;
    }
  };

  // The signed-in account.

  app.get("/api/v1/accounts/verify_credentials", user("profile", "read:accounts"), async (c) => c.json(await credentialAccount(me(c))));

  app.patch("/api/v1/accounts/update_credentials", user("write:accounts"), async (c) => {
    const account: LocalAccount = me(c);
    const p = await params(c);
    const displayName = str(p.display_name, "display_name", 100);
    // Forms send line breaks as CRLF.
    const note = str(p.note, "note", 2000)?.replace(/\r\n?/g, "\n");
    const locked = p.locked === undefined ? undefined : bool(p.locked);
    const privacy = oneOf(nested(p, "source", "privacy"), "source[privacy]", VISIBILITIES);
    const sensitive = nested(p, "source", "sensitive");
    if (sensitive !== undefined) bool(sensitive);
    str(nested(p, "source", "language"), "source[language]", 10);
    // Check everything before storing any image.
    for (const name of ["avatar", "header"] as const) {
      const v = p[name];
      if (v !== undefined && v !== "" && !(v instanceof Blob)) throw unprocessable(`${name} must be an image file`);
    }
    const avatarUrl = await storeProfileImage(p.avatar, "avatar");
    const headerUrl = await storeProfileImage(p.header, "header");
    let row: AccountRow = account;
    if (displayName !== undefined || note !== undefined || locked !== undefined || avatarUrl !== undefined || headerUrl !== undefined) {
      row = await deps.updateProfile(account, {
        displayName: displayName ?? account.display_name,
        bio: note ?? plainBio(account.bio_html),
        locked: locked ?? account.manually_approves_followers === 1,
        ...(avatarUrl !== undefined ? { avatarUrl } : {}),
        ...(headerUrl !== undefined ? { headerUrl } : {}),
      });
    }
    if (privacy !== undefined) {
      const prefs = await deps.accounts.preferences(account.id);
      await deps.accounts.setPreferences(account.id, { defaultVisibility: privacy, showPromptDefault: prefs.showPromptDefault });
    }
    return c.json(await credentialAccount(row));
  });

  for (const image of ["avatar", "header"] as const) {
    app.delete(`/api/v1/profile/${image}`, user("write:accounts"), async (c) => {
      const account = me(c);
      const row = await deps.updateProfile(account, {
        displayName: account.display_name,
        bio: plainBio(account.bio_html),
        locked: account.manually_approves_followers === 1,
        ...(image === "avatar" ? { avatarUrl: null } : { headerUrl: null }),
      });
      return c.json(await credentialAccount(row));
    });
  }

  // Static paths before /accounts/:id.

  app.get("/api/v1/accounts/relationships", user("read:follows"), async (c) => {
    const p = await params(c);
    const ids = list(p.id, "id", 80);
    const found = await reads.visibleMany(ANONYMOUS, ids);
    const facts = await reads.relationships(me(c).id, found.map((a) => a.id));
    return c.json(found.map((a) => relationshipEntity(a.id, facts.get(a.id)!)));
  });

  app.get("/api/v1/accounts/familiar_followers", user("read:follows"), async (c) => {
    const ids = list((await params(c)).id, "id", 80);
    return c.json(ids.map((id) => ({ id, accounts: [] })));
  });

  app.get("/api/v1/accounts/lookup", async (c) => {
    const acct = str((await params(c)).acct, "acct", 400)?.trim().replace(/^@/, "");
    if (!acct) throw unprocessable("acct is required");
    const [username, domain] = acct.includes("@") ? acct.split("@", 2) : [acct, null];
    if (!username) throw unprocessable("acct must be user or user@domain");
    const local = domain === null || domain.toLowerCase() === deps.urls.host.toLowerCase();
    const account = await reads.byHandle(viewer(c), username, local ? null : domain);
    if (!account) throw apiNotFound();
    return c.json(await deps.present.account(account));
  });

  app.get("/api/v1/accounts/search", user("read:accounts"), async (c) => {
    const p = await params(c);
    const q = str(p.q, "q", 400)?.trim();
    if (!q) throw unprocessable("q is required");
    const limit = int(p.limit, "limit", 1, 80) ?? 40;
    const offset = int(p.offset, "offset", 0, 10_000) ?? 0;
    const resolve = bool(p.resolve);
    const following = bool(p.following);
    const v = viewer(c);
    const found: AccountRow[] = [];
    if (resolve && offset === 0 && /^@?[^@\s/]+@[^@\s/]+$/.test(q)) {
      const resolved = await deps.resolveAccount(q).catch((error) => {
        if (error instanceof DomainError) return undefined;
        throw error;
      });
      const shown = resolved && (await reads.visible(v, resolved.id));
      if (shown && (!following || (await reads.relationships(me(c).id, [shown.id])).get(shown.id)?.following === "accepted")) found.push(shown);
    }
    for (const a of await reads.searchAccounts(v, q, { limit, offset, following })) if (!found.some((f) => f.id === a.id)) found.push(a);
    return c.json(await deps.present.accounts(found.slice(0, limit)));
  });

  // Other accounts.

  app.get("/api/v1/accounts/:id", optionalScope("read:accounts"), async (c) => c.json(await deps.present.account(await visibleAccount(c, c.req.param("id")))));

  app.get("/api/v1/accounts/:id/statuses", optionalScope("read:statuses"), async (c) => {
    const account = await visibleAccount(c, c.req.param("id"));
    const p = await params(c);
    const opts = {
      onlyMedia: bool(p.only_media),
      excludeReplies: bool(p.exclude_replies),
      excludeReblogs: bool(p.exclude_reblogs),
      pinned: bool(p.pinned),
      tagged: str(p.tagged, "tagged", 100)?.trim() || undefined,
    };
    const page = pageQuery(p, STATUS_PAGE);
    const v = viewer(c);
    const entries = await reads.statuses(v, account.id, opts, opts.pinned ? { limit: page.limit } : page);
    const details = await deps.posts.detailsMany([...new Set(entries.map((e) => e.postId))]);
    const shown: StatusEntry[] = entries
      .filter((e) => details.has(e.postId))
      .map((e) => ({ id: e.entryId, details: details.get(e.postId)!, boostedBy: e.boostedAt ? account : null, ...(e.boostedAt ? { boostedAt: e.boostedAt } : {}) }));
    if (!opts.pinned) setLinkHeader(c, { first: entries[0]?.entryId, last: entries.at(-1)?.entryId });
    return c.json(await deps.present.statuses(v, shown));
  });

  for (const direction of ["followers", "following"] as const) {
    app.get(`/api/v1/accounts/:id/${direction}`, optionalScope("read:accounts"), async (c) => {
      const account = await visibleAccount(c, c.req.param("id"));
      const page = pageQuery(await params(c), ACCOUNT_PAGE);
      return accountPage(c, await reads.follows(viewer(c), account.id, direction, page));
    });
  }

  app.get("/api/v1/accounts/:id/featured_tags", async (c) => {
    await visibleAccount(c, c.req.param("id"));
    return c.json([]);
  });
  app.get("/api/v1/accounts/:id/lists", user("read:lists"), async (c) => {
    await visibleAccount(c, c.req.param("id"));
    return c.json([]);
  });

  // Relationship changes: each answers the relationship as it now stands.

  app.post("/api/v1/accounts/:id/follow", user("write:follows", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    await deps.follows.follow(account, other);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/unfollow", user("write:follows", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    await deps.follows.unfollow(account, other);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/remove_from_followers", user("write:follows", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    const follow = await deps.follows.getByPair(other.id, account.id);
    if (follow) await deps.follows.reject(follow.id);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/block", user("write:blocks", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    await deps.moderation.blockAccount(account, other);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/unblock", user("write:blocks", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    await deps.moderation.unblockAccount(account, other);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/mute", user("write:mutes", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    const p = await params(c);
    bool(p.notifications, true);
    int(p.duration, "duration", 0, 2 ** 31 - 1);
    await deps.moderation.muteAccount(account, other);
    return c.json(await relationship(account.id, other.id));
  });
  app.post("/api/v1/accounts/:id/unmute", user("write:mutes", "follow"), async (c) => {
    const account = me(c);
    const other = await target(c.req.param("id"));
    await deps.moderation.unmuteAccount(account, other);
    return c.json(await relationship(account.id, other.id));
  });

  // Follow requests: the :id is the requesting account's, as in Mastodon.

  app.get("/api/v1/follow_requests", user("read:follows", "follow"), async (c) => {
    const page = pageQuery(await params(c), ACCOUNT_PAGE);
    return accountPage(c, await reads.followRequests(me(c).id, page));
  });
  for (const [action, accept] of [
    ["authorize", true],
    ["reject", false],
  ] as const) {
    app.post(`/api/v1/follow_requests/:id/${action}`, user("write:follows", "follow"), async (c) => {
      const account = me(c);
      const followId = await reads.pendingRequest(account.id, c.req.param("id"));
      if (!followId) throw apiNotFound();
      await deps.follows.answerRequest(account, followId, accept);
      return c.json(await relationship(account.id, c.req.param("id")));
    });
  }

  // The viewer's own lists.

  app.get("/api/v1/blocks", user("read:blocks", "follow"), async (c) => accountPage(c, await reads.blocksOrMutes("blocks", me(c).id, pageQuery(await params(c), ACCOUNT_PAGE))));
  app.get("/api/v1/mutes", user("read:mutes", "follow"), async (c) => accountPage(c, await reads.blocksOrMutes("mutes", me(c).id, pageQuery(await params(c), ACCOUNT_PAGE))));

  for (const [path, kind, scopeName] of [
    ["/api/v1/favourites", "like", "read:favourites"],
    ["/api/v1/bookmarks", "bookmark", "read:bookmarks"],
  ] as const) {
    app.get(path, user(scopeName), async (c) => {
      const v = viewerOf(me(c));
      const items = await reads.saved(v, kind, pageQuery(await params(c), STATUS_PAGE));
      setLinkHeader(c, { first: items[0]?.key, last: items.at(-1)?.key });
      return c.json(await statusesOf(v, items.map((i) => i.item)));
    });
  }

  app.get("/api/v1/endorsements", user("read:accounts"), (c) => c.json([]));
  app.get("/api/v1/featured_tags", user("read:accounts"), (c) => c.json([]));

  return app;
}
