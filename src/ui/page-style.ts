/** The status page's style sheet: system fonts, readable on a phone (tables become cards), visible focus. */
export const STATUS_PAGE_STYLE = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --link: #0a58ca; --focus: #1a5fb4; --ok: #116329; --ok-bg: #dafbe1; --bad: #a40e26; --bad-bg: #ffebe9;
  --wait: #7d4e00; --wait-bg: #fff8c5; --off: #424a53; --off-bg: #eaeef2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 1; }
.top { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 10px 16px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { margin: 0; font-weight: 600; font-size: 1.1rem; }
.brand a { color: var(--fg); text-decoration: none; }
main { max-width: 80rem; margin: 0 auto; padding: 16px; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
.summary { font-size: 1.05rem; }
.summary strong { font-weight: 600; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #1f6feb; background: #1f6feb;
  color: #fff; cursor: pointer; min-height: 40px; }
button.secondary { background: var(--bg); color: var(--fg); border-color: var(--line); }
button.danger { background: var(--bg); color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: 0.6; cursor: progress; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
#notice:empty { display: none; }
#notice { max-width: 80rem; margin: 12px auto 0; padding: 8px 16px; border-left: 4px solid var(--focus);
  background: var(--panel); }
#notice.error { border-color: var(--bad); background: var(--bad-bg); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid var(--line); }
th { font-size: 0.85rem; color: var(--muted); font-weight: 600; }
td { overflow-wrap: break-word; }
.badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.85rem; font-weight: 600;
  white-space: nowrap; }
.badge.Active, .badge.Submitted { color: var(--ok); background: var(--ok-bg); }
.badge.Failed { color: var(--bad); background: var(--bad-bg); }
.badge.Pending { color: var(--wait); background: var(--wait-bg); }
.badge.Disabled, .badge.none { color: var(--off); background: var(--off-bg); }
.error-text { color: var(--bad); }
.when { white-space: nowrap; }
.small { font-size: 0.875rem; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dl.settings dt { color: var(--muted); }
dl.settings dd { margin: 0; overflow-wrap: anywhere; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.875rem; }
figure { margin: 0; }
.timeline { width: 100%; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
ol.fires { columns: 2 18rem; padding-left: 1.5rem; }
form.key { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 12px 0; }
input { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; min-height: 40px; }
@media (max-width: 720px) {
  table.cards thead { position: absolute; left: -9999px; }
  table.cards tr { display: block; border: 1px solid var(--line); border-radius: 6px; margin: 0 0 12px;
    padding: 4px 0; }
  table.cards td { display: grid; grid-template-columns: 8.5rem 1fr; gap: 8px; border: 0; padding: 4px 10px; }
  table.cards td > div { min-width: 0; overflow-wrap: anywhere; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-size: 0.85rem; }
  dl.settings { grid-template-columns: 1fr; }
  dl.settings dd { margin-bottom: 8px; }
}
`;
