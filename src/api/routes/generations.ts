import { Hono } from "hono";
import type { JobStatus } from "../../domain/generations.ts";
import { me, user } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import type { MastodonMediaAttachment } from "../entities.ts";
import { apiNotFound } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { int, params, str } from "../params.ts";
import type { Presenter } from "../present.ts";

/** A generation job as apps see it; its images, once done, are media attachments to post by id. */
export interface PictorGeneration {
  id: string;
  state: "queued" | "running" | "done" | "failed";
  prompt: string;
  model: string;
  size: string;
  n: number;
  seed: number | null;
  created_at: string;
  finished_at: string | null;
  media_attachments: MastodonMediaAttachment[];
  /** Why it failed, in words a person can act on; null unless failed. */
  error: string | null;
  error_code: string | null;
}

function generationEntity({ job, media }: JobStatus, present: Presenter): PictorGeneration {
  const failed = job.state === "failed";
  return {
    id: job.id,
    state: job.state,
    prompt: job.prompt,
    model: job.model,
    size: job.size,
    n: job.n,
    seed: job.seed,
    created_at: job.created_at,
    finished_at: job.finished_at,
    media_attachments: job.state === "done" ? present.ownMedia(media) : [],
    error: failed ? (job.error_message ?? "The generation failed") : null,
    error_code: failed ? job.error_code : null,
  };
}

/**
 * Pictor's own endpoints for apps: asking for images from a prompt (the same
 * quotas, prompt policy and messages as the web app, through
 * GenerationService) and following the job. Answers 202 at once; poll
 * GET /api/v1/pictor/generations/:id until `state` is done (or failed), then
 * post the images with POST /api/v1/statuses `media_ids[]`.
 */
export function generationRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const { generations, present } = deps;
  const app = new Hono<ApiEnv>();

  app.post("/api/v1/pictor/generations", user("write:media"), async (c) => {
    const p = await params(c);
    const job = await generations.request(me(c), {
      prompt: str(p.prompt, "prompt", 100_000) ?? "",
      model: str(p.model, "model", 200) || undefined,
      size: str(p.size, "size", 50) || undefined,
      n: int(p.n, "n", 1, 100),
      seed: int(p.seed, "seed", 0, 2 ** 32 - 1),
      quality: str(p.quality, "quality", 50) || undefined,
    });
    return c.json(generationEntity(await generations.status(job.id, me(c).id), present), 202);
  });

  app.get("/api/v1/pictor/generations/:id", user("read:statuses", "write:media"), async (c) => {
    const status = await generations.status(c.req.param("id"), me(c).id).catch(() => undefined);
    if (!status) throw apiNotFound();
    return c.json(generationEntity(status, present));
  });

  return app;
}
