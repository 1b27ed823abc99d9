/** The stylesheet and the small script of the web app, served from /assets (no inline code, so the CSP can be strict). */
export const APP_CSS = `
:root { color-scheme: light dark; --bg: #fbfaf8; --fg: #1d1b19; --muted: #6b6660; --card: #fff; --line: #e6e1da; --accent: #6d4aff; }
@media (prefers-color-scheme: dark) { :root { --bg: #141312; --fg: #eeeae4; --muted: #a59f97; --card: #1d1b19; --line: #34302c; --accent: #9d86ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
header.site { position: sticky; top: 0; display: flex; gap: 1rem; align-items: center; justify-content: space-between; padding: .6rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
header.site nav { display: flex; gap: .9rem; flex-wrap: wrap; align-items: center; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 1rem; margin: 0 0 1rem; }
.handle, .muted { color: var(--muted); }
.post-media { display: grid; gap: 4px; margin: .5rem 0; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
.post-media img, .grid img { width: 100%; height: auto; border-radius: 8px; background: var(--line); }
.grid { display: grid; gap: 4px; grid-template-columns: repeat(3, 1fr); }
.grid a { aspect-ratio: 1; overflow: hidden; display: block; }
.grid img { height: 100%; object-fit: cover; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.actions form { display: inline; }
button, .button { display: inline-block; line-height: 1.5; font: inherit; padding: .4rem .9rem; border-radius: 999px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; text-decoration: none; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input[type=text], input[type=password], textarea, select { width: 100%; padding: .5rem; border-radius: 8px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); font: inherit; }
.error { color: #c0392b; font-weight: 600; }
.ai-label { font-size: .9rem; color: var(--muted); }
.choices { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); }
.sensitive { filter: blur(24px); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.has-quote .quote-inline{display:none}
.quote-card { display: flex; gap: .75rem; align-items: flex-start; margin: .5rem 0; padding: .6rem; border: 1px solid var(--line); border-radius: 10px; color: var(--fg); text-decoration: none; }
.quote-card img { width: 5rem; height: 5rem; object-fit: cover; border-radius: 6px; flex: none; background: var(--line); }
.quote-body { display: flex; flex-direction: column; gap: .2rem; min-width: 0; overflow-wrap: anywhere; }
.quote-status { font-size: .9rem; }
.media-link { display: block; padding: .6rem; border: 1px dashed var(--line); border-radius: 8px; overflow-wrap: anywhere; }
.profile-header { width: 100%; max-height: 12rem; object-fit: cover; border-radius: 8px; }
.avatar { width: 5rem; height: 5rem; border-radius: 50%; object-fit: cover; }
.grid a { position: relative; }
.grid-quote { position: absolute; left: 4px; bottom: 4px; display: flex; gap: 4px; align-items: center; max-width: calc(100% - 8px); padding: 2px 6px 2px 2px; border-radius: 999px; background: var(--card); color: var(--fg); font-size: .75rem; overflow: hidden; white-space: nowrap; }
.grid .grid-quote img { width: 1.4rem; height: 1.4rem; border-radius: 50%; }
`;

/** Progressive enhancement: like/boost/follow forms submit without a full reload when JavaScript runs. */
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
`;
