import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { UPLOADS_OFF } from "../../domain/uploads.ts";
import { me, user } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import { apiNotFound, unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { params, str } from "../params.ts";

/** Room for the multipart framing and the other fields around the file. */
const FORM_OVERHEAD = 64 * 1024;

/**
 * Media: images people upload (POST /api/v2/media and /api/v1/media), run
 * through the same pipeline as generated ones and processed before the
 * answer, so it is always 200 with the URLs (never 202: nothing is left
 * processing). Uploads are never labelled as generated (`pictor.source`
 * "upload"). Off with UPLOADS=false. An owner reads and describes their own
 * images until they are posted, as Mastodon allows; those of generations too.
 */
export function mediaApiRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const { uploads, present } = deps;
  const app = new Hono<ApiEnv>();
  const tooLarge = bodyLimit({
    maxSize: uploads.maxBytes + FORM_OVERHEAD,
    onError: (c) => c.json({ error: `The file is too large; the limit is ${Math.round((uploads.maxBytes / 1024 / 1024) * 10) / 10} MB` }, 413),
  });

  for (const path of ["/api/v2/media", "/api/v1/media"]) {
    app.post(path, user("write:media"), async (c, next) => {
      // Refused before the body is read.
      if (!uploads.enabled) return c.json({ error: UPLOADS_OFF }, 422);
      return tooLarge(c, next);
    }, async (c) => {
      const p = await params(c);
      const file = p.file;
      if (!(file instanceof File)) throw unprocessable("file must be an image sent as multipart/form-data");
      const row = await uploads.upload(me(c), new Uint8Array(await file.arrayBuffer()), {
        description: str(p.description, "description", 10_000),
        focus: str(p.focus, "focus", 100),
      });
      return c.json(present.ownMedia([row])[0], 200);
    });
  }

  app.get("/api/v1/media/:id", user("write:media"), async (c) => {
    const row = await uploads.own(me(c).id, c.req.param("id"));
    if (!row) throw apiNotFound();
    return c.json(present.ownMedia([row])[0]);
  });

  app.put("/api/v1/media/:id", user("write:media"), async (c) => {
    const p = await params(c);
    const id = c.req.param("id");
    if (!(await uploads.own(me(c).id, id))) throw apiNotFound();
    const row = await uploads.describe(me(c).id, id, { description: str(p.description, "description", 10_000), focus: str(p.focus, "focus", 100) });
    return c.json(present.ownMedia([row])[0]);
  });

  return app;
}
