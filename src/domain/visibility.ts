import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Visibility } from "../storage/schema.ts";

/**
 * Who sees what: the one home of Pictor's access rules.
 *
 * The rule is written twice, in forms that are tested against each other on
 * both databases (test/visibility.test.ts):
 * - `visibleTo(viewer)`, a Kysely expression for lists, over posts aliased `p`;
 * - `canSee(viewer, post, relations)`, a pure predicate for one post, given
 *   the facts `VisibilityRules.relations` loads.
 *
 * In order, a post is hidden when it is deleted; when its author is deleted,
 * suspended, or on a blocked domain (or a subdomain of one); when the viewer is
 * on a blocked domain. Its author always sees it. Otherwise it is hidden when
 * the viewer and the author block each other (either way) and, in lists, when
 * the viewer mutes the author. Public and unlisted posts are then seen by
 * everyone; followers-only posts by accepted followers (a pending request is
 * not enough) and mentioned accounts; direct posts by mentioned accounts.
 */

/**
 * Who is looking: nobody signed in; an account we know (local, or remote from
 * a verified signature); or a stranger, a remote actor with a verified
 * signature that we have not stored (seen as anonymous, unless its domain is blocked).
 */
export type Viewer =
  | { readonly kind: "anonymous" }
  | { readonly kind: "account"; readonly id: string; readonly isLocal: boolean }
  | { readonly kind: "stranger"; readonly host: string };

/** A signed-in viewer, for reads that only make sense for an account (the home timeline). */
export type AccountViewer = Extract<Viewer, { kind: "account" }>;

export const ANONYMOUS: Viewer = Object.freeze({ kind: "anonymous" });

/** The viewer an account row stands for; null or undefined is anonymous. */
export function viewerOf(account: Pick<AccountRow, "id" | "domain">): AccountViewer;
export function viewerOf(account: Pick<AccountRow, "id" | "domain"> | null | undefined): Viewer;
export function viewerOf(account: Pick<AccountRow, "id" | "domain"> | null | undefined): Viewer {
  return account ? { kind: "account", id: account.id, isLocal: account.domain === null } : ANONYMOUS;
}

/**
 * Where a post is read: `single` for one post asked for by id or IRI, `list`
 * for timelines, grids, threads and notifications (mutes apply only there).
 */
export type Purpose = "single" | "list";

/** What the rule needs to know of one post. */
export interface PostFacts {
  post: { visibility: Visibility; deleted_at: string | null; account_id: string };
  author: { id: string; domain: string | null; deleted_at: string | null; suspended_at: string | null };
  mentions: ReadonlyArray<{ id: string }>;
}

/** What the rule needs to know of the viewer's relations to authors. */
export interface Relations {
  /** The viewer's own domain (null: local or anonymous). */
  viewerDomain: string | null;
  /** Authors the viewer follows, accepted. */
  following: ReadonlySet<string>;
  /** Authors the viewer blocks or who block the viewer. */
  blocked: ReadonlySet<string>;
  /** Authors the viewer mutes. */
  muted: ReadonlySet<string>;
  /** Domains blocked on this instance. */
  blockedDomains: ReadonlySet<string>;
}

export const NO_RELATIONS: Relations = {
  viewerDomain: null,
  following: new Set(),
  blocked: new Set(),
  muted: new Set(),
  blockedDomains: new Set(),
};

/** Every visibility a post can have, widest first. */
export const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "followers", "direct"];

const PUBLICLY_VISIBLE: readonly Visibility[] = ["public", "unlisted"];

/** Whether anyone at all, signed in or not, may see posts of this visibility. */
export function isPubliclyVisible(visibility: Visibility): boolean {
  return PUBLICLY_VISIBLE.includes(visibility);
}

/**
 * Whether a reply counts on its parent (`replies_count`, and the `totalItems`
 * of the parent's `replies` in its Note): the replies anyone may see, public
 * and unlisted, as Mastodon counts them; followers-only and direct replies
 * never show in a count that travels to everyone.
 */
export function countsAsReply(visibility: Visibility): boolean {
  return isPubliclyVisible(visibility);
}

/**
 * Whether an accepted quote counts on the quoted post (`quotes_count`): as
 * replies do, the quotes anyone may see, public and unlisted.
 */
export function countsAsQuote(visibility: Visibility): boolean {
  return isPubliclyVisible(visibility);
}

/** Whether a host is blocked: the domain itself or any domain above it (blocking example.com blocks a.example.com). */
export function domainBlocked(host: string | null | undefined, blockedDomains: ReadonlySet<string>): boolean {
  if (!host || blockedDomains.size === 0) return false;
  const parts = host.toLowerCase().replace(/:\d+$/, "").split(".");
  for (let i = 0; i < parts.length; i++) if (blockedDomains.has(parts.slice(i).join("."))) return true;
  return false;
}

