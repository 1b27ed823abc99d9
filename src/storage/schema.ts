import type { Generated, Insertable, Selectable, Updateable } from "kysely";

// Booleans are 0/1 integers, dates ISO-8601 UTC text, ids UUIDv7 text, JSON as text.

export interface AccountsTable {
  id: string;
  iri: string;
  username: string;
  /** NULL for local accounts; the lowercased host for remote ones. */
  domain: string | null;
  display_name: Generated<string>;
  bio_html: Generated<string>;
  avatar_url: string | null;
  header_url: string | null;
  url: string | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  followers_url: string | null;
  type: Generated<string>;
  manually_approves_followers: Generated<number>;
  discoverable: Generated<number>;
  indexable: Generated<number>;
  created_at: string;
  updated_at: string;
  fetched_at: string | null;
}

export interface LocalUsersTable {
  account_id: string;
  password_hash: string;
  is_admin: Generated<number>;
  created_at: string;
}

export interface ActorKeysTable {
  owner: string;
  kind: "rsa" | "ed25519";
  public_jwk: string;
  private_jwk: string;
  created_at: string;
}

export interface FollowsTable {
  id: string;
  iri: string;
  follower_id: string;
  following_id: string;
  state: "pending" | "accepted";
  created_at: string;
  accepted_at: string | null;
}

export interface Database {
  accounts: AccountsTable;
  local_users: LocalUsersTable;
  actor_keys: ActorKeysTable;
  follows: FollowsTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type FollowRow = Selectable<FollowsTable>;
