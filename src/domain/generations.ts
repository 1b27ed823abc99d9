import type { Db } from "../storage/db.ts";
import type { AccountRow, GenerationJobRow, MediaRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { DomainError, invalid, notFound } from "./errors.ts";

/** A job "running" this long has lost its worker (providers time out well before). */
export const STALE_AFTER_MS = 15 * 60 * 1000;

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
}

export interface GenerationLimits {
  /** Jobs queued or running at once per account. */
  maxConcurrent: number;
  /** Images per account per rolling 24 hours (failed jobs do not count). */
  dailyImages: number;
}

/** Hands a job to the queue that workers consume. */
export type EnqueueJob = (jobId: string) => Promise<void>;

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
    if (!account.is_admin) await this.#checkLimits(account.id, opts.n);
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
    await this.db.kysely.insertInto("generation_jobs").values(job).execute();
    try {
      await this.enqueue(job.id);
    } catch (error) {
      await this.fail(job.id, "unavailable", "The job could not be queued; try again");
      throw error;
    }
    return (await this.get(job.id))!;
  }

  async #checkLimits(accountId: string, n: number): Promise<void> {
    const limits = typeof this.limits === "function" ? await this.limits() : this.limits;
    const active = await this.db.kysely
      .selectFrom("generation_jobs")
      .select((e) => e.fn.countAll().as("n"))
      .where("account_id", "=", accountId)
      .where("state", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= limits.maxConcurrent) {
      throw new DomainError(429, `You already have ${Number(active.n)} generations running; wait for one to finish`, "too_many_jobs");
    }
    const since = nowIso(new Date(Date.now() - 24 * 3600 * 1000));
    const used = await this.db.kysely
      .selectFrom("generation_jobs")
      .select((e) => e.fn.sum<number>("n").as("n"))
      .where("account_id", "=", accountId)
      .where("state", "!=", "failed")
      .where("created_at", ">", since)
      .executeTakeFirstOrThrow();
    if (Number(used.n ?? 0) + n > limits.dailyImages) {
      throw new DomainError(429, `Daily limit reached: ${limits.dailyImages} images per 24 hours`, "daily_limit");
    }
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
   * Claims a job for running. Returns null when another worker has it or it
   * is finished; a job left "running" by a crashed worker for longer than
   * `staleAfterMs` is taken over.
   */
  async start(jobId: string, staleAfterMs = STALE_AFTER_MS): Promise<GenerationJobRow | null> {
    const now = nowIso();
    const stale = nowIso(new Date(Date.now() - staleAfterMs));
    const rows = await this.db.kysely
      .updateTable("generation_jobs")
      .set((eb) => ({ state: "running", started_at: now, attempts: eb("attempts", "+", 1) }))
      .where("id", "=", jobId)
      .where((eb) => eb.or([eb("state", "=", "queued"), eb.and([eb("state", "=", "running"), eb("started_at", "<", stale)])]))
      .returningAll()
      .execute();
    return rows[0] ?? null;
  }

  /** Records the finished images (already stored as files) and marks the job done, in one transaction. */
  async complete(jobId: string, media: Array<Omit<MediaRow, "id" | "account_id" | "post_id" | "job_id" | "created_at" | "remote_url" | "alt">>): Promise<void> {
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
   * `queuedMs` (a crash between insert and enqueue), or running longer than
   * `staleMs` (the worker died mid-run). Queueing them again is harmless:
   * `start` lets only one worker run a job.
   */
  async orphaned(queuedMs: number, staleMs = STALE_AFTER_MS): Promise<string[]> {
    const queuedBefore = nowIso(new Date(Date.now() - queuedMs));
    const startedBefore = nowIso(new Date(Date.now() - staleMs));
    const rows = await this.db.kysely
      .selectFrom("generation_jobs")
      .select("id")
      .where((eb) =>
        eb.or([
          eb.and([eb("state", "=", "queued"), eb("created_at", "<", queuedBefore)]),
          eb.and([eb("state", "=", "running"), eb("started_at", "<", startedBefore)]),
        ]),
      )
      .limit(100)
      .execute();
    return rows.map((r) => r.id);
  }
}
