import type { FireTimes, Problem, Schedule, ScheduleList } from "../api/api-schemas.js";
import type { RunWait } from "../api/submit-routes.js";
import type { Run } from "../runs/run-record.js";

/** A small typed client of the scheduler's HTTP API (CONTRACT 4), for the `aml-schedule` command line. */

export const DEFAULT_API_URL = "http://127.0.0.1:7071/api";

export interface RunList {
  value: Run[];
  nextLink: string | null;
}

/** A non-2xx answer: its status and the problem+json body (or one made from the text). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly problem: Problem & Record<string, unknown>,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
  }
}

/** The API could not be reached at all. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

export interface ApiClientOptions {
  /** Base URL ending in /api. */
  baseUrl: string;
  /** A function key, sent as `x-functions-key`. */
  key?: string;
  fetchImpl?: typeof fetch;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface SubmitTarget {
  pipelineId?: string;
  pipelineEndpointId?: string;
  pipelineVersion?: string;
}

export class SchedulerClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  /** Where relative links of the API (nextLink, Location) are resolved. */
  origin(): string {
    return new URL(this.baseUrl).origin;
  }

  createSchedule(definition: Record<string, unknown>): Promise<Schedule> {
    return this.body("POST", "/schedules", definition);
  }

  listSchedules(query: Record<string, string> = {}): Promise<ScheduleList> {
    return this.body("GET", `/schedules${queryString(query)}`);
  }

  getSchedule(idOrName: string): Promise<Schedule> {
    return this.body("GET", `/schedules/${encodeURIComponent(idOrName)}`);
  }

  patchSchedule(id: string, patch: Record<string, unknown>): Promise<Schedule> {
    return this.body("PATCH", `/schedules/${encodeURIComponent(id)}`, patch, "application/merge-patch+json");
  }

  setStatus(id: string, verb: "enable" | "disable"): Promise<Schedule> {
    return this.body("POST", `/schedules/${encodeURIComponent(id)}/${verb}`);
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.send("DELETE", `/schedules/${encodeURIComponent(id)}`);
  }

  nextFireTimes(id: string, query: Record<string, string>): Promise<FireTimes> {
    return this.body("GET", `/schedules/${encodeURIComponent(id)}/next${queryString(query)}`);
  }

  listRuns(id: string, query: Record<string, string>): Promise<RunList> {
    return this.body("GET", `/schedules/${encodeURIComponent(id)}/runs${queryString(query)}`);
  }

  triggerSchedule(id: string): Promise<Run> {
    return this.body("POST", `/schedules/${encodeURIComponent(id)}/trigger`);
  }

  /** POST /pipelines/{id}/submit or /pipelineEndpoints/{id}/submit; the answer carries the wait's Location. */
  submit(target: SubmitTarget, body: Record<string, unknown>): Promise<ApiAnswer<Run>> {
    const path =
      target.pipelineId !== undefined
        ? `/pipelines/${encodeURIComponent(target.pipelineId)}/submit`
        : `/pipelineEndpoints/${encodeURIComponent(target.pipelineEndpointId ?? "")}/submit${queryString(
            target.pipelineVersion === undefined ? {} : { pipelineVersion: target.pipelineVersion },
          )}`;
    return this.send("POST", path, body);
  }

  /** POST /submit: any target, v1 or Azure ML v2, with a schedule's fields (CONTRACT 4). */
  submitAny(body: Record<string, unknown>): Promise<ApiAnswer<Run>> {
    return this.send("POST", "/submit", body);
  }

  /** One poll of a wait Location (relative to the API's host, as the API gives it). */
  pollWait(location: string): Promise<ApiAnswer<RunWait>> {
    return this.send("GET", new URL(location, this.origin()).toString());
  }

  private async body<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return (await this.send<T>(method, path, body, contentType)).body;
  }

  /** Sends one request; throws ApiError for a 4xx/5xx and ConnectionError when nothing answered. */
  async send<T>(
    method: string,
    pathOrUrl: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<ApiAnswer<T>> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.options.key !== undefined) headers["x-functions-key"] = this.options.key;
    // The local host takes writes only as JSON, also without a body (CONTRACT 5); Azure ignores it there.
    if (body !== undefined || !["GET", "HEAD"].includes(method)) headers["Content-Type"] = contentType;
    let response: Response;
    try {
      response = await (this.options.fetchImpl ?? fetch)(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      throw new ConnectionError(
        `Could not reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}. Is the service running (npm start)? Set --url or AML_SCHEDULER_URL.`,
      );
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.status >= 400) throw new ApiError(response.status, problemOf(response, parsed, text));
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}

function queryString(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return text === "" ? "" : `?${text}`;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function problemOf(response: Response, parsed: unknown, text: string): Problem & Record<string, unknown> {
  if (typeof parsed === "object" && parsed !== null && typeof (parsed as Problem).detail === "string") {
    return parsed as Problem & Record<string, unknown>;
  }
  return {
    type: "about:blank",
    title: response.statusText || "Error",
    status: response.status,
    detail: text.trim() || `HTTP ${response.status}`,
  };
}
