import type { JobStatus, ModelChoice, Quota } from "../../domain/generations.ts";
import { VISIBILITIES } from "../../domain/visibility.ts";
import { modelLabel, sizeLabel } from "../../generation/models.ts";
import type { ViewLinks } from "../../read/views.ts";
import { FormError, Layout, type PageContext } from "./layout.tsx";
import { type ContextCard, ContextNote, Csrf } from "./pages.tsx";

/** The Create pages' own stylesheet and script (progress over server-sent events, Ctrl+Enter, local times). */
function CreateAssets(props: { ctx: PageContext }) {
  return (
    <>
      <link rel="stylesheet" href="/assets/create.css" />
      <script src="/assets/create.js" defer nonce={props.ctx.nonce} />
    </>
  );
}

/** A moment shown as "14:00 UTC" by the server and in the reader's own time zone by the script. */
function LocalTime(props: { iso: string }) {
  return (
    <time datetime={props.iso} data-local-time>
      {props.iso.slice(11, 16)} UTC
    </time>
  );
}

/** "6 of 100 images left today · more from 14:00". */
export function QuotaLine(props: { quota: Quota }) {
  const q = props.quota;
  if (q.limit === null || q.remaining === null) return <p class="quota muted" id="quota">Your account has no daily image limit.</p>;
  return (
    <p class={q.remaining === 0 ? "quota quota-out" : "quota muted"} id="quota">
      <strong data-remaining={q.remaining}>{q.remaining}</strong> of <span data-limit={q.limit}>{q.limit}</span> images left today
      {q.resetsAt && q.remaining < q.limit ? (
        <>
          {" · "}more from <LocalTime iso={q.resetsAt} />
        </>
      ) : null}
    </p>
  );
}

/** Why a request was refused; the daily limit gets the numbers and the time more images come. */
export type CreateError = { message: string } | { requested: number; quota: Quota & { limit: number; remaining: number } };

function ErrorNote(props: { error: CreateError }) {
  const e = props.error;
  if ("message" in e) {
    return (
      <p class="error" role="alert" id="create-error">
        {e.message}
      </p>
    );
  }
  const { quota, requested } = e;
  const more = quota.resetsAt ? (
    <>
      {" "}
      More images from <LocalTime iso={quota.resetsAt} />.
    </>
  ) : null;
  return (
    <p class="error" role="alert" id="create-error">
      {quota.remaining === 0 ? (
        <>You have used all {quota.limit} images of the last 24 hours.</>
      ) : (
        <>
          You asked for {requested} images, but only {quota.remaining} of {quota.limit} {quota.remaining === 1 ? "is" : "are"} left today: ask for {quota.remaining === 1 ? "1 image" : `${quota.remaining} or fewer`}.
        </>
      )}
      {more}
    </p>
  );
}