/** Whether an account may appear to the viewer at all (as an author, booster or notifier). */
export function canSeeAccount(
  viewer: Viewer,
  account: PostFacts["author"],
  relations: Relations,
  purpose: Purpose,
): boolean {
  if (account.deleted_at || account.suspended_at) return false;
  if (domainBlocked(account.domain, relations.blockedDomains)) return false;
  if (viewer.kind === "stranger") return !domainBlocked(viewer.host, relations.blockedDomains);
  if (viewer.kind === "anonymous") return true;
  if (domainBlocked(relations.viewerDomain, relations.blockedDomains)) return false;
  if (viewer.id === account.id) return true;
  if (relations.blocked.has(account.id)) return false;
  return !(purpose === "list" && relations.muted.has(account.id));
}

/** The predicate form of the rule, for one post. Pure. */
export function canSee(viewer: Viewer, facts: PostFacts, relations: Relations, purpose: Purpose = "single"): boolean {
  const { post, author } = facts;
  if (post.deleted_at) return false;
  if (!canSeeAccount(viewer, author, relations, purpose)) return false;
  if (isPubliclyVisible(post.visibility)) return true;
  if (viewer.kind !== "account") return false;
  if (viewer.id === author.id) return true;
  if (facts.mentions.some((m) => m.id === viewer.id)) return true;
  return post.visibility === "followers" && relations.following.has(author.id);
}

/** Whether the viewer may boost a post they can see: anyone when it is public or unlisted, else only its author. */
export function canBoost(viewer: Viewer, post: { visibility: Visibility; account_id: string }): boolean {
  return isPubliclyVisible(post.visibility) || (viewer.kind === "account" && viewer.id === post.account_id);
}

/** Whether a post may be quoted by others (FEP-044f stamps are given for these only). */
export function canQuote(post: { visibility: Visibility; deleted_at: string | null }): boolean {
  return !post.deleted_at && isPubliclyVisible(post.visibility);
}

/** Whether a post is delivered to its author's followers (every visibility but direct). */
export function reachesFollowers(visibility: Visibility): boolean {
  return visibility !== "direct";
}

/** Whether the viewer may read a post's prompt: the author always, others when the author shows it. */
export function canSeePrompt(viewer: Viewer, post: { show_prompt: number; account_id: string }): boolean {
  return post.show_prompt === 1 || (viewer.kind === "account" && viewer.id === post.account_id);
}

// The SQL form. Column references go through sql.ref so the expressions work in any query that aliases posts as `p`.

type AnyEb = ExpressionBuilder<any, any>;

