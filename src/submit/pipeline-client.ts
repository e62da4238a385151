import { amlRequestHeaders, describeError, redact, type AmlAccess } from "./aml-access.js";
import type { AmlSubmitBody } from "./request-body.js";
import { classifyResponse, parseRetryAfterMs } from "./retry-policy.js";

/** The HTTP adapter that POSTs one submission to a published pipeline endpoint (CONTRACT 3). */

export const MAX_MESSAGE_LENGTH = 1000;

export type SubmitOutcome =
  | { kind: "submitted"; httpStatus: number; pipelineRunId: string | null }
  | { kind: "retryable"; httpStatus: number | null; message: string; retryAfterMs: number | null }
  | { kind: "final"; httpStatus: number | null; message: string };

export interface PipelineRunRequest extends AmlAccess {
  url: URL;
  body: AmlSubmitBody;
  /** For the token, the POST and reading the answer together. */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Reads the clock for a `Retry-After` given as an HTTP-date. */
  clock?: () => Date;
}

/** Makes exactly one POST and says what came of it; never throws and never reveals the token. */
export async function postPipelineRun(request: PipelineRunRequest): Promise<SubmitOutcome> {
  const { url, timeoutMs } = request;
  const signal = AbortSignal.timeout(timeoutMs);
  const access = await amlRequestHeaders(url, request, signal, {
    "Content-Type": "application/json",
    Accept: "application/json",
  });
  if (access.kind === "refused") return { kind: "final", httpStatus: null, message: access.message };
  if (access.kind === "noToken") return retryable(null, access.message);
  const { headers, token } = access;

  let response: Response;
  let responseText: string;
  try {
    // Redirects are not followed: a POST turned into a GET, or a token sent on to another host, is worse than a failure.
    response = await (request.fetchImpl ?? fetch)(url, {
      method: "POST",
      headers,
      body: JSON.stringify(request.body),
      redirect: "manual",
      signal,
    });
    responseText = await response.text();
  } catch (error) {
    if (signal.aborted) return retryable(null, `No response from ${url.host} within ${timeoutMs} ms`);
    return retryable(null, redact(`Could not reach ${url.host}: ${describeError(error)}`, token));
  }

  const status = response.status;
  const verdict = classifyResponse(status);
  if (verdict === "success") {
    return { kind: "submitted", httpStatus: status, pipelineRunId: pipelineRunIdFrom(responseText) };
  }
  const message = redact(
    status >= 300 && status < 400
      ? `The endpoint redirected to ${response.headers.get("location") ?? "another address"}; submissions are not redirected`
      : endpointMessage(responseText, response),
    token,
  );
  if (verdict === "final") return { kind: "final", httpStatus: status, message };
  const now = (request.clock ?? (() => new Date()))();
  return retryable(status, message, parseRetryAfterMs(response.headers.get("retry-after"), now));
}

function retryable(
  httpStatus: number | null,
  message: string,
  retryAfterMs: number | null = null,
): SubmitOutcome {
  return { kind: "retryable", httpStatus, message, retryAfterMs };
}

/** AML answers `PipelineRun` JSON; the run id is `Id`, or `PipelineRunId` in older answers (CONTRACT 3). */
function pipelineRunIdFrom(text: string): string | null {
  const json = parseJsonObject(text);
  if (json === null) return null;
  for (const field of ["Id", "PipelineRunId"]) {
    const value = json[field];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

/** AML errors are `{ "error": { "message" } }`; other endpoints use `Message` or `message`; else the text. */
function endpointMessage(text: string, response: Response): string {
  const json = parseJsonObject(text);
  const error = json?.error;
  const candidates = [
    typeof error === "object" && error !== null ? (error as Record<string, unknown>).message : undefined,
    typeof error === "string" ? error : undefined,
    json?.Message,
    json?.message,
  ];
  const fromJson = candidates.find(
    (value): value is string => typeof value === "string" && value.trim() !== "",
  );
  const message = (fromJson ?? text).trim();
  if (message === "") return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
