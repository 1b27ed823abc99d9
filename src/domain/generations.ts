import { sql, type Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Database, GenerationJobRow, MediaRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { DomainError, invalid, notFound } from "./errors.ts";

/** A job "running" this long has lost its worker (providers time out well before). */
export const STALE_AFTER_MS = 15 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface GenerationRequest {
  prompt: string;
  model?: string;
  size?: string;
  n?: number;
  seed?: number;
  quality?: string;
  /** Remix: a media id whose image the provider edits. */
  sourceMediaId?: string;
}

/** What the configured provider accepts; checks a request before a job is made. */
export interface GenerationPolicy {
  provider: string;
  /** Fills defaults and validates; throws a DomainError a person can act on. */
  normalize(req: GenerationRequest): Promise<{ model: string; size: string; n: number; seed: number | null; quality: string | null }>;
  /** Refuses prompts the instance does not allow; resolves with the reason, or null. */
  refusal(prompt: string): Promise<string | null>;
  maxPromptLength: number;
  /** The models a person may choose, default first, with what each accepts (for forms). */
  choices?: readonly ModelChoice[];
}

/** A model as a form offers it. */
export interface ModelChoice {
  id: string;
  /** What people read: "Offline demo model (builtin)" for the builtin one. */
  label: string;
  /** Sizes offered, default first ("WIDTHxHEIGHT"). */
  sizes: readonly string[];
  /** Most images per request. */
  maxN: number;
  /** Whether it can remix (edit) an image. */
  edit: boolean;
}

/** Where a person stands against the daily image limit. */
export interface Quota {
  /** Images per rolling 24 hours; null when this account has no limit (admins). */
  limit: number | null;
  /** Images asked for in the last 24 hours (failed jobs do not count). */
  used: number;
  /** Images that may still be asked for now; null when unlimited. */
  remaining: number | null;
  /** When the oldest counted images leave the 24-hour window and more become available; null when none are counted. */
  resetsAt: string | null;
}

/** A request for more images than are left today: says how many are left and from when more are. */
export class QuotaError extends DomainError {
  constructor(
    readonly quota: Quota & { limit: number; remaining: number },
    readonly requested: number,
  ) {
    super(429, quotaMessage(quota, requested), "daily_limit");
  }
}

/** "14:00 UTC": a time of day for messages that have no time zone of the reader. */
const utcTime = (iso: string) => `${iso.slice(11, 16)} UTC`;

function quotaMessage(q: Quota & { limit: number; remaining: number }, requested: number): string {
  const more = q.resetsAt ? `; more from ${utcTime(q.resetsAt)}` : "";
  if (q.remaining <= 0) return `You have used all ${q.limit} images of the last 24 hours${more}`;
  const ask = q.remaining === 1 ? "ask for 1 image" : `ask for ${q.remaining} or fewer`;
  return `You asked for ${requested} images but only ${q.remaining} of ${q.limit} ${q.remaining === 1 ? "is" : "are"} left today: ${ask}${more}`;
}

export interface GenerationLimits {
  /** Jobs queued or running at once per account. */
  maxConcurrent: number;
  /** Images per account per rolling 24 hours (failed jobs do not count). */
  dailyImages: number;
}

/** Hands a job to the queue that workers consume. */
export type EnqueueJob = (jobId: string) => Promise<void>;

/**
 * What the jobs queue knows of a job's message: copies waiting or running,
 * and how many of them a live worker holds a lease on. A running job whose
 * message no live worker holds has lost its worker.
 */
export type JobLeases = (jobId: string) => Promise<{ queued: number; leased: number }>;

/** Times a job may lose its worker (a crash, a lapsed lease) before it fails instead of running again. */
export const MAX_JOB_ATTEMPTS = 3;

export interface JobStatus {
  job: GenerationJobRow;
  media: MediaRow[];
  /** Milliseconds since the job was asked for (until it finished). */
  elapsedMs: number;
}

export class GenerationService {
  constructor(
    private readonly db: Db,
    private readonly policy: GenerationPolicy,
    /** Fixed limits, or a function that reads the current ones (an admin may change them). */
    private readonly limits: GenerationLimits | (() => Promise<GenerationLimits>),
    private readonly enqueue: EnqueueJob,
    /** With it, a dead worker's job is taken over as soon as its queue lease lapses; without, after `STALE_AFTER_MS`. */
    private readonly leases?: JobLeases,
  ) {}

  /** Validates, checks limits, stores the job and queues it; returns at once. */
  async request(account: AccountRow & { is_admin?: number }, req: GenerationRequest): Promise<GenerationJobRow> {
    if (account.domain !== null) throw invalid("Only local accounts generate images");
    const prompt = (req.prompt ?? "").trim();
    if (!prompt) throw invalid("The prompt is empty");
    if (prompt.length > this.policy.maxPromptLength) throw invalid(`The prompt must be at most ${this.policy.maxPromptLength} characters`);
    const refusal = await this.policy.refusal(prompt);
    if (refusal) throw new DomainError(422, `The prompt was refused: ${refusal}`, "prompt_refused");
    const opts = await this.policy.normalize(req);
    if (req.sourceMediaId) {
      const source = await this.db.kysely.selectFrom("media").select(["id", "file_key", "remote_url"]).where("id", "=", req.sourceMediaId).executeTakeFirst();
      if (!source) throw invalid("The image to remix was not found");
    }
    const limits = account.is_admin ? undefined : typeof this.limits === "function" ? await this.limits() : this.limits;
    const job = {
      id: newId(),
      account_id: account.id,
      prompt,
      provider: this.policy.provider,
      model: opts.model,
      size: opts.size,
      n: opts.n,
      seed: opts.seed,
      quality: opts.quality,
      source_media_id: req.sourceMediaId ?? null,
      state: "queued" as const,
      error_code: null,
      error_message: null,
      created_at: nowIso(),
      started_at: null,
      finished_at: null,
    };
    // Count and insert in one transaction, one request per account at a time: a burst cannot
    // pass the check together (SQLite: one writer at a time; PostgreSQL: a per-account lock).
    await this.db.kysely.transaction().execute(async (trx) => {
      if (limits) {
        if (this.db.dialect === "postgres") await sql`select pg_advisory_xact_lock(hashtext(${`pictor:generations:${account.id}`}))`.execute(trx);
        await this.#checkLimits(trx, account.id, opts.n, limits);
      }
      await trx.insertInto("generation_jobs").values(job).execute();
    });
    try {
      await this.enqueue(job.id);
    } catch (error) {
      await this.fail(job.id, "unavailable", "The job could not be queued; try again");
      throw error;
    }
    return (await this.get(job.id))!;
  }

  async #checkLimits(trx: Transaction<Database>, accountId: string, n: number, limits: GenerationLimits): Promise<void> {
    const active = await trx
      .selectFrom("generation_jobs")
      .select((e) => e.fn.countAll().as("n"))
      .where("account_id", "=", accountId)
      .where("state", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= limits.maxConcurrent) {
      throw new DomainError(429, `You already have ${Number(active.n)} generations running; wait for one to finish`, "too_many_jobs");
    }
    const quota = await this.#quota(trx, accountId, limits.dailyImages);
    if (n > quota.remaining) throw new QuotaError(quota, n);
  }

  /** Where the account stands against the daily limit (admins have none). */
  async quota(account: AccountRow & { is_admin?: number }): Promise<Quota> {
    if (account.is_admin) {
      const q = await this.#quota(this.db.kysely, account.id, 0);
      return { ...q, limit: null, remaining: null };
    }
    const limits = typeof this.limits === "function" ? await this.limits() : this.limits;
    return this.#quota(this.db.kysely, account.id, limits.dailyImages);
  }

  /**
   * Images asked for in the last 24 hours and when the window next frees
   * some: the oldest counted job's time plus 24 hours. Jobs count what they
   * asked for (queued and running ones have no images yet); failed ones not.
   */
  async #quota(db: Db["kysely"] | Transaction<Database>, accountId: string, limit: number): Promise<Quota & { limit: number; remaining: number }> {
    const since = nowIso(new Date(Date.now() - DAY_MS));
    const rows = await db
      .selectFrom("generation_jobs")
      .select(["n", "created_at"])
      .where("account_id", "=", accountId)
      .where("state", "!=", "failed")
      .where("created_at", ">", since)
      .orderBy("created_at")
      .execute();
    const used = rows.reduce((sum, r) => sum + Number(r.n), 0);
    const resetsAt = rows.length ? nowIso(new Date(Date.parse(rows[0].created_at) + DAY_MS)) : null;
    return { limit, used, remaining: Math.max(0, limit - used), resetsAt };
  }

  /** The models a form may offer, default first. */
  choices(): readonly ModelChoice[] {
    return this.policy.choices ?? [];
  }

  async get(jobId: string): Promise<GenerationJobRow | undefined> {
    return this.db.kysely.selectFrom("generation_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
  }

  async status(jobId: string, accountId?: string): Promise<JobStatus> {
    const job = await this.get(jobId);
    if (!job || (accountId && job.account_id !== accountId)) throw notFound("Generation");
    const media = await this.db.kysely.selectFrom("media").selectAll().where("job_id", "=", jobId).orderBy("position").execute();
    const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
    return { job, media, elapsedMs: Math.max(0, end - Date.parse(job.created_at)) };
  }

  /**
   * Claims a job for running; call it from the job's queue handler. Returns
   * null when another worker has it or it is finished. A job left "running"
   * by a dead worker is taken over: at once when the queue says no other
   * worker holds a lease on its message (the caller's own is the one
   * expected), else after `staleAfterMs`. A job that lost its worker
   * `MAX_JOB_ATTEMPTS` times fails instead: it may be what kills them.
   */
  async start(jobId: string, staleAfterMs = STALE_AFTER_MS): Promise<GenerationJobRow | null> {
    const now = nowIso();
    const stale = nowIso(new Date(Date.now() - staleAfterMs));
    const job = await this.get(jobId);
    if (!job || (job.state !== "queued" && job.state !== "running")) return null;
    if (job.state === "running") {
      const lost = this.leases ? (await this.leases(jobId)).leased <= 1 : job.started_at !== null && job.started_at < stale;
      if (!lost) return null;
      if (job.attempts >= MAX_JOB_ATTEMPTS) {
        await this.fail(jobId, "worker_lost", `The image could not be made: its worker stopped ${job.attempts} times. Try again, perhaps with a smaller size.`);
        return null;
      }
    }
    // Guarded by the state and attempts read above: of two racing workers only one moves them on.
    const rows = await this.db.kysely
      .updateTable("generation_jobs")
      .set((eb) => ({ state: "running", started_at: now, attempts: eb("attempts", "+", 1) }))
      .where("id", "=", jobId)
      .where("state", "=", job.state)
      .where("attempts", "=", job.attempts)
      .returningAll()
      .execute();
    return rows[0] ?? null;
  }

  /** Records the finished images (already stored as files) and marks the job done, in one transaction. */
  async complete(jobId: string, media: Array<Omit<MediaRow, "id" | "account_id" | "post_id" | "job_id" | "created_at" | "remote_url" | "alt" | "focus">>): Promise<void> {
    const job = await this.get(jobId);
    if (!job) throw notFound("Generation");
    const now = nowIso();
    await this.db.kysely.transaction().execute(async (trx) => {
      // A re-run after a crash replaces what a previous attempt recorded.
      await trx.deleteFrom("media").where("job_id", "=", jobId).where("post_id", "is", null).execute();
      if (media.length) {
        await trx
          .insertInto("media")
          .values(media.map((m) => ({ ...m, id: newId(), account_id: job.account_id, post_id: null, job_id: jobId, remote_url: null, alt: "", created_at: now })))
          .execute();
      }
      await trx.updateTable("generation_jobs").set({ state: "done", finished_at: now, error_code: null, error_message: null }).where("id", "=", jobId).execute();
    });
  }

  async fail(jobId: string, code: string, message: string): Promise<void> {
    await this.db.kysely
      .updateTable("generation_jobs")
      .set({ state: "failed", finished_at: nowIso(), error_code: code, error_message: message.slice(0, 500) })
      .where("id", "=", jobId)
      .where("state", "!=", "done")
      .execute();
  }

  /**
   * Jobs that may have no message in the queue: queued longer than
   * `queuedMs` (a crash between insert and enqueue), or running with no
   * message left in the queue (its worker died and the message was lost or
   * set aside; without lease information: running longer than `staleMs`).
   * Queueing them again is harmless: `start` lets only one worker run a job.
   */
  async orphaned(queuedMs: number, staleMs = STALE_AFTER_MS): Promise<string[]> {
    const queuedBefore = nowIso(new Date(Date.now() - queuedMs));
    const startedBefore = nowIso(new Date(Date.now() - staleMs));
    const leases = this.leases;
    const rows = await this.db.kysely
      .selectFrom("generation_jobs")
      .select(["id", "state"])
      .where((eb) =>
        eb.or([
          eb.and([eb("state", "=", "queued"), eb("created_at", "<", queuedBefore)]),
          leases ? eb("state", "=", "running") : eb.and([eb("state", "=", "running"), eb("started_at", "<", startedBefore)]),
        ]),
      )
      .limit(100)
      .execute();
    const ids: string[] = [];
    for (const r of rows) if (r.state === "queued" || !leases || (await leases(r.id)).queued === 0) ids.push(r.id);
    return ids;
  }
}
