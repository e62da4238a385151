/**
 * The status page's script (no framework), over the JSON API: the list of schedules, or one schedule's view
 * (`?schedule=<id>`). esbuild bundles it into one classic script that the page inlines and its
 * Content-Security-Policy allows by hash (src/ui/status-page-assets.ts).
 */
import { el, nodesOf, type Child } from "./dom.js";
import { KeyNeeded, storeKey } from "./function-key.js";
import { keyForm } from "./key-form.js";
import { showList } from "./list-view.js";
import { currentScheduleId, main, messageOf, pageUrl, refreshButton, say } from "./page.js";
import { showSchedule } from "./schedule-view.js";

const REFRESH_EVERY = 60000;

// Azure Functions URLs carry the key as ?code=; keep it for this tab only and take it out of the address bar.
const startParams = new URLSearchParams(location.search);
if (startParams.has("code")) {
  storeKey(startParams.get("code"));
  startParams.delete("code");
  history.replaceState(null, "", pageUrl(startParams));
}

interface RenderOptions {
  /** Move the focus to the main region (after navigating), unless an element keeps it. */
  focusMain?: boolean;
  /** Give the focus to the element of this id once the view is redrawn. */
  focusId?: string;
}

let renderCount = 0;
async function render(options: RenderOptions = {}): Promise<void> {
  const ticket = ++renderCount;
  const focusedId =
    options.focusId ||
    (document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : "");
  let content: Child[];
  try {
    const id = currentScheduleId();
    content = id ? await showSchedule(id, render) : await showList();
  } catch (error) {
    content =
      error instanceof KeyNeeded
        ? keyForm(error, render)
        : [el("h1", {}, "The page could not load"), el("p", { class: "error-text" }, messageOf(error))];
  }
  // A newer render started meanwhile (a click, the refresh timer): its view wins.
  if (ticket !== renderCount) return;
  main.replaceChildren(...nodesOf(content));
  const again = focusedId && document.getElementById(focusedId);
  if (again) again.focus();
  else if (options.focusMain) main.focus();
}

// Links within the page change the view without reloading it, so the key never has to be in a URL.
document.addEventListener("click", (event) => {
  const link =
    event.target instanceof Element
      ? event.target.closest<HTMLAnchorElement>("a[data-nav], #home-link")
      : null;
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  history.pushState(null, "", pageUrl(new URL(link.href).searchParams));
  say("");
  void render({ focusMain: true });
});
window.addEventListener("popstate", () => void render({ focusMain: true }));
refreshButton.addEventListener("click", () => void render());
setInterval(() => {
  if (document.visibilityState === "visible") void render();
}, REFRESH_EVERY);
let resizeTimer: number | undefined;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  // Both views draw time axes to the page's width: the schedule's timeline and the list's fleet view.
  resizeTimer = setTimeout(() => void render(), 300);
});
void render();