export function CreatePage(props: {
  ctx: PageContext;
  error?: CreateError;
  prompt?: string;
  choices: readonly ModelChoice[];
  quota: Quota;
  model?: string;
  size?: string;
  n?: string;
  reply?: string;
  remix?: string;
  remixOf?: string;
  context?: ContextCard;
}) {
  const choices = props.choices;
  const model = choices.find((m) => m.id === props.model) ?? choices[0];
  // Every size any model offers (the script hides those the chosen model cannot make; the server checks either way).
  const sizes = [...new Set([...choices.flatMap((m) => m.sizes), ...(props.size ? [props.size] : [])])];
  const size = props.size || model?.sizes[0] || "1024x1024";
  const maxN = Math.max(1, ...choices.map((m) => m.maxN));
  const n = props.n || "1";
  return (
    <Layout title="Create" ctx={props.ctx} head={<CreateAssets ctx={props.ctx} />}>
      <form method="post" action="/create" class="card create-form" data-create-form>
        <h1>Create</h1>
        {props.context ? <ContextNote context={props.context} /> : props.remixOf ? <p class="muted">Remixing {props.remixOf}: the result is posted as a quote of it.</p> : null}
        {props.error ? <ErrorNote error={props.error} /> : null}
        <Csrf ctx={props.ctx} />
        {props.reply ? <input type="hidden" name="reply" value={props.reply} /> : null}
        {props.remix ? <input type="hidden" name="remix" value={props.remix} /> : null}
        <label for="prompt">Prompt</label>
        <textarea id="prompt" name="prompt" rows={4} required autofocus aria-describedby="prompt-hint">
          {props.prompt ?? ""}
        </textarea>
        <p id="prompt-hint" class="muted hint">
          Describe the picture: its subject, colours, time of day and style. <kbd>Ctrl</kbd>+<kbd>Enter</kbd> generates.
        </p>
        <div class="create-options">
          <div>
            <label for="model">Model</label>
            <select id="model" name="model">
              {choices.map((m) => (
                <option value={m.id} selected={m.id === model?.id} data-sizes={m.sizes.join(" ")} data-max-n={m.maxN}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="size">Size</label>
            <select id="size" name="size">
              {sizes.map((s) => (
                <option value={s} selected={s === size}>
                  {sizeLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="n">Images</label>
            <select id="n" name="n">
              {Array.from({ length: maxN }, (_, i) => String(i + 1)).map((v) => (
                <option value={v} selected={v === n}>
                  {v}
                </option>
              ))}
            </select>
          </div>
        </div>
        {model && model.label !== model.id ? (
          <p class="muted hint demo-note">
            The {model.label} runs on this server without any AI service: it draws scenes from your prompt's words (subjects such as mountains, sea, city, cat or flowers; colours;
            night, sunset or dawn; styles such as watercolor, neon or minimal), so this instance can be tried out.
          </p>
        ) : null}
        <QuotaLine quota={props.quota} />
        <p>
          <button class="primary" type="submit">
            Generate
          </button>
        </p>
      </form>
    </Layout>
  );
}

const STATE_TEXT: Record<string, string> = { queued: "Waiting for a turn", running: "Drawing", done: "Ready", failed: "Failed" };

export function JobPage(props: { ctx: PageContext; status: JobStatus; links: ViewLinks; error?: string; reply?: string; quote?: string; values?: Record<string, string>; context?: ContextCard }) {
  const { job, media, elapsedMs } = props.status;
  const running = job.state === "queued" || job.state === "running";
  const v = props.values ?? {};
  const title = running ? "Generating…" : job.state === "done" ? "Post your images" : "Generation failed";
  const count = job.n === 1 ? "1 image" : `${job.n} images`;
  return (
    <Layout
      title={title}
      ctx={props.ctx}
      head={
        <>
          {/* Without a script the page refreshes itself; with one, it follows the server-sent events instead. */}
          {running ? (
            <noscript>
              <meta http-equiv="refresh" content="2" />
            </noscript>
          ) : null}
          <CreateAssets ctx={props.ctx} />
        </>
      }
    >
      {/* Outside the part the script swaps, so that what it says is announced. */}
      <p id="job-live" class="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {running ? `Generating ${count}.` : job.state === "done" ? `${media.length === 1 ? "1 image is" : `${media.length} images are`} ready. Choose the images to post.` : "The generation failed."}
      </p>
      <div id="job" data-job={job.id} data-state={job.state} data-events={`/api/generations/${job.id}/events`}>
        <section class="card job-status">
          <h1 id="job-title">{title}</h1>
          <p class="muted job-line">
            <span id="job-state">{STATE_TEXT[job.state] ?? job.state}</span>
            {" · "}
            <span id="job-elapsed" data-elapsed-ms={elapsedMs}>
              {Math.round(elapsedMs / 1000)} s
            </span>
            {" · "}
            {count} · {modelLabel(job.model)} · {sizeLabel(job.size)}
          </p>
          <p class="job-prompt">
            <q>{job.prompt}</q>
          </p>
          {job.state === "failed" ? (
            <p class="error" role="alert">
              {job.error_message} <a href={`/create?prompt=${encodeURIComponent(job.prompt)}`}>Try again</a>
            </p>
          ) : null}
        </section>
        {running ? (
          <section class="card" aria-labelledby="job-title">
            <div class={job.n === 1 ? "choices one placeholders" : "choices placeholders"}>
              {Array.from({ length: job.n }, (_, i) => (
                <div class="placeholder" role="img" aria-label={`Image ${i + 1} of ${job.n}, being drawn`}>
                  <span class="placeholder-label" aria-hidden="true">
                    Image {i + 1}
                  </span>
                </div>
              ))}
            </div>
            <noscript>
              <p class="muted">This page refreshes itself until the images are ready.</p>
            </noscript>
          </section>
        ) : null}
        {job.state === "done" ? (
          <form method="post" action="/posts" class="card" id="post-form">
            <FormError message={props.error} />
            <Csrf ctx={props.ctx} />
            <input type="hidden" name="job" value={job.id} />
            <ContextNote context={props.context} />
            {props.reply ? <input type="hidden" name="reply" value={props.reply} /> : null}
            {props.quote ? <input type="hidden" name="quote" value={props.quote} /> : null}
            <fieldset class="choices-set">
              <legend>Choose the images to post</legend>
              <div class={media.length === 1 ? "choices one" : "choices"}>
                {media.map((m, i) => {
                  const full = props.links.media.full(m);
                  const thumb = props.links.media.thumb(m);
                  // The thumbnail (400 px) where the tile is small, the WebP where it is drawn larger or on dense screens.
                  const thumbW = m.width && m.height ? Math.round(m.width * Math.min(1, 400 / Math.max(m.width, m.height))) : null;
                  const fullW = m.width && m.height ? Math.round(m.width * Math.min(1, 2048 / Math.max(m.width, m.height))) : null;
                  const srcset = thumbW && fullW && fullW > thumbW && full !== thumb ? `${thumb} ${thumbW}w, ${full} ${fullW}w` : undefined;
                  return (
                    <div class="choice">
                      <input class="pick" type="checkbox" id={`pick_${m.id}`} name="media" value={m.id} checked={!v.media || v.media.split(",").includes(m.id)} />
                      <label class="tile" for={`pick_${m.id}`}>
                        <img
                          src={thumb}
                          srcset={srcset}
                          sizes={srcset ? (media.length === 1 ? "(max-width: 30rem) calc(100vw - 4rem), 24rem" : "(max-width: 44rem) calc(50vw - 3rem), 19rem") : undefined}
                          alt={m.alt || job.prompt}
                          width={m.width ?? undefined}
                          height={m.height ?? undefined}
                        />
                        <span class="tile-check">Post image {i + 1}</span>
                      </label>
                      <label class="alt-label" for={`alt_${m.id}`}>
                        Alt text for image {i + 1}
                      </label>
                      <input id={`alt_${m.id}`} name={`alt_${m.id}`} type="text" value={v[`alt_${m.id}`] ?? ""} maxlength={1500} aria-describedby="alt-hint" placeholder="Describe the image for people who cannot see it" />
                    </div>
                  );
                })}
              </div>
            </fieldset>
            <p id="alt-hint" class="muted">
              Alt text left empty is filled from the prompt only when the prompt is shown; with the prompt hidden, write it yourself.
            </p>
            <label for="caption">Caption</label>
            <textarea id="caption" name="caption" rows={3} maxlength={5000}>
              {v.caption ?? ""}
            </textarea>
            <label for="summary">Content warning (optional)</label>
            <input id="summary" name="summary" type="text" value={v.summary ?? ""} maxlength={500} />
            <label for="visibility">Visibility</label>
            <select id="visibility" name="visibility">
              {VISIBILITIES.map((x) => (
                <option value={x} selected={(v.visibility ?? "public") === x}>
                  {x}
                </option>
              ))}
            </select>
            <label>
              <input type="checkbox" name="show_prompt" value="1" checked={v.show_prompt !== "0"} /> Show the prompt
            </label>
            <label>
              <input type="checkbox" name="sensitive" value="1" checked={v.sensitive === "1"} /> Mark the images sensitive
            </label>
            <p>
              <button class="primary" type="submit">
                Post
              </button>
            </p>
          </form>
        ) : null}
      </div>
    </Layout>
  );
}
