import { Hono } from "hono";
import { instanceDescription } from "../../domain/instance.ts";
import { MAX_CAPTION, MAX_MEDIA } from "../../domain/posts.ts";
import { me, user } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import { unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { list, type Params, params, str } from "../params.ts";

const PICTOR_VERSION = "0.1.0";
/** The Mastodon version apps compare against to decide what they may use. */
export const MASTODON_COMPATIBLE_VERSION = `4.3.0 (compatible; Pictor ${PICTOR_VERSION})`;
const SUPPORTED_IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_PINNED = 5;
const MARKER_TIMELINES = ["home", "notifications"] as const;

/**
 * What an instance tells apps about itself (/api/v1 and /api/v2/instance,
 * rules, custom emojis), the signed-in account's preferences, and its
 * timeline read markers.
 */
export function instanceRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { config, urls } = deps;
  const origin = urls.origin.origin;
  const domain = urls.host;
  const streaming = origin.replace(/^http/, "ws");
  const description = instanceDescription(config.instanceName);
  const thumbnail = `${origin}/assets/missing-header.png`;

  const limits = () => ({
    statuses: { max_characters: MAX_CAPTION, max_media_attachments: MAX_MEDIA, characters_reserved_per_url: 23 },
    media_attachments: {
      supported_mime_types: SUPPORTED_IMAGE_TYPES,
      description_limit: 1500,
      image_size_limit: config.generation.media.maxBytes,
      image_matrix_limit: config.generation.media.maxPixels,
      video_size_limit: 0,
      video_frame_rate_limit: 0,
      video_matrix_limit: 0,
    },
    polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
    accounts: { max_featured_tags: 0, max_pinned_statuses: MAX_PINNED },
  });

  const contactAccount = async () => {
    const admin = await deps.accounts.firstAdmin();
    return admin ? deps.present.account(admin) : null;
  };

  const pictorExtension = () => ({
    version: PICTOR_VERSION,
    generation: { models: [...deps.models], can_remix: deps.canEdit, endpoints: "/api/v1/pictor/generations" },
    uploads: config.uploads,
  });

  app.get("/api/v2/instance", async (c) => {
    const [registrations, users, account] = await Promise.all([deps.instance.registrations(), deps.accounts.countLocal(), contactAccount()]);
    return c.json({
      domain,
      title: config.instanceName,
      version: MASTODON_COMPATIBLE_VERSION,
      // Pictor's public repository is not configured anywhere yet: the instance itself stands in.
      source_url: `${origin}/`,
      description,
      usage: { users: { active_month: users } },
      thumbnail: { url: thumbnail },
      icon: [],
      languages: ["en"],
      configuration: {
        urls: { streaming, status: null },
        vapid: { public_key: "" },
        ...limits(),
        translation: { enabled: false },
      },
      registrations: { enabled: registrations === "open", approval_required: false, message: registrations === "invite" ? "Sign-ups need an invitation." : null, url: null },
      api_versions: { mastodon: 2 },
      contact: { email: "", account },
      rules: [],
      pictor: pictorExtension(),
    });
  });

  app.get("/api/v1/instance", async (c) => {
    const [registrations, users, statuses, domains, account] = await Promise.all([
      deps.instance.registrations(),
      deps.accounts.countLocal(),
      deps.posts.countLocal(),
      deps.accountReads.domainCount(),
      contactAccount(),
    ]);
    return c.json({
      uri: domain,
      title: config.instanceName,
      short_description: description,
      description,
      email: "",
      version: MASTODON_COMPATIBLE_VERSION,
      urls: { streaming_api: streaming },
      stats: { user_count: users, status_count: statuses, domain_count: domains },
      thumbnail,
      languages: ["en"],
      registrations: registrations === "open",
      approval_required: false,
      invites_enabled: registrations === "invite",
      configuration: limits(),
      contact_account: account,
      rules: [],
      pictor: pictorExtension(),
    });
  });

  app.get("/api/v1/instance/rules", (c) => c.json([]));
  app.get("/api/v1/instance/peers", (c) => c.json([]));
  app.get("/api/v1/instance/activity", (c) => c.json([]));
  app.get("/api/v1/custom_emojis", (c) => c.json([]));

  app.get("/api/v1/preferences", user("read:accounts"), async (c) => {
    const prefs = await deps.accounts.preferences(me(c).id);
    return c.json({
      "posting:default:visibility": prefs.defaultVisibility,
      "posting:default:sensitive": false,
      "posting:default:language": null,
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
  });

  const markersOf = async (accountId: string, timelines: readonly string[]) => {
    const rows = await deps.accounts.markers(accountId, timelines);
    return Object.fromEntries(rows.map((r) => [r.timeline, { last_read_id: r.last_read_id, version: Number(r.version), updated_at: r.updated_at }]));
  };

  app.get("/api/v1/markers", user("read:statuses"), async (c) => {
    const p = await params(c);
    const asked = list(p.timeline, "timeline", 10);
    for (const t of asked) if (!(MARKER_TIMELINES as readonly string[]).includes(t)) throw unprocessable(`timeline must be one of ${MARKER_TIMELINES.join(", ")}`);
    return c.json(await markersOf(me(c).id, asked.length ? asked : MARKER_TIMELINES));
  });

  app.post("/api/v1/markers", user("write:statuses"), async (c) => {
    const p = await params(c);
    const account = me(c);
    const saved: string[] = [];
    for (const timeline of MARKER_TIMELINES) {
      const id = markerId(p, timeline);
      if (id === undefined) continue;
      if (!/^[0-9A-Za-z_-]{1,64}$/.test(id)) throw unprocessable(`${timeline}[last_read_id] is not an id`);
      await deps.accounts.saveMarker(account.id, timeline, id);
      saved.push(timeline);
    }
    if (saved.length === 0) throw unprocessable("give home[last_read_id] or notifications[last_read_id]");
    return c.json(await markersOf(account.id, saved));
  });

  app.get("/api/v1/instance/extended_description", (c) => c.json({ updated_at: new Date(0).toISOString(), content: `<p>${description}</p>` }));

  return app;
}

/** `home[last_read_id]` from a form, or `{"home": {"last_read_id": …}}` from JSON. */
function markerId(p: Params, timeline: string): string | undefined {
  const nested = p[timeline];
  if (nested !== undefined && (typeof nested !== "object" || nested === null || Array.isArray(nested))) throw unprocessable(`${timeline} must be an object`);
  const raw = (nested as Record<string, unknown> | undefined)?.last_read_id ?? p[`${timeline}[last_read_id]`];
  return str(raw, `${timeline}[last_read_id]`, 64);
}
