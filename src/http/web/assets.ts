/** The stylesheet and the small script of the web app, served from /assets (no inline code, so the CSP can be strict). */
export const APP_CSS = `
:root { color-scheme: light dark; --bg: #fbfaf8; --fg: #1d1b19; --muted: #5f5a54; --card: #fff; --line: #e6e1da; --accent: #5b37f0; --accent-fg: #fff; --focus: #5b37f0; --tabbar: 3.6rem; }
@media (prefers-color-scheme: dark) { :root { --bg: #141312; --fg: #eeeae4; --muted: #aaa49c; --card: #1d1b19; --line: #3a3531; --accent: #a995ff; --accent-fg: #141312; --focus: #c2b5ff; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); overflow-wrap: break-word; }
a { color: var(--accent); }
img, svg, video { max-width: 100%; }
img { height: auto; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: .5rem; top: -4rem; z-index: 30; padding: .5rem 1rem; border-radius: 8px; background: var(--accent); color: var(--accent-fg); font-weight: 600; }
.skip:focus { top: .5rem; }
header.site { position: sticky; top: 0; z-index: 10; display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
header.site .brand { flex: none; max-width: 12rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--fg); text-decoration: none; font-size: 1.1rem; }
header.site form { margin: 0; }
header.site form[role=search] { flex: 1 1 10rem; min-width: 0; max-width: 22rem; }
header.site input[type=search] { width: 100%; padding: .4rem .8rem; border-radius: 999px; }
header.site nav { display: flex; gap: .9rem; flex-wrap: wrap; align-items: center; margin-left: auto; }
header.site nav a { text-decoration: none; }
header.site nav a:hover, header.site nav a[aria-current=page] { text-decoration: underline; text-underline-offset: .3em; text-decoration-thickness: 2px; }
.tabbar { display: none; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; min-width: 0; }
main:focus { outline: none; }
@media (max-width: 48rem) {
  header.site { gap: .6rem; padding: .4rem .75rem; }
  header.site nav.main-nav { display: none; }
  header.site form[role=search] { max-width: none; }
  .tabbar { display: flex; position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; background: var(--card); border-top: 1px solid var(--line); padding-bottom: env(safe-area-inset-bottom); }
  .tabbar a { position: relative; flex: 1 1 0; min-width: 0; min-height: var(--tabbar); display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 1px; color: var(--muted); text-decoration: none; font-size: .7rem; }
  .tabbar a[aria-current=page] { color: var(--accent); font-weight: 700; }
  .tabbar .tab-label { max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .tabbar .badge-count { position: absolute; top: .3rem; left: calc(50% + .4rem); min-width: 1.2rem; padding: 0 .3rem; border-radius: 999px; background: var(--accent); color: var(--accent-fg); font-size: .7rem; line-height: 1.2rem; text-align: center; font-weight: 700; }
  body { padding-bottom: calc(var(--tabbar) + env(safe-area-inset-bottom)); }
  main { padding: .75rem; }
}
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 1rem; margin: 0 0 1rem; min-width: 0; }
.card.empty p:first-child { margin-top: 0; }
.handle, .muted { color: var(--muted); }
.content, .bio, .prompt, .quote-text, .handle, h1 { overflow-wrap: anywhere; }
.post-media { display: grid; gap: 4px; margin: .5rem 0; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.post-media.single { grid-template-columns: minmax(0, 1fr); }
.post-media .media-open { display: block; border-radius: 8px; cursor: zoom-in; }
.post-media img, .grid img { display: block; width: 100%; height: auto; border-radius: 8px; background: var(--line); }
.post-media:not(.single) img { aspect-ratio: 1; object-fit: cover; }
.post-media.single img { max-height: 80vh; object-fit: contain; }
.long .folded { max-height: 12em; overflow: hidden; -webkit-mask-image: linear-gradient(#000 70%, transparent); mask-image: linear-gradient(#000 70%, transparent); }
.long .more-toggle:checked + .folded { max-height: none; -webkit-mask-image: none; mask-image: none; }
.long .more { display: inline-block; margin: .2rem 0 .5rem; font-weight: 600; color: var(--accent); cursor: pointer; text-decoration: underline; }
.long .when-open, .long .more-toggle:checked ~ .more .when-folded { display: none; }
.long .more-toggle:checked ~ .more .when-open { display: inline; }
.long .more-toggle:focus-visible ~ .more { outline: 3px solid var(--focus); outline-offset: 2px; }
.grid { display: grid; gap: 4px; grid-template-columns: repeat(3, 1fr); }
.grid a { aspect-ratio: 1; overflow: hidden; display: block; }
.grid img { height: 100%; object-fit: cover; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.actions form { display: inline; }
button, .button { display: inline-block; line-height: 1.5; font: inherit; padding: .4rem .9rem; border-radius: 999px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; text-decoration: none; }
button.primary, .button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); font-weight: 600; }
button[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
.button[aria-current=page] { background: var(--fg); color: var(--bg); border-color: var(--fg); font-weight: 600; }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input[type=text], input[type=search], input[type=password], textarea, select { width: 100%; max-width: 100%; padding: .5rem; border-radius: 8px; border: 1px solid var(--muted); background: var(--bg); color: var(--fg); font: inherit; }
.error { color: #b3261e; font-weight: 600; }
@media (prefers-color-scheme: dark) { .error { color: #ff8a80; } }
.ai-label { font-size: .9rem; color: var(--muted); display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 6px; border: 1px solid currentColor; font-size: .75rem; font-weight: 700; letter-spacing: .04em; line-height: 1.5; color: var(--accent); }
.ai-label .model { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; }
fieldset.choices-set { border: 0; padding: 0; margin: 0 0 .5rem; min-width: 0; }
fieldset.choices-set legend { font-weight: 600; padding: 0; margin-bottom: .4rem; }
.choices { display: grid; gap: .75rem; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.choices.one { grid-template-columns: minmax(0, 24rem); }
.choice { position: relative; min-width: 0; }
.choice .pick { position: absolute; top: .6rem; left: .6rem; z-index: 1; width: 1.4rem; height: 1.4rem; margin: 0; accent-color: var(--accent); }
.choice .tile { display: block; margin: 0; padding: 4px; border: 2px solid var(--line); border-radius: 12px; cursor: pointer; font-weight: 600; }
.choice .tile img { display: block; width: 100%; height: auto; aspect-ratio: 1; object-fit: cover; border-radius: 8px; background: var(--line); }
.choice .tile-check { display: block; padding: .3rem .2rem 0; font-size: .9rem; }
.choice:has(.pick:checked) .tile { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 12%, transparent); }
.choice:has(.pick:not(:checked)) .tile img { opacity: .55; }
.choice .pick:focus-visible + .tile { outline: 3px solid var(--focus); outline-offset: 2px; }
.choice .alt-label { font-size: .9rem; }
.sensitive { filter: blur(24px); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.has-quote .quote-inline{display:none}
.quote-card { display: flex; gap: .75rem; align-items: flex-start; margin: .5rem 0; padding: .6rem; border: 1px solid var(--line); border-radius: 10px; color: var(--fg); text-decoration: none; overflow: hidden; }
.quote-card img { width: 5rem; height: 5rem; object-fit: cover; border-radius: 6px; flex: none; background: var(--line); }
.quote-body { display: flex; flex-direction: column; gap: .2rem; min-width: 0; overflow-wrap: anywhere; }
.quote-status { font-size: .9rem; }
.media-link { display: block; padding: .6rem; border: 1px dashed var(--line); border-radius: 8px; overflow-wrap: anywhere; }
.avatar { display: inline-flex; align-items: center; justify-content: center; flex: none; border-radius: 50%; object-fit: cover; background: var(--line); color: var(--fg); font-weight: 700; vertical-align: middle; overflow: hidden; }
.avatar-sm { width: 2.25rem; height: 2.25rem; font-size: 1rem; }
.avatar-lg { width: 5.5rem; height: 5.5rem; font-size: 2.2rem; border: 4px solid var(--card); }
.post-author { margin-bottom: .3rem; }
.post-author a { display: inline-flex; align-items: center; gap: .6rem; max-width: 100%; text-decoration: none; }
.post-author .names { min-width: 0; }
.post-author a:hover strong { text-decoration: underline; }
.reply-to { margin: 0 0 .3rem; font-size: .9rem; }
.profile { padding-top: .5rem; }
.profile-header { display: block; width: 100%; height: 11rem; object-fit: cover; border-radius: 8px; background: var(--line); }
.profile-header.none { height: 4.5rem; background: linear-gradient(120deg, color-mix(in srgb, var(--accent) 30%, var(--line)), var(--line)); }
.profile-id { display: flex; align-items: flex-start; gap: .75rem; margin: -2.75rem 0 0 .75rem; min-width: 0; }
.profile-id .names { min-width: 0; padding-top: 3rem; }
.profile-id h1 { margin: 0; font-size: 1.5rem; line-height: 1.25; }
.profile-id .handle { margin: 0; }
@media (max-width: 48rem) { .profile-header { height: 8rem; } }
.own-post { margin-top: .6rem; padding-top: .6rem; border-top: 1px solid var(--line); align-items: flex-start; }
.confirm-delete > summary { list-style: none; }
.confirm-delete > summary::-webkit-details-marker { display: none; }
.confirm-delete[open] > summary { border-color: var(--fg); }
.confirm-delete form { display: block; margin-top: .5rem; }
.confirm-delete p { margin: 0 0 .5rem; }
button.danger { background: #b3261e; color: #fff; border-color: #b3261e; font-weight: 600; }
.landing h1 { margin: .2rem 0; }
.landing .lead { font-size: 1.1rem; margin: 0 0 .8rem; }
.context-card { margin: 0 0 .75rem; }
.context-card > p { margin: 0; }
li.notification { list-style: none; padding: .3rem 0; }
li.notification .avatar { margin-right: .3rem; }
ul:has(> li.notification) { padding: 0; }
.grid a { position: relative; }
.grid-quote { position: absolute; left: 4px; bottom: 4px; display: flex; gap: 4px; align-items: center; max-width: calc(100% - 8px); padding: 2px 6px 2px 2px; border-radius: 999px; background: var(--card); color: var(--fg); font-size: .75rem; overflow: hidden; white-space: nowrap; }
.grid .grid-quote img { width: 1.4rem; height: 1.4rem; border-radius: 50%; }
dialog.viewer { width: 100vw; height: 100vh; max-width: none; max-height: none; margin: 0; padding: 0; border: 0; background: #000; color: #fff; }
dialog.viewer::backdrop { background: rgba(0, 0, 0, .8); }
dialog.viewer[open] { display: flex; flex-direction: column; }
dialog.viewer .viewer-bar { display: flex; justify-content: space-between; align-items: center; gap: .5rem; padding: .5rem .75rem; }
dialog.viewer .viewer-bar a { color: #fff; }
dialog.viewer button { background: #fff; color: #111; border-color: #fff; font-weight: 600; }
dialog.viewer figure { flex: 1; min-height: 0; margin: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: .5rem; padding: 0 .75rem .75rem; }
dialog.viewer img { min-height: 0; max-width: 100%; max-height: 100%; object-fit: contain; }
dialog.viewer figcaption { max-width: 44rem; max-height: 30vh; overflow: auto; font-size: .95rem; }
`;

