import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { api, apiUser } from "../helpers/api.ts";
import { AP, startTestPictor } from "../helpers/pictor.ts";

const png = (width = 64, height = 48, colour = "#3366cc") => sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

function upload(bytes: Uint8Array, fields: Record<string, string> = {}, type = "image/png", name = "picture.png"): FormData {
  const form = new FormData();
  form.set("file", new File([new Uint8Array(bytes)], name, { type }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

describe("API: media uploads", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    pictor = await startTestPictor({ MEDIA_MAX_BYTES: "300000", MEDIA_MAX_PIXELS: "1000000" });
    ({ token } = await apiUser(pictor, "alice", "read write"));
    ({ token: otherToken } = await apiUser(pictor, "bob", "read write"));
  });
  afterAll(() => pictor?.stop());

  it("processes an uploaded PNG at once, never labelled as generated", async () => {
    const res = await api(pictor, "POST", "/api/v2/media", { token, form: upload(await png(), { description: "A blue square", focus: "0.5,-0.25" }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: "image",
      description: "A blue square",
      meta: { original: { width: 64, height: 48 }, focus: { x: 0.5, y: -0.25 } },
      pictor: { generated: false, model: null, source: "upload" },
    });
    expect(res.body.url).toMatch(/^http:\/\/pictor\.test\/media\/.+\.webp$/);
    expect(res.body.preview_url).toMatch(/\.thumb\.webp$/);
    expect(res.body.blurhash).toBeTruthy();
    const row = await pictor.db.kysely.selectFrom("media").selectAll().where("id", "=", res.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ prompt: null, model: null, provider: "upload", post_id: null, focus: "0.5,-0.25", alt: "A blue square" });
    // The files carry no AI provenance (no XMP label).
    const file = await pictor.media.get(row.file_key!);
    expect(Buffer.from(file!.bytes).toString("latin1")).not.toContain("trainedAlgorithmicMedia");
    // v1 works the same.
    const v1 = await api(pictor, "POST", "/api/v1/media", { token, form: upload(await png(10, 10)) });
    expect(v1.status).toBe(200);
    expect(v1.body.description).toBeNull();
  });

  it("shows and describes the owner's unposted images only", async () => {
    const { body: m } = await api(pictor, "POST", "/api/v2/media", { token, form: upload(await png()) });
    expect((await api(pictor, "GET", `/api/v1/media/${m.id}`, { token })).body.id).toBe(m.id);
    expect((await api(pictor, "GET", `/api/v1/media/${m.id}`, { token: otherToken })).status).toBe(404);
    expect((await api(pictor, "PUT", `/api/v1/media/${m.id}`, { token: otherToken, json: { description: "mine now" } })).status).toBe(404);
    const put = await api(pictor, "PUT", `/api/v1/media/${m.id}`, { token, json: { description: "Described later", focus: "0,1" } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ description: "Described later", meta: { focus: { x: 0, y: 1 } } });
    const badFocus = await api(pictor, "PUT", `/api/v1/media/${m.id}`, { token, json: { focus: "2,0" } });
    expect(badFocus.status).toBe(422);
    expect(badFocus.body.error).toMatch(/focus/);

    // Posted: its description is the alt text, it goes out without the AI label, and it is no longer changed here.
    const status = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "My own photo", media_ids: [m.id] } });
    expect(status.status).toBe(200);
    expect(status.body.media_attachments[0]).toMatchObject({ id: m.id, description: "Described later", pictor: { generated: false, source: "upload" } });
    expect(status.body.pictor.generated).toBe(false);
    const note = await (await pictor.http.request(status.body.uri, { headers: { Accept: AP } })).json();
    expect(note.content).not.toContain("AI-generated");
    const attachment = [note.attachment].flat()[0];
    expect(attachment.name).toBe("Described later");
    expect(JSON.stringify(attachment)).not.toContain("generator");
    expect((await api(pictor, "GET", `/api/v1/media/${m.id}`, { token })).status).toBe(404);
    expect((await api(pictor, "PUT", `/api/v1/media/${m.id}`, { token, json: { description: "changed" } })).status).toBe(404);
  });

  it("refuses what is not a usable image, with a clear error", async () => {
    const text = await api(pictor, "POST", "/api/v2/media", { token, form: upload(new TextEncoder().encode("hello, not an image"), {}, "image/png") });
    expect(text.status).toBe(422);
    expect(text.body.error).toMatch(/not an image/);
    const svg = await api(pictor, "POST", "/api/v2/media", {
      token,
      form: upload(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), {}, "image/svg+xml", "x.svg"),
    });
    expect(svg.status).toBe(422);
    expect(svg.body.error).toMatch(/not accepted|not an image/);
    const pixels = await api(pictor, "POST", "/api/v2/media", { token, form: upload(await png(1100, 1000)) });
    expect(pixels.status).toBe(422);
    expect(pixels.body.error).toMatch(/limit is/);
    // Over the byte limit: refused by the pipeline, and before it is read when far over.
    const big = await api(pictor, "POST", "/api/v2/media", { token, form: upload(new Uint8Array(310_000)) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/limit is/);
    const huge = await api(pictor, "POST", "/api/v2/media", { token, form: upload(new Uint8Array(2_000_000)) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/too large/);
    const none = await api(pictor, "POST", "/api/v2/media", { token, json: { description: "no file" } });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatch(/file/);
    expect(await pictor.db.kysely.selectFrom("media").select("id").where("post_id", "is", null).where("alt", "=", "no file").execute()).toEqual([]);
  });

  it("needs write:media and a token", async () => {
    expect((await api(pictor, "POST", "/api/v2/media", { form: upload(await png()) })).status).toBe(401);
    const { token: readOnly } = await apiUser(pictor, "carol", "read write:statuses");
    const res = await api(pictor, "POST", "/api/v2/media", { token: readOnly, form: upload(await png()) });
    expect(res.status).toBe(403);
    expect((await api(pictor, "GET", "/api/v1/media/whatever", { token: readOnly })).status).toBe(403);
  });
});

describe("API: media with uploads turned off", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor({ UPLOADS: "false" });
  });
  afterAll(() => pictor?.stop());

  it("answers 422 and points to generations", async () => {
    const { token } = await apiUser(pictor, "alice", "read write");
    const res = await api(pictor, "POST", "/api/v2/media", { token, form: upload(await png()) });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: "Uploads are turned off on this server: images here are generated (POST /api/v1/pictor/generations)" });
    expect((await api(pictor, "POST", "/api/v1/media", { token, form: upload(await png()) })).status).toBe(422);
    expect(await pictor.db.kysely.selectFrom("media").select("id").execute()).toEqual([]);
  });
});
