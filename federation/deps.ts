import type { Logger } from "@logtape/logtape";
import type { Config } from "../src/config.ts";
import type { AccountService } from "../src/domain/accounts.ts";
import type { DomainEvents } from "../src/domain/events.ts";
import type { FollowService } from "../src/domain/follows.ts";
import type { InteractionService } from "../src/domain/interactions.ts";
import type { ModerationService } from "../src/domain/moderation.ts";
import type { PostService } from "../src/domain/posts.ts";
import type { QuoteService } from "../src/domain/quotes.ts";
import type { VisibilityRules } from "../src/domain/visibility.ts";
import type { PostReader } from "../src/read/posts.ts";
import type { LocalUrls } from "../src/urls.ts";

/** What the federation module needs from the rest of Pictor; wired by the composition root. */
export interface FederationDeps {
  config: Config;
  urls: LocalUrls;
  accounts: AccountService;
  follows: FollowService;
  posts: PostService;
  interactions: InteractionService;
  quotes: QuoteService;
  moderation: ModerationService;
  /** The visibility rule, for checks on inbound activities. */
  visibility: VisibilityRules;
  /** Reads for dispatchers: every one takes the signed viewer. */
  reader: PostReader;
  events: DomainEvents;
  logger: Logger;
}
