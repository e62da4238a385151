import type { StatusPageConfig } from "../page-config.js";

/** The parts of the HTML shell (src/ui/status-page-route.ts) that the script reads and fills in. */

function elementById(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no #${id} element.`);
  return element;
}

export const config = JSON.parse(elementById("page-config").textContent ?? "") as StatusPageConfig;
export const main = elementById("main");
export const refreshButton = elementById("refresh");
const notice = elementById("notice");
/** The API's routes are siblings of the page's (`/api/ui` and `/api/schedules`). */
export const apiBase = new URL("./", location.href);

export function say(message: string, isError = false): void {
  notice.className = isError ? "error" : "";
  notice.textContent = message;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function pageUrl(params: URLSearchParams): string {
  const query = params.toString();
  return location.pathname + (query ? "?" + query : "");
}

export function currentScheduleId(): string | null {
  return new URLSearchParams(location.search).get("schedule");
}
