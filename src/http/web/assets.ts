/** The stylesheet and the small script of the web app, served from /assets (no inline code, so the CSP can be strict). */
export const APP_CSS = `
:root {
  color-scheme: light dark;
  /* Colours, light (dark below). Text colours are 4.5:1 or more on --bg, --card and --sunken. */
  --bg: #fbfaf8; --fg: #1d1b19; --muted: #5f5a54; --card: #fff; --sunken: #f1eee9; --line: #e6e1da; --line-strong: #8a837b;
  --accent: #5b37f0; --accent-fg: #fff; --accent-soft: #efebfe; --focus: #5b37f0;
  --danger: #b3261e; --danger-fg: #fff; --error: #b3261e;
  --scrim: rgb(0 0 0 / .72); --on-scrim: #fff;
  /* Type: one family, a 1.2 scale on 16 px. */
  --font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; --mono: ui-monospace, Menlo, Consolas, monospace;
  --text-xs: .75rem; --text-sm: .875rem; --text-md: 1rem; --text-lg: 1.2rem; --text-xl: 1.44rem; --text-2xl: 1.728rem;
  --leading: 1.5; --leading-tight: 1.25;
  /* Spacing, in 4 px steps. */
  --space-1: .25rem; --space-2: .5rem; --space-3: .75rem; --space-4: 1rem; --space-5: 1.5rem; --space-6: 2rem;
  /* Shapes. */
  --radius-sm: 6px; --radius: 8px; --radius-lg: 12px; --radius-pill: 999px;
  --shadow: 0 1px 2px rgb(0 0 0 / .04), 0 2px 10px rgb(0 0 0 / .04);
  --shadow-pop: 0 16px 48px rgb(0 0 0 / .28);
  --tabbar: 3.6rem;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #141312; --fg: #eeeae4; --muted: #aaa49c; --card: #1d1b19; --sunken: #262320; --line: #3a3531; --line-strong: #7d766e; --accent: #a995ff; --accent-fg: #141312; --accent-soft: #2a2440; --focus: #c2b5ff; --error: #ff8a80; --shadow: none; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: var(--text-md)/var(--leading) var(--font); background: var(--bg); color: var(--fg); overflow-wrap: break-word; }
h1, h2, h3 { line-height: var(--leading-tight); }
h1 { font-size: var(--text-2xl); margin: var(--space-2) 0 var(--space-4); }
h2 { font-size: var(--text-xl); margin: var(--space-5) 0 var(--space-3); }
h3 { font-size: var(--text-lg); margin: var(--space-4) 0 var(--space-2); }
a { color: var(--accent); }
img, svg, video { max-width: 100%; }
img { height: auto; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.icon { flex: none; }
.skip { position: absolute; left: var(--space-2); top: -4rem; z-index: 30; padding: var(--space-2) var(--space-4); border-radius: var(--radius); background: var(--accent); color: var(--accent-fg); font-weight: 600; }
.skip:focus { top: var(--space-2); }
header.site { position: sticky; top: 0; z-index: 10; display: flex; gap: var(--space-4); align-items: center; padding: var(--space-2) var(--space-4); background: var(--card); border-bottom: 1px solid var(--line); }
header.site .brand { flex: none; max-width: 12rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--fg); text-decoration: none; font-size: var(--text-lg); }
header.site form { margin: 0; }
header.site form[role=search] { flex: 1 1 10rem; min-width: 0; max-width: 22rem; }
header.site input[type=search] { width: 100%; padding: .4rem .8rem; border-radius: var(--radius-pill); }
header.site nav { display: flex; gap: .9rem; flex-wrap: wrap; align-items: center; margin-left: auto; }
header.site nav a { text-decoration: none; }
header.site nav a:hover, header.site nav a[aria-current=page] { text-decoration: underline; text-underline-offset: .3em; text-decoration-thickness: 2px; }
.tabbar { display: none; }
main { max-width: 44rem; margin: 0 auto; padding: var(--space-4); min-width: 0; }
main:focus { outline: none; }
@media (max-width: 48rem) {
  header.site { gap: .6rem; padding: .4rem var(--space-3); }
  header.site nav.main-nav { display: none; }
  header.site form[role=search] { max-width: none; }
  .tabbar { display: flex; position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; background: var(--card); border-top: 1px solid var(--line); padding-bottom: env(safe-area-inset-bottom); }
  /* Tabs as wide as their labels need, the rest shared: "Notifications" fits whole beside four short ones at 360 px. */
  .tabbar a { position: relative; flex: 1 1 auto; min-width: 2.75rem; min-height: var(--tabbar); padding: 0 2px; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 1px; color: var(--muted); text-decoration: none; font-size: var(--text-xs); letter-spacing: -.01em; }
  .tabbar a[aria-current=page] { color: var(--accent); font-weight: 700; }
  .tabbar .tab-label { max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .tabbar .badge-count { position: absolute; top: .3rem; left: calc(50% + .4rem); min-width: 1.2rem; padding: 0 .3rem; border-radius: var(--radius-pill); background: var(--accent); color: var(--accent-fg); font-size: var(--text-xs); line-height: 1.2rem; text-align: center; font-weight: 700; }
  body { padding-bottom: calc(var(--tabbar) + env(safe-area-inset-bottom)); }
  main { padding: var(--space-3); }
  h1 { font-size: var(--text-xl); }
}
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius-lg); padding: var(--space-4); margin: 0 0 var(--space-4); min-width: 0; box-shadow: var(--shadow); }
.card > h1:first-child, .card > h2:first-child { margin-top: 0; }
.card h2 { font-size: var(--text-lg); }
.card.empty p:first-child { margin-top: 0; }
.handle, .muted { color: var(--muted); }
.content, .bio, .prompt, .quote-text, .handle, h1 { overflow-wrap: anywhere; }
.post-media { margin: var(--space-2) 0; }
.post-media .media-open { display: block; border-radius: var(--radius); cursor: zoom-in; }
.post-media img, .grid img { display: block; width: 100%; height: auto; border-radius: var(--radius); background: var(--line); }
.post-media img { max-height: 80vh; object-fit: contain; }
/* Two or more images: a set that scrolls sideways one image at a time, each marked "2/3". */
.media-track { display: flex; gap: var(--space-2); overflow-x: auto; overscroll-behavior-x: contain; scroll-snap-type: x mandatory; scrollbar-width: thin; border-radius: var(--radius); }
.media-track .slide { position: relative; flex: 0 0 100%; min-width: 0; display: flex; align-items: center; justify-content: center; scroll-snap-align: start; scroll-snap-stop: always; background: var(--sunken); border-radius: var(--radius); }
.media-track .slide > :not(.slide-count) { width: 100%; }
.slide-count { position: absolute; top: var(--space-2); right: var(--space-2); padding: 0 var(--space-2); border-radius: var(--radius-pill); background: var(--scrim); color: var(--on-scrim); font-size: var(--text-xs); font-weight: 700; line-height: 1.6; font-variant-numeric: tabular-nums; pointer-events: none; }
.long .folded { max-height: 12em; overflow: hidden; -webkit-mask-image: linear-gradient(#000 70%, transparent); mask-image: linear-gradient(#000 70%, transparent); }
.long .more-toggle:checked + .folded { max-height: none; -webkit-mask-image: none; mask-image: none; }
.long .more { display: inline-block; margin: .2rem 0 var(--space-2); font-weight: 600; color: var(--accent); cursor: pointer; text-decoration: underline; }
.long .when-open, .long .more-toggle:checked ~ .more .when-folded { display: none; }
.long .more-toggle:checked ~ .more .when-open { display: inline; }
.long .more-toggle:focus-visible ~ .more { outline: 3px solid var(--focus); outline-offset: 2px; }
.grid { display: grid; gap: var(--space-1); grid-template-columns: repeat(3, 1fr); }
.grid a { position: relative; aspect-ratio: 1; overflow: hidden; display: block; border-radius: var(--radius); }
.grid img { height: 100%; object-fit: cover; }
/* What a grid tile's thumbnail does not say: more images behind it, who may see the post. */
.tile-marks { position: absolute; top: var(--space-1); right: var(--space-1); display: flex; flex-wrap: wrap; justify-content: flex-end; gap: var(--space-1); max-width: calc(100% - var(--space-2)); }
.tile-mark { display: inline-flex; align-items: center; gap: 3px; padding: 1px 6px; border-radius: var(--radius-pill); background: var(--scrim); color: var(--on-scrim); font-size: var(--text-xs); font-weight: 600; line-height: 1.5; white-space: nowrap; }
.actions { display: flex; gap: var(--space-2); flex-wrap: wrap; align-items: center; }
.actions form { display: inline; margin: 0; }
/* Buttons: default, primary, danger, pressed (a toggle that is on). Links styled as buttons share them. */
button, .button { display: inline-flex; align-items: center; justify-content: center; gap: var(--space-1); min-height: 2.5rem; padding: .4rem .95rem; font: inherit; line-height: 1.25; font-weight: 500; border-radius: var(--radius-pill); border: 1px solid var(--line-strong); background: var(--card); color: var(--fg); cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: var(--sunken); }
button.primary, .button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); font-weight: 600; }
button.primary:hover, .button.primary:hover { filter: brightness(1.08); }
button.danger, .button.danger { background: var(--danger); color: var(--danger-fg); border-color: var(--danger); font-weight: 600; }
button[aria-pressed="true"] { border-color: var(--accent); background: var(--accent-soft); color: var(--fg); font-weight: 600; }
button:disabled { opacity: .45; cursor: default; }
.button[aria-current=page] { background: var(--fg); color: var(--bg); border-color: var(--fg); font-weight: 600; }
/* Tabs: one row of links, the current one raised. */
.tabs { display: flex; flex-wrap: wrap; gap: var(--space-1); width: fit-content; max-width: 100%; padding: var(--space-1); margin: 0 0 var(--space-4); background: var(--sunken); border-radius: var(--radius-pill); }
.tabs .button { border-color: transparent; background: transparent; min-height: 2.25rem; }
.tabs .button[aria-current=page] { background: var(--card); color: var(--fg); border-color: var(--line-strong); }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input[type=text], input[type=search], input[type=password], textarea, select { width: 100%; max-width: 100%; padding: var(--space-2); border-radius: var(--radius); border: 1px solid var(--muted); background: var(--bg); color: var(--fg); font: inherit; }
.error { color: var(--error); font-weight: 600; }
.ai-label { font-size: var(--text-sm); color: var(--muted); display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: var(--radius-sm); border: 1px solid currentColor; font-size: var(--text-xs); font-weight: 700; letter-spacing: .04em; line-height: 1.5; color: var(--accent); }
.ai-label .model { font-family: var(--mono); font-size: .85rem; overflow-wrap: anywhere; }
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
.has-quote .quote-inline { display: none; }
.quote-card { display: flex; gap: var(--space-3); align-items: flex-start; margin: var(--space-2) 0; padding: .6rem; border: 1px solid var(--line); border-radius: 10px; color: var(--fg); text-decoration: none; overflow: hidden; }
.quote-card img { width: 5rem; height: 5rem; object-fit: cover; border-radius: var(--radius-sm); flex: none; background: var(--line); }
.quote-body { display: flex; flex-direction: column; gap: .2rem; min-width: 0; overflow-wrap: anywhere; }
.quote-status { font-size: var(--text-sm); }
.media-link { display: block; padding: .6rem; border: 1px dashed var(--line-strong); border-radius: var(--radius); overflow-wrap: anywhere; }
.avatar { display: inline-flex; align-items: center; justify-content: center; flex: none; border-radius: 50%; object-fit: cover; background: var(--line); color: var(--fg); font-weight: 700; vertical-align: middle; overflow: hidden; }
.avatar-sm { width: 2.25rem; height: 2.25rem; font-size: 1rem; }
.avatar-lg { width: 5.5rem; height: 5.5rem; font-size: 2.2rem; border: 4px solid var(--card); }
.post-author { margin-bottom: .3rem; }
.post-author a { display: inline-flex; align-items: center; gap: .6rem; max-width: 100%; text-decoration: none; }
.post-author .names { min-width: 0; }
.post-author a:hover strong { text-decoration: underline; }
.post footer.actions { margin-top: var(--space-2); }
.post footer.actions > .muted { flex: 1 1 auto; }
.reply-to { margin: 0 0 .3rem; font-size: var(--text-sm); }
.profile { padding-top: var(--space-2); }
.profile-header { display: block; width: 100%; height: 11rem; object-fit: cover; border-radius: var(--radius); background: var(--line); }
.profile-header.none { height: 4.5rem; background: linear-gradient(120deg, color-mix(in srgb, var(--accent) 30%, var(--line)), var(--line)); }
.profile-id { display: flex; align-items: flex-start; gap: var(--space-3); margin: -2.75rem 0 0 var(--space-3); min-width: 0; }
.profile-id .names { min-width: 0; padding-top: 3rem; }
.profile-id h1 { margin: 0; font-size: var(--text-xl); }
.profile-id .handle { margin: 0; }
@media (max-width: 48rem) { .profile-header { height: 8rem; } }
.own-post { margin-top: .6rem; padding-top: .6rem; border-top: 1px solid var(--line); align-items: flex-start; }
/* Dialogs: a confirmation over the page (the image viewer is below). */
dialog.confirm { width: min(28rem, calc(100vw - 2rem)); padding: var(--space-5); border: 1px solid var(--line); border-radius: var(--radius-lg); background: var(--card); color: var(--fg); box-shadow: var(--shadow-pop); }
dialog.confirm::backdrop { background: rgb(0 0 0 / .5); }
dialog.confirm h2 { margin-top: 0; font-size: var(--text-lg); }
dialog.confirm .actions { justify-content: flex-end; }
.landing h1 { margin: .2rem 0; }
.landing .lead { font-size: var(--text-lg); margin: 0 0 .8rem; }
.context-card { margin: 0 0 var(--space-3); }
.context-card > p { margin: 0; }
/* Notifications: the avatar beside each line, the date under it. */
li.notification { position: relative; list-style: none; min-height: 3.5rem; padding: var(--space-3) 0 var(--space-3) 3rem; border-bottom: 1px solid var(--line); }
li.notification .avatar { position: absolute; left: 0; top: var(--space-3); }
li.notification time { display: block; font-size: var(--text-sm); }
li.notification .actions { margin-top: var(--space-2); }
ul:has(> li.notification) { padding: 0; }
.grid-quote { position: absolute; left: 4px; bottom: 4px; display: flex; gap: 4px; align-items: center; max-width: calc(100% - 8px); padding: 2px 6px 2px 2px; border-radius: var(--radius-pill); background: var(--card); color: var(--fg); font-size: var(--text-xs); overflow: hidden; white-space: nowrap; }
.grid .grid-quote img { width: 1.4rem; height: 1.4rem; border-radius: 50%; }
/* Trending hashtags on Explore: each with its posts and people. */
.trending h2 { margin-bottom: var(--space-1); }
.tag-list { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: var(--space-2); }
.tag-list li { display: inline-flex; flex-wrap: wrap; align-items: baseline; gap: 0 var(--space-2); padding: var(--space-1) var(--space-3); border: 1px solid var(--line); border-radius: var(--radius-pill); background: var(--bg); }
.tag-list a { font-weight: 600; }
.tag-list .muted { font-size: var(--text-sm); }
/* Settings: avatar and header picked from one's posted images, as radio tiles. */
fieldset.picker { border: 0; padding: 0; margin: var(--space-4) 0 0; min-width: 0; }
fieldset.picker legend { font-weight: 600; padding: 0; }
fieldset.picker .hint { margin: 0 0 var(--space-2); font-size: var(--text-sm); }
.picks { display: grid; align-items: start; gap: var(--space-2); grid-template-columns: repeat(auto-fill, minmax(5.5rem, 1fr)); }
.picker-header .picks { grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); }
label.pick-tile { position: relative; display: flex; flex-direction: column; margin: 0; padding: 3px; border: 2px solid var(--line); border-radius: var(--radius); cursor: pointer; }
.pick-tile input { position: absolute; top: 7px; left: 7px; z-index: 1; width: 1.1rem; height: 1.1rem; margin: 0; accent-color: var(--accent); }
.pick-tile img, .pick-tile .pick-none { display: block; width: 100%; aspect-ratio: 1; object-fit: cover; border-radius: var(--radius-sm); background: var(--sunken); }
.picker-header .pick-tile img, .picker-header .pick-tile .pick-none { aspect-ratio: 3; }
.pick-tile .pick-none { background: repeating-linear-gradient(135deg, var(--sunken) 0 8px, var(--line) 8px 16px); }
.pick-label { padding: 2px 2px 0; font-size: var(--text-sm); }
label.pick-tile:has(input:checked) { border-color: var(--accent); background: var(--accent-soft); }
label.pick-tile:has(input:focus-visible) { outline: 3px solid var(--focus); outline-offset: 2px; }
fieldset.picker input[type=file] { max-width: 100%; }
/* The image viewer: the picture as large as the window allows, its alt text below. */
dialog.viewer { width: 100vw; height: 100vh; max-width: none; max-height: none; margin: 0; padding: 0; border: 0; background: #000; color: #fff; }
dialog.viewer::backdrop { background: rgb(0 0 0 / .8); }
dialog.viewer[open] { display: flex; flex-direction: column; }
dialog.viewer .viewer-bar { display: flex; align-items: center; gap: var(--space-3); padding: var(--space-2) var(--space-3); }
dialog.viewer .viewer-bar a { margin-left: auto; color: #fff; }
dialog.viewer .viewer-count { font-variant-numeric: tabular-nums; }
dialog.viewer button { background: #fff; color: #111; border-color: #fff; font-weight: 600; }
dialog.viewer figure { flex: 1; min-height: 0; margin: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: var(--space-2); padding: 0 var(--space-3) var(--space-3); touch-action: pan-y pinch-zoom; user-select: none; }
dialog.viewer img { min-height: 0; max-width: 100%; max-height: 100%; object-fit: contain; }
dialog.viewer figcaption { max-width: 44rem; max-height: 30vh; overflow: auto; font-size: .95rem; }
dialog.viewer .viewer-prev, dialog.viewer .viewer-next { position: absolute; top: 50%; width: 3rem; height: 3rem; min-height: 0; padding: 0; transform: translateY(-50%); border-radius: 50%; font-size: 1.75rem; line-height: 1; background: rgb(255 255 255 / .92); }
dialog.viewer .viewer-prev { left: var(--space-3); }
dialog.viewer .viewer-next { right: var(--space-3); }
`;

