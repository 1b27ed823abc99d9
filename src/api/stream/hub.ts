import type { Viewer } from "../../domain/visibility.ts";
import { idAt, type StreamEvent, type StreamEventStore } from "./store.ts";
import type { Subscription } from "./streams.ts";

/** One message to a listener, as Mastodon's streaming API sends it (`payload`: JSON text, or an id for `delete`). */
export interface StreamMessage {
  stream: string[];
  event: "update" | "notification" | "delete" | "status.update";
  payload: string;
}

/** A connected listener (a WebSocket or an event stream) and what it follows. */
export interface StreamListener {
  viewer: Viewer;
  /** The signed-in account, for user streams. */
  accountId: string | null;
  /** Subscriptions by key (see `subscriptionKey`). */
  subscriptions: Map<string, Subscription>;
  /** Events with ids below this (made before the listener came) are not sent to it. Set by `add`. */
  since?: string;
  send(message: StreamMessage): void;
  /** Whether the listener's token still holds (not revoked, its account not suspended); absent for anonymous listeners. */
  revalidate?(): Promise<boolean>;
  /** Ends the connection (its token no longer holds). */
  close?(): void;
}

/** Decides which listeners hear an event and renders it for each (as each may see it). */
export interface StreamRouter {
  deliver(event: StreamEvent, listeners: StreamListener[]): Promise<void>;
}

export interface StreamHubOptions {
  /** How often `stream_events` is read while someone listens (default 300 ms). */
  pollMs?: number;
  /** How often open connections' tokens are checked again, so a revoked token stops streaming (default 30 s). */
  recheckMs?: number;
  /** How far back each read looks, so that events committed late are not missed (default 15 s). */
  lookbackMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The streaming API's fan-out in one web process. Events are written to `stream_events` by
 * whichever process made them; while anyone listens here, the hub reads the table every few
 * hundred milliseconds, looking a little back and skipping what it has seen (so an event whose
 * transaction committed late still arrives once), and hands each new event to the router, which
 * renders it for each listener that may see it.
 */
export class StreamHub {
  readonly #listeners = new Set<StreamListener>();
  readonly #seen = new Set<string>();
  readonly #pollMs: number;
  readonly #lookbackMs: number;
  #router: StreamRouter | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** Events older than when polling started are never delivered. */
  #start = "";
  #closed = false;
  #lastRecheck = Date.now();

  constructor(
    private readonly store: StreamEventStore,
    private readonly options: StreamHubOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 300;
    this.#lookbackMs = options.lookbackMs ?? 15_000;
  }

  /** Sets who renders events (the API does, with its presenter). */
  use(router: StreamRouter): void {
    this.#router = router;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns what removes it. Polling runs while there is at least one. */
  add(listener: StreamListener): () => void {
    if (this.#closed) throw new Error("The stream hub is closed");
    listener.since = idAt(Date.now());
    this.#listeners.add(listener);
    if (!this.#timer && !this.#running) {
      this.#start = listener.since;
      this.#seen.clear();
      this.#schedule();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #schedule(): void {
    if (this.#closed || this.#listeners.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.pollOnce()
        .catch((error) => this.options.onError?.(error))
        .finally(() => {
          this.#running = null;
          this.#schedule();
        });
    }, this.#pollMs);
    this.#timer.unref?.();
  }

  /** Closes the connections whose token was revoked (or whose account was suspended) since they opened. */
  async recheck(): Promise<number> {
    this.#lastRecheck = Date.now();
    let closed = 0;
    for (const l of [...this.#listeners]) {
      if (!l.revalidate || (await l.revalidate().catch(() => true))) continue;
      this.#listeners.delete(l);
      l.close?.();
      closed++;
    }
    return closed;
  }

  /** Reads new events and delivers them (the poll loop's step; tests may call it). */
  async pollOnce(): Promise<void> {
    if (this.#listeners.size === 0) return;
    if (Date.now() - this.#lastRecheck >= (this.options.recheckMs ?? 30_000)) await this.recheck();
    const lookback = idAt(Date.now() - this.#lookbackMs);
    const from = lookback > this.#start ? lookback : this.#start;
    const events = await this.store.since(from);
    for (const id of this.#seen) if (id < from) this.#seen.delete(id);
    for (const event of events) {
      if (this.#seen.has(event.id)) continue;
      this.#seen.add(event.id);
      const listeners = [...this.#listeners].filter((l) => (l.since ?? "") <= event.id);
      if (listeners.length === 0 || !this.#router) continue;
      try {
        await this.#router.deliver(event, listeners);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  /** Stops polling for good (the process is closing). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    this.#listeners.clear();
  }
}
