import type { Migration } from "kysely/migration";
import * as m0001 from "./0001_accounts.ts";
import * as m0002 from "./0002_local_users.ts";
import * as m0003 from "./0003_actor_keys.ts";
import * as m0004 from "./0004_follows.ts";
import * as m0005 from "./0005_kv.ts";
import * as m0006 from "./0006_queue.ts";
import * as m0007 from "./0007_posts.ts";
import * as m0008 from "./0008_media.ts";
import * as m0009 from "./0009_post_tags.ts";
import * as m0010 from "./0010_post_mentions.ts";
import * as m0011 from "./0011_notifications.ts";
import * as m0012 from "./0012_generation_jobs.ts";
import * as m0013 from "./0013_interactions.ts";
import * as m0014 from "./0014_quote_stamps.ts";
import * as m0015 from "./0015_posts_quote_authorization.ts";
import * as m0016 from "./0016_blocks.ts";
import * as m0017 from "./0017_reports.ts";
import * as m0018 from "./0018_domain_blocks.ts";
import * as m0019 from "./0019_accounts_deleted_at.ts";
import * as m0020 from "./0020_sessions.ts";
import * as m0021 from "./0021_default_visibility.ts";
import * as m0022 from "./0022_show_prompt_default.ts";
import * as m0023 from "./0023_accounts_suspended_at.ts";
import * as m0024 from "./0024_instance_settings.ts";
import * as m0025 from "./0025_invites.ts";
import * as m0026 from "./0026_mutes.ts";
import * as m0027 from "./0027_accounts_remote_handle_not_unique.ts";
import * as m0028 from "./0028_queue_messages_origin.ts";
import * as m0029 from "./0029_dead_letters.ts";
import * as m0030 from "./0030_domain_events.ts";
import * as m0031 from "./0031_posts_quote_state.ts";
import * as m0032 from "./0032_posts_quote_state_backfill.ts";
import * as m0033 from "./0033_posts_quotes_count.ts";
import * as m0034 from "./0034_posts_quote_index.ts";
import * as m0035 from "./0035_posts_quotes_count_backfill.ts";
import * as m0036 from "./0036_remote_media.ts";
import * as m0037 from "./0037_oauth.ts";
import * as m0038 from "./0038_bookmarks.ts";
import * as m0039 from "./0039_markers.ts";
import * as m0040 from "./0040_post_edits.ts";
import * as m0041 from "./0041_idempotency_keys.ts";
import * as m0042 from "./0042_media_focus.ts";
import * as m0043 from "./0043_stream_events.ts";
import * as m0044 from "./0044_pins.ts";
import * as m0045 from "./0045_content_version.ts";
import * as m0046 from "./0046_domain_blocks_version.ts";

/** Every migration, listed statically, in order. Names never change once released. */
export const migrations: Record<string, Migration> = {
  "0001_accounts": m0001,
  "0002_local_users": m0002,
  "0003_actor_keys": m0003,
  "0004_follows": m0004,
  "0005_kv": m0005,
  "0006_queue": m0006,
  "0007_posts": m0007,
  "0008_media": m0008,
  "0009_post_tags": m0009,
  "0010_post_mentions": m0010,
  "0011_notifications": m0011,
  "0012_generation_jobs": m0012,
  "0013_interactions": m0013,
  "0014_quote_stamps": m0014,
  "0015_posts_quote_authorization": m0015,
  "0016_blocks": m0016,
  "0017_reports": m0017,
  "0018_domain_blocks": m0018,
  "0019_accounts_deleted_at": m0019,
  "0020_sessions": m0020,
  "0021_default_visibility": m0021,
  "0022_show_prompt_default": m0022,
  "0023_accounts_suspended_at": m0023,
  "0024_instance_settings": m0024,
  "0025_invites": m0025,
  "0026_mutes": m0026,
  "0027_accounts_remote_handle_not_unique": m0027,
  "0028_queue_messages_origin": m0028,
  "0029_dead_letters": m0029,
  "0030_domain_events": m0030,
  "0031_posts_quote_state": m0031,
  "0032_posts_quote_state_backfill": m0032,
  "0033_posts_quotes_count": m0033,
  "0034_posts_quote_index": m0034,
  "0035_posts_quotes_count_backfill": m0035,
  "0036_remote_media": m0036,
  "0037_oauth": m0037,
  "0038_bookmarks": m0038,
  "0039_markers": m0039,
  "0040_post_edits": m0040,
  "0041_idempotency_keys": m0041,
  "0042_media_focus": m0042,
  "0043_stream_events": m0043,
  "0044_pins": m0044,
  "0045_content_version": m0045,
  "0046_domain_blocks_version": m0046,
};
