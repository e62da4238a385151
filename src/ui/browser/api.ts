import type { ScheduleList } from "../../api/api-schemas.js";
import type { Schedule } from "../../api/api-schemas.js";
import type { Run } from "../../runs/run-record.js";
import { KeyNeeded, storedKey } from "./function-key.js";
import { apiBase, messageOf, say } from "./page.js";

/** A JSON API call from the page: the stored function key goes with it as `x-functions-key`. */
export async function api<T>(path: string, method = "GET"): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const key = storedKey();
  if (key) headers["x-functions-key"] = key;
  const response = await fetch(new URL(path, apiBase), {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 401 || response.status === 403) throw new KeyNeeded(response.status);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    // A problem+json body (RFC 9457) says what went wrong in `detail`, or at least in `title`.
    const problem = body as { detail?: string; title?: string } | null;
    const detail = problem && (problem.detail || problem.title);
    throw new Error(response.status + " " + (detail || text || response.statusText));
  }
  return body as T;
}

/** GET /schedules/{id}/runs: runListSchema (src/api/run-routes.ts) pages runs as ScheduleList pages schedules. */
export type RunList = Omit<ScheduleList, "value"> & { value: Run[] };

export async function allSchedules(): Promise<Schedule[]> {
  const schedules: Schedule[] = [];
  let next: string | null = "schedules?top=1000";
  for (let page = 0; next && page < 20; page++) {
    const body: ScheduleList = await api<ScheduleList>(next);
    schedules.push(...body.value);
    next = body.nextLink;
  }
  return schedules;
}

export function report(error: unknown): void {
  say(error instanceof KeyNeeded ? error.message : "That did not work: " + messageOf(error), true);
}
