/**
 * The Create pages' stylesheet and script, served from /assets beside the
 * app's own (no inline code, so the CSP stays strict). Everything here is an
 * enhancement: without it the form posts, and the progress page refreshes
 * itself (a meta refresh inside <noscript>).
 */
export const CREATE_CSS = `
.create-options { display: grid; gap: 0 .75rem; grid-template-columns: minmax(0, 2fr) minmax(0, 1.5fr) minmax(0, .8fr); }
@media (max-width: 36rem) { .create-options { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } .create-options > :first-child { grid-column: 1 / -1; } }
.create-form .hint { font-size: .9rem; margin: .3rem 0 0; }
.create-form kbd { font: .8rem/1.4 ui-monospace, monospace; padding: 0 .3rem; border: 1px solid var(--muted); border-radius: 4px; }
.create-form .quota { margin: .9rem 0 .2rem; }
.create-form .quota strong { font-size: 1.05rem; }
.create-form .quota-out strong { color: #b3261e; }
@media (prefers-color-scheme: dark) { .create-form .quota-out strong { color: #ff8a80; } }
.create-form button[aria-busy=true] { opacity: .7; cursor: progress; }
.job-status h1 { margin: 0 0 .3rem; }
.job-status .job-line { margin: 0; font-size: .95rem; }
.job-status .job-prompt { margin: .4rem 0 0; overflow-wrap: anywhere; }
.placeholders { margin: 0; }
.placeholder { position: relative; display: flex; align-items: flex-end; aspect-ratio: 1; padding: .5rem; border-radius: 12px; overflow: hidden;
  background: linear-gradient(100deg, var(--line) 30%, color-mix(in srgb, var(--accent) 22%, var(--card)) 50%, var(--line) 70%) 0 0 / 300% 100%;
  animation: pictor-shimmer 1.6s ease-in-out infinite; }
.placeholder-label { padding: .05rem .5rem; border-radius: 6px; background: var(--card); color: var(--fg); font-size: .9rem; font-weight: 600; }
@keyframes pictor-shimmer { from { background-position: 100% 0; } to { background-position: 0 0; } }
@media (prefers-reduced-motion: reduce) { .placeholder { animation: none; background: var(--line); } }
`;

export const CREATE_JS = `
(() => {
  // Times the server wrote in UTC, in the reader's own time zone.
  const localTimes = (root) => {
    for (const el of root.querySelectorAll("time[data-local-time]")) {
      const when = new Date(el.getAttribute("datetime") || "");
      if (Number.isNaN(when.getTime())) continue;
      el.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      el.title = when.toLocaleString();
    }
  };
  localTimes(document);

  const form = document.querySelector("form[data-create-form]");
  if (form) {
    const prompt = form.querySelector("#prompt");
    if (/Mac|iPhone|iPad/.test(navigator.platform || "")) for (const k of form.querySelectorAll("#prompt-hint kbd")) if (k.textContent === "Ctrl") k.textContent = "⌘";
    // Ctrl+Enter (⌘+Enter) anywhere in the form generates.
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
      event.preventDefault();
      form.requestSubmit();
    });
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", () => {
      if (button) { button.setAttribute("aria-busy", "true"); button.textContent = "Starting…"; }
    });
    // Back from the next page (the page kept in memory): the button as it was.
    window.addEventListener("pageshow", () => { if (button) { button.removeAttribute("aria-busy"); button.textContent = "Generate"; } });
    // A draft survives a lost session or an expired form: kept in this tab for this address until a job starts.
    const draftKey = "pictor:create:" + location.search;
    try {
      const draft = sessionStorage.getItem(draftKey);
      if (prompt && !prompt.value && draft) prompt.value = draft;
      if (prompt) prompt.addEventListener("input", () => sessionStorage.setItem(draftKey, prompt.value));
    } catch {}
    // The caret after what is already written (a remix's prompt, a form sent back, a draft).
    if (prompt && document.activeElement === prompt) prompt.setSelectionRange(prompt.value.length, prompt.value.length);
    // Sizes and counts the chosen model can make.
    const model = form.querySelector("#model");
    const size = form.querySelector("#size");
    const count = form.querySelector("#n");
    const fit = () => {
      const option = model && model.selectedOptions[0];
      if (!option) return;
      const sizes = (option.getAttribute("data-sizes") || "").split(" ").filter(Boolean);
      const maxN = Number(option.getAttribute("data-max-n") || 4);
      if (size && sizes.length) {
        for (const o of size.options) o.hidden = o.disabled = !sizes.includes(o.value);
        if (!sizes.includes(size.value)) size.value = sizes[0];
      }
      if (count) {
        for (const o of count.options) o.hidden = o.disabled = Number(o.value) > maxN;
        if (Number(count.value) > maxN) count.value = String(maxN);
      }
    };
    if (model) { model.addEventListener("change", fit); fit(); }
  }

  const job = document.getElementById("job");
  const state = job && job.getAttribute("data-state");
  // A job started: the drafts it came from are done with.
  if (job) try { for (const key of Object.keys(sessionStorage)) if (key.startsWith("pictor:create:")) sessionStorage.removeItem(key); } catch {}
  if (!job || (state !== "queued" && state !== "running")) return;
  if (typeof EventSource !== "function") { setTimeout(() => location.reload(), 2000); return; }
  const live = document.getElementById("job-live");
  const stateText = { queued: "Waiting for a turn", running: "Drawing", done: "Ready", failed: "Failed" };
  const elapsed = document.getElementById("job-elapsed");
  const start = Date.now() - Number((elapsed && elapsed.getAttribute("data-elapsed-ms")) || 0);
  const tick = setInterval(() => { if (elapsed) elapsed.textContent = Math.round((Date.now() - start) / 1000) + " s"; }, 1000);
  let last = state;
  let finishing = false;
  const source = new EventSource(job.getAttribute("data-events"));
  // The page as the server now draws it (the images and the form to post them, or the error), swapped in without a reload.
  const finish = async () => {
    finishing = true;
    source.close();
    clearInterval(tick);
    try {
      const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = doc.getElementById("job");
      if (!next) throw new Error("no job");
      const fresh = document.importNode(next, true);
      // Drawn before they are shown, so the tiles do not flash empty.
      await Promise.all([...fresh.querySelectorAll("img")].map((img) => (img.decode ? img.decode().catch(() => {}) : undefined)));
      const hadFocus = job.contains(document.activeElement);
      job.replaceWith(fresh);
      localTimes(fresh);
      document.title = doc.title;
      const said = doc.getElementById("job-live");
      if (live && said) live.textContent = said.textContent;
      if (hadFocus) { const first = fresh.querySelector("input, a, button"); if (first) first.focus(); }
    } catch {
      location.reload();
    }
  };
  source.addEventListener("status", (event) => {
    let status;
    try { status = JSON.parse(event.data); } catch { return; }
    if (status.state !== last) {
      last = status.state;
      const shown = document.getElementById("job-state");
      if (shown) shown.textContent = stateText[status.state] || status.state;
      if (live && status.state === "running") live.textContent = "Drawing started.";
    }
    if ((status.state === "done" || status.state === "failed") && !finishing) finish();
  });
  // EventSource reconnects by itself after a dropped connection; one that gave up leaves the page to reload.
  source.addEventListener("error", () => { if (source.readyState === EventSource.CLOSED && !finishing) setTimeout(() => location.reload(), 2000); });
})();
`;
