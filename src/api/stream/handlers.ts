import type { DomainEvents } from "../../domain/events.ts";
import type { NotificationService } from "../../domain/notifications.ts";
import type { StreamEventStore } from "./store.ts";

/**
 * Records what live listeners may want to hear, in whichever process the change happened (web,
 * worker, CLI): ids only, after the change is committed. Every web process's StreamHub reads them.
 */
export function registerStreamHandlers(events: DomainEvents, notifications: NotificationService, store: StreamEventStore): void {
  for (const event of ["post.published", "post.received"] as const) {
    events.on(event, ({ post }) => store.record("status", { postId: post.id }));
  }
  events.on("post.updated", ({ post }) => store.record("status.update", { postId: post.id, at: post.updated_at }));
  events.on("post.deleted", ({ post }) => store.record("delete", { postId: post.id }));
  events.on("post.removed", (gone) => store.record("delete", { postId: gone.post.id, gone }));
  for (const event of ["interaction.created", "interaction.received"] as const) {
    events.on(event, async ({ interaction }) => {
      if (interaction.type === "boost") await store.record("boost", { interactionId: interaction.id, postId: interaction.post_id, boosterId: interaction.account_id });
    });
  }
  for (const event of ["interaction.withdrawn", "interaction.undone"] as const) {
    events.on(event, async ({ interaction }) => {
      if (interaction.type === "boost") await store.record("unboost", { interactionId: interaction.id, postId: interaction.post_id, boosterId: interaction.account_id });
    });
  }
  notifications.onCreated((n) => store.record("notification", { notificationId: n.id, accountId: n.account_id }));
}
