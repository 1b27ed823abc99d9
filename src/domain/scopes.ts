/**
 * OAuth scopes as Mastodon 4.3 names them: coarse (`read`, `write`, `follow`,
 * `push`, `profile`) and granular (`read:statuses`, `write:media`, …). A
 * coarse scope grants every granular one under it; `follow` grants the
 * follow, block and mute scopes; `profile` grants only reading one's own
 * account. Pure functions.
 */

export const GRANULAR_READ = ["accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes", "notifications", "search", "statuses"] as const;
export const GRANULAR_WRITE = [
  "accounts",
  "blocks",
  "bookmarks",
  "conversations",
  "favourites",
  "filters",
  "follows",
  "lists",
  "media",
  "mutes",
  "notifications",
  "reports",
  "statuses",
] as const;

/** Every scope this server knows, coarse first. */
export const KNOWN_SCOPES: readonly string[] = [
  "read",
  "write",
  "follow",
  "push",
  "profile",
  ...GRANULAR_READ.map((s) => `read:${s}`),
  ...GRANULAR_WRITE.map((s) => `write:${s}`),
];

const FOLLOW_GRANTS = new Set(["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"]);

/** Splits a scope string (spaces or `+`, as apps send them); duplicates dropped. */
export function parseScopes(raw: string | null | undefined, fallback = "read"): string[] {
  const text = raw == null || raw.trim() === "" ? fallback : raw;
  return [...new Set(text.split(/[\s+]+/).filter(Boolean))];
}

/** The scopes this server does not know, if any. */
export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !KNOWN_SCOPES.includes(s));
}

/** Whether `granted` includes `required` (directly, or through a coarse scope or `follow`). */
export function grants(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const [family] = required.split(":");
  if (required.includes(":") && granted.includes(family)) return true;
  return granted.includes("follow") && FOLLOW_GRANTS.has(required);
}

/** Whether every scope in `wanted` is covered by `allowed` (what an app registered, say). */
export function coveredBy(wanted: readonly string[], allowed: readonly string[]): boolean {
  return wanted.every((s) => grants(allowed, s) || (s === "follow" && [...FOLLOW_GRANTS].every((f) => grants(allowed, f))));
}

/** A scope in words, for the consent page. */
export function describeScope(scope: string): string {
  const coarse: Record<string, string> = {
    read: "Read everything your account can see: posts, timelines, notifications, follows, blocks and mutes, bookmarks and favourites",
    write: "Post, edit and delete, upload and generate images, like, boost, bookmark, follow, block and mute, and change your profile",
    follow: "Follow, unfollow, block and mute accounts, and see who you follow, block and mute",
    push: "Receive push notifications",
    profile: "Read your own profile only",
  };
  if (coarse[scope]) return coarse[scope];
  const [family, what] = scope.split(":");
  const noun = what?.replace("favourites", "likes (favourites)");
  return family === "read" ? `Read your ${noun}` : family === "write" ? `Change your ${noun}` : scope;
}
