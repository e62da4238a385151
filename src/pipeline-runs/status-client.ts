import type { TokenCredential } from "@azure/identity";
import { ValidationError } from "../errors.js";
import type { EndpointPolicy } from "../submit/endpoint-url.js";
import { checkEndpointAllowed, hostMatches } from "../submit/host-patterns.js";
import { reportedStatusOf, type ReportedStatus } from "./pipeline-run-status.js";

/** The HTTP adapter that reads one pipeline run's status from the Azure ML pipelines service. */

export type StatusOutcome =
  | ({ kind: "status" } & ReportedStatus)
  /** Worth asking again later: a network error, a timeout, 408, 429 or 5xx. */
  | { kind: "transient"; httpStatus: number | null; message: string }
  /** Asking again the same way gets the same answer: another 4xx, a redirect, or an answer without a status. */
  | { kind: "final"; httpStatus: number | null; message: string };

export interface StatusRequest {
  url: URL;
  tokenProvider: TokenCredential;
  /** AML_TOKEN_SCOPE. */
  tokenScope: string;
  /** AML_TOKEN_HOSTS: the token goes to these hosts only (CONTRACT 3), as for submissions. */
  tokenHosts: readonly string[];
  /** The status URL shares the submit URL's host, but the settings may have narrowed since the run was made. */
  endpointPolicy: EndpointPolicy;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
}

const MAX_MESSAGE_LENGTH = 500;

/** One GET of the run's status; never throws and never reveals the token. */
export async function fetchPipelineRunStatus(request: StatusRequest): Promise<StatusOutcome> {
  const { url, timeoutMs } = request;
  try {
    checkEndpointAllowed(url, request.endpointPolicy.allowedHosts, {
      allowLoopback: request.endpointPolicy.allowLoopback,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return {
      kind: "final",
      httpStatus: null,
      message: `The status URL ${url.origin} ${error.issues[0]?.message}`,
    };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = { Accept: "application/json" };
  let token: string | null = null;
  if (hostMatches(url.hostname, request.tokenHosts)) {
    try {
      token =
        (await request.tokenProvider.getToken(request.tokenScope, { abortSignal: signal }))?.token ?? null;
    } catch (error) {
      return transient(null, `Could not get a token for ${request.tokenScope}: ${String(error)}`);
    }
    if (token === null) return transient(null, `Could not get a token for ${request.tokenScope}`);
    headers.Authorization = `Bearer ${token}`;
  }
  let response: Response;
  let text: string;
  try {
    response = await (request.fetchImpl ?? fetch)(url, {
      method: "GET",
      headers,
      redirect: "manual",
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) return transient(null, `No status from ${url.host} within ${timeoutMs} ms`);
    return transient(null, redact(`Could not reach ${url.host}: ${describeError(error)}`, token));
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    const reported = reportedStatusOf(parseJson(text));
    if (reported !== undefined) return { kind: "status", ...reported };
    return {
      kind: "final",
      httpStatus: status,
      message: `The answer of ${url.host} carries no Status.StatusCode`,
    };
  }
  const message = redact(`${url.host} answered ${status}: ${summary(text)}`, token);
  if (status === 408 || status === 429 || status >= 500) return transient(status, message);
  return { kind: "final", httpStatus: status, message };
}

function transient(httpStatus: number | null, message: string): StatusOutcome {
  return { kind: "transient", httpStatus, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** AML errors are `{ "error": { "message" } }`; otherwise the start of the text. */
function summary(text: string): string {
  const json = parseJson(text) as { error?: { message?: unknown } } | undefined;
  const message = typeof json?.error?.message === "string" ? json.error.message : text.trim();
  if (message === "") return "(no body)";
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? error.message : `${error.message} (${code})`;
}

function redact(message: string, token: string | null): string {
  return token === null || token === "" ? message : message.split(token).join("[redacted]");
}