/**
 * Progressive enhancement: like/boost/follow forms submit without a full
 * reload when JavaScript runs; an image link opens the image in a viewer
 * (a modal <dialog>: Escape or the Close button closes it, focus returns).
 */
export const APP_JS = `
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-inline]")) return;
  event.preventDefault();
  // getAttribute: a field named "action" inside the form shadows form.action.
  const response = await fetch(form.getAttribute("action") || location.href, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch", Accept: "application/json" } });
  if (!response.ok) { form.submit(); return; }
  const state = await response.json();
  const button = form.querySelector("button");
  if (button && state.label) { button.textContent = state.label; button.setAttribute("aria-pressed", String(state.pressed)); }
  const action = form.querySelector("input[name=action]");
  if (action && state.next) action.value = state.next;
});
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest("a[data-viewer]") : null;
  if (!link || typeof HTMLDialogElement !== "function") return;
  event.preventDefault();
  const dialog = document.createElement("dialog");
  dialog.className = "viewer";
  dialog.setAttribute("aria-label", "Image");
  const bar = document.createElement("div");
  bar.className = "viewer-bar";
  const open = document.createElement("a");
  open.href = link.href;
  open.textContent = "Open the original";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  bar.append(open, close);
  const figure = document.createElement("figure");
  const img = document.createElement("img");
  img.src = link.href;
  const alt = link.getAttribute("data-alt") || "";
  img.alt = alt;
  figure.append(img);
  if (alt) {
    const caption = document.createElement("figcaption");
    caption.textContent = alt;
    figure.append(caption);
  }
  dialog.append(bar, figure);
  dialog.addEventListener("click", (e) => { if (e.target === dialog || e.target === figure) dialog.close(); });
  dialog.addEventListener("close", () => { dialog.remove(); link.focus(); });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
});
`;