/** `host` (an SQL expression) is a blocked domain or below one. Domains hold only [a-z0-9.-], so LIKE needs no escaping. */
function hostBlockedSql(host: Expression<string | null>): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from domain_blocks db where ${host} = db.domain or ${host} like '%.' || db.domain)`;
}

/** The SQL form of `canSeeAccount`, for an account id column (e.g. `p.account_id`, `i.account_id`). */
export function accountVisibleTo(viewer: Viewer, accountIdColumn: string, purpose: Purpose = "list") {
  return (_eb: AnyEb): Expression<SqlBool> => {
    const ref = sql.ref(accountIdColumn);
    const alive = sql<SqlBool>`exists (select 1 from accounts va where va.id = ${ref} and va.deleted_at is null and va.suspended_at is null
      and (va.domain is null or not ${hostBlockedSql(sql.ref("va.domain"))}))`;
    if (viewer.kind === "anonymous") return alive;
    if (viewer.kind === "stranger") return sql<SqlBool>`(${alive} and not ${hostBlockedSql(sql`${viewer.host.toLowerCase()}`)})`;
    const v = viewer.id;
    const viewerOk = sql<SqlBool>`not exists (select 1 from accounts vv where vv.id = ${v} and vv.domain is not null and ${hostBlockedSql(sql.ref("vv.domain"))})`;
    const unblocked = sql<SqlBool>`not exists (select 1 from blocks vb where (vb.account_id = ${v} and vb.target_id = ${ref}) or (vb.account_id = ${ref} and vb.target_id = ${v}))`;
    const unmuted = purpose === "list" ? sql<SqlBool>`not exists (select 1 from mutes vm where vm.account_id = ${v} and vm.target_id = ${ref})` : sql<SqlBool>`1 = 1`;
    return sql<SqlBool>`(${alive} and ${viewerOk} and (${ref} = ${v} or (${unblocked} and ${unmuted})))`;
  };
}

/** The list form of the rule: a condition on posts aliased `p`. */
export function visibleTo(viewer: Viewer, purpose: Purpose = "list") {
  return (eb: AnyEb): Expression<SqlBool> => sql<SqlBool>`(${accountVisibleTo(viewer, "p.account_id", purpose)(eb)} and ${postVisibleTo(viewer)(eb)})`;
}

/**
 * The half of `visibleTo` that depends on the post (deleted, its visibility,
 * mentions, follows), for lists whose authors already passed
 * `accountVisibleTo` — the home timeline checks its few followed authors once
 * instead of every post. `visibleTo` is exactly both halves.
 */
export function postVisibleTo(viewer: Viewer) {
  return (_eb: AnyEb): Expression<SqlBool> => {
    const open = sql<SqlBool>`p.visibility in ('public', 'unlisted')`;
    if (viewer.kind !== "account") return sql<SqlBool>`(p.deleted_at is null and ${open})`;
    const v = viewer.id;
    return sql<SqlBool>`(p.deleted_at is null and (${open} or p.account_id = ${v}
      or exists (select 1 from post_mentions vpm where vpm.post_id = p.id and vpm.account_id = ${v})
      or (p.visibility = 'followers' and exists (select 1 from follows vf where vf.follower_id = ${v} and vf.following_id = p.account_id and vf.state = 'accepted'))))`;
  };
}

/** Whether a post belongs in public timelines and feeds (local, federated, hashtags, Atom): public, not unlisted. */
export function isListedPublicly(visibility: Visibility): boolean {
  return visibility === "public";
}

/** The SQL form of `isListedPublicly`, over posts aliased `p`. */
export function listedPublicly() {
  return (_eb: AnyEb): Expression<SqlBool> => sql<SqlBool>`p.visibility = 'public'`;
}

/** The SQL form of `countsAsReply`, over posts aliased `p`. */
export function countedReplies() {
  return (_eb: AnyEb): Expression<SqlBool> => sql<SqlBool>`(p.deleted_at is null and p.visibility in ('public', 'unlisted'))`;
}

/** The SQL form of `countsAsQuote`, over posts aliased `p`. */
export function countedQuotes() {
  return (_eb: AnyEb): Expression<SqlBool> => sql<SqlBool>`(p.deleted_at is null and p.visibility in ('public', 'unlisted'))`;
}

/** Direct posts (over posts aliased `p`): the home timeline takes these from anyone who mentions the viewer. */
export function directOnly() {
  return (_eb: AnyEb): Expression<SqlBool> => sql<SqlBool>`p.visibility = 'direct'`;
}

/** Loads the facts `canSee` needs, in a fixed number of queries whatever the number of authors. */
export class VisibilityRules {
  /**
   * `blockedDomains` may serve the domain blocks from a cache (the moderation
   * service keeps one, dropped when this process changes them); without it
   * they are read on every call.
   */
  constructor(
    private readonly db: Db,
    private readonly blockedDomains?: () => Promise<ReadonlySet<string>>,
  ) {}

  async #domainBlocks(): Promise<ReadonlySet<string>> {
    if (this.blockedDomains) return this.blockedDomains();
    return new Set((await this.db.kysely.selectFrom("domain_blocks").select("domain").execute()).map((r) => r.domain));
  }

  /** The facts `canSee` needs for these authors; mutes are read only for lists, where they apply. */
  async relations(viewer: Viewer, authorIds: Iterable<string>, purpose: Purpose = "list"): Promise<Relations> {
    const k = this.db.kysely;
    const ids = [...new Set(authorIds)];
    const blockedDomains = await this.#domainBlocks();
    if (viewer.kind !== "account" || ids.length === 0) {
      const viewerDomain = viewer.kind === "account" ? await this.#domainOf(viewer.id) : null;
      return { ...NO_RELATIONS, viewerDomain, blockedDomains };
    }
    const v = viewer.id;
    const [viewerDomain, following, blocks, mutes] = await Promise.all([
      this.#domainOf(v),
      k.selectFrom("follows").select("following_id").where("follower_id", "=", v).where("state", "=", "accepted").where("following_id", "in", ids).execute(),
      k
        .selectFrom("blocks")
        .select(["account_id", "target_id"])
        .where((eb) => eb.or([eb.and([eb("account_id", "=", v), eb("target_id", "in", ids)]), eb.and([eb("target_id", "=", v), eb("account_id", "in", ids)])]))
        .execute(),
      purpose === "list" ? k.selectFrom("mutes").select("target_id").where("account_id", "=", v).where("target_id", "in", ids).execute() : [],
    ]);
    return {
      viewerDomain,
      following: new Set(following.map((r) => r.following_id)),
      blocked: new Set(blocks.map((r) => (r.account_id === v ? r.target_id : r.account_id))),
      muted: new Set(mutes.map((r) => r.target_id)),
      blockedDomains,
    };
  }

  async #domainOf(accountId: string): Promise<string | null> {
    const row = await this.db.kysely.selectFrom("accounts").select("domain").where("id", "=", accountId).executeTakeFirst();
    return row?.domain ?? null;
  }

  /** Whether the viewer may see this one post. */
  async check(viewer: Viewer, facts: PostFacts, purpose: Purpose = "single"): Promise<boolean> {
    return canSee(viewer, facts, await this.relations(viewer, [facts.author.id], purpose), purpose);
  }

  /** The posts among `items` the viewer may see, in their order (one round of queries for all). */
  async filter<T extends PostFacts>(viewer: Viewer, items: T[], purpose: Purpose = "list"): Promise<T[]> {
    if (items.length === 0) return items;
    const relations = await this.relations(viewer, items.map((d) => d.author.id), purpose);
    return items.filter((d) => canSee(viewer, d, relations, purpose));
  }
}

