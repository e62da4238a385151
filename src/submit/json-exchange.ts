import { amlRequestHeaders, describeError, redact, type AmlAccess } from "./aml-access.js";
import { classifyResponse, parseRetryAfterMs } from "./retry-policy.js";

/**
 * One JSON request to an Azure ML or Resource Manager endpoint under the token rules of its kind (CONTRACT 3, 6,
 * 7): the v1 POST, the batch endpoint lookup and invoke, the job PUT and GET all go through here. It never throws,
 * never follows a redirect and never reveals the token.
 */

export const MAX_MESSAGE_LENGTH = 1000;

export type ExchangeOutcome =
  /** A 2xx, with the answer's JSON object (null when it was not one). */
  | { kind: "answered"; httpStatus: number; json: Record<string, unknown> | null }
  /** 408, 429, 5xx, a network error, a timeout, or no token now: worth trying again. */
  | { kind: "retryable"; httpStatus: number | null; message: string; retryAfterMs: number | null }
  /** Any other status, a redirect, or a host the rules refuse: asking again the same way cannot help. */
  | { kind: "final"; httpStatus: number | null; message: string };

export interface JsonExchange extends AmlAccess {
  method: "GET" | "POST" | "PUT";
  url: URL;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Further headers (`azureml-model-deployment`). */
  headers?: Record<string, string>;
  /** For the token, the request and reading the answer together. */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Reads the clock for a `Retry-After` given as an HTTP-date. */
  clock?: () => Date;
}

export async function exchangeJson(request: JsonExchange): Promise<ExchangeOutcome> {
  const { url, timeoutMs, method } = request;
  const signal = AbortSignal.timeout(timeoutMs);
  const access = await amlRequestHeaders(url, request, signal, {
    ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
    Accept: "application/json",
    ...request.headers,
  });
  if (access.kind === "refused") return { kind: "final", httpStatus: null, message: access.message };
  if (access.kind === "noToken") return retryable(null, access.message);
  const { headers, token } = access;

  let response: Response;
  let responseText: string;
  try {
    // Redirects are not followed: a POST turned into a GET, or a token sent on to another host, is worse than a failure.
    response = await (request.fetchImpl ?? fetch)(url, {
      method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
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
    return { kind: "answered", httpStatus: status, json: parseJsonObject(responseText) };
  }
  const message = redact(
    status >= 300 && status < 400
      ? `The endpoint redirected to ${response.headers.get("location") ?? "another address"}; ${method === "POST" ? "submissions" : "requests"} are not redirected`
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
): ExchangeOutcome {
  return { kind: "retryable", httpStatus, message, retryAfterMs };
}

/**
 * AML and Resource Manager errors are `{ "error": { "message" } }` (the ARM `ErrorResponse` of the 2024-10-01 spec);
 * other endpoints use `Message` or `message`; else the text.
 */
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
