import type { Hono } from "hono";
import type { DeadLetter, OutboxBacklog } from "../../read/queues.ts";
import type { HttpDeps } from "../app.tsx";
import type { PageContext } from "../views/layout.tsx";
import { Csrf } from "../views/pages.tsx";
import type { WebEnv } from "./session.ts";
import type { PageHelpers } from "./settings.tsx";

/**
 * The admin page's view of background work: messages the queues set aside
 * after too many failures (queue, what it was, when, attempts, last error —
 * never the body, which may carry private keys), each to retry or drop, and
 * the transactional outbox's backlog.
 */
export function QueueSection(props: { letters: DeadLetter[]; outbox: OutboxBacklog; ctx: PageContext }) {
  const { letters, outbox, ctx } = props;
  return (
    <>
      <section class="card" id="dead-letters">
        <h2>Dead letters</h2>
        <p class="muted">Messages that failed every attempt. Retry one once its cause is fixed, or drop it.</p>
        {letters.length === 0 ? <p class="muted">None.</p> : null}
        <ul>
          {letters.map((l) => (
            <li>
              <strong>{l.queue}</strong> {[l.kind, l.activityType].filter(Boolean).join(" ")} {l.origin ? <>to <code>{l.origin}</code></> : null} — failed{" "}
              <time datetime={l.failedAt}>{l.failedAt}</time> after {l.attempts} attempts: <code>{l.error}</code>
              <form method="post" action={`/admin/dead-letters/${l.id}/retry`}>
                <Csrf ctx={ctx} />
                <button type="submit">Retry</button>
              </form>
              <form method="post" action={`/admin/dead-letters/${l.id}/drop`}>
                <Csrf ctx={ctx} />
                <button type="submit">Drop</button>
              </form>
            </li>
          ))}
        </ul>
      </section>
      <section class="card" id="outbox">
        <h2>Outbox</h2>
        <p>
          Domain events waiting to be handled: <strong>{outbox.waiting}</strong>. Stopped after too many attempts: <strong>{outbox.stuck}</strong>.
        </p>
        <ul>
          {outbox.stuckEvents.map((e) => (
            <li>
              {e.name} of <time datetime={e.createdAt}>{e.createdAt}</time>, {e.attempts} attempts: <code>{e.lastError ?? "(no error recorded)"}</code>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** Retry or drop a dead letter. Anyone but an admin gets 404, as for an id that does not exist. */
export function registerQueueAdmin(app: Hono<WebEnv>, deps: HttpDeps, h: PageHelpers): void {
  app.post("/admin/dead-letters/:id/:action{retry|drop}", async (c) => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    if (!viewer.is_admin) return h.notFound(c);
    const id = c.req.param("id");
    const done = c.req.param("action") === "retry" ? await deps.queues.retry(id) : await deps.queues.drop(id);
    return done ? c.redirect("/admin#dead-letters", 303) : h.notFound(c, "No such dead letter.");
  });
}