/**
 * Progressive enhancement: like/boost/bookmark/follow forms submit without
 * a full reload when JavaScript runs; an image link opens a viewer over the
 * post's images; a confirming link opens its <dialog> in place.
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
// A post's images in a viewer (a modal <dialog>): the alt text shown, Previous and Next (buttons,
// the arrow keys, or a swipe) through the post's set, Escape or Close ends it, and focus goes back
// to the image last shown (its set scrolled to it).
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest("a[data-viewer]") : null;
  if (!link || typeof HTMLDialogElement !== "function") return;
  event.preventDefault();
  openViewer(link);
});
function make(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}
function openViewer(link) {
  const set = link.closest(".post-media");
  const links = set ? [...set.querySelectorAll("a[data-viewer]")] : [link];
  const many = links.length > 1;
  let index = Math.max(0, links.indexOf(link));
  const dialog = make("dialog", "viewer");
  dialog.setAttribute("aria-label", many ? "Images" : "Image");
  const bar = make("div", "viewer-bar");
  const count = make("span", "viewer-count");
  count.setAttribute("aria-live", "polite");
  const open = make("a", "", "Open the original");
  const close = make("button", "", "Close");
  close.type = "button";
  close.addEventListener("click", () => dialog.close());
  bar.append(count, open, close);
  const figure = make("figure");
  const img = make("img");
  // Not draggable: a mouse swipe would start dragging the picture instead.
  img.draggable = false;
  const caption = make("figcaption");
  figure.append(img, caption);
  const prev = make("button", "viewer-prev", "‹");
  const next = make("button", "viewer-next", "›");
  prev.type = next.type = "button";
  prev.setAttribute("aria-label", "Previous image");
  next.setAttribute("aria-label", "Next image");
  const show = (i) => {
    if (i < 0 || i >= links.length) return;
    index = i;
    const alt = links[i].getAttribute("data-alt") || "";
    img.src = open.href = links[i].href;
    img.alt = alt;
    caption.textContent = alt;
    caption.hidden = !alt;
    count.textContent = many ? (i + 1) + " / " + links.length : "";
    prev.disabled = i === 0;
    next.disabled = i === links.length - 1;
  };
  prev.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  dialog.append(bar, figure);
  if (many) dialog.append(prev, next);
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") show(index - 1);
    else if (e.key === "ArrowRight") show(index + 1);
    else return;
    e.preventDefault();
  });
  // A swipe: a horizontal move of 40 px or more, more sideways than down.
  let start = null;
  let swiped = false;
  figure.addEventListener("pointerdown", (e) => { start = { x: e.clientX, y: e.clientY }; swiped = false; });
  figure.addEventListener("pointerup", (e) => {
    if (!start || !many) return;
    const dx = e.clientX - start.x;
    const dy = e.clientY - start.y;
    start = null;
    if (Math.abs(dx) < 40 || Math.abs(dx) < Math.abs(dy)) return;
    swiped = true;
    show(dx < 0 ? index + 1 : index - 1);
  });
  figure.addEventListener("pointercancel", () => { start = null; });
  dialog.addEventListener("click", (e) => {
    if (swiped) { swiped = false; return; }
    if (e.target === dialog || e.target === figure) dialog.close();
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    const shown = links[index];
    shown.closest(".slide")?.scrollIntoView({ block: "nearest", inline: "start" });
    shown.focus({ preventScroll: true });
  });
  show(index);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
// A confirmation kept in the page as a <dialog> (deleting a post): the link opens it here, and
// leads to a page that asks the same without JavaScript. Focus goes back to the link.
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  const link = event.target instanceof Element ? event.target.closest("a[data-dialog]") : null;
  const dialog = link ? document.getElementById(link.getAttribute("data-dialog")) : null;
  if (!dialog || typeof dialog.showModal !== "function") return;
  event.preventDefault();
  dialog.addEventListener("close", () => link.focus(), { once: true });
  dialog.showModal();
});
`;
