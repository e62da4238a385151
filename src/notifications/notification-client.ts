import { describeError } from "../submit/aml-access.js";
import { classifyResponse, parseRetryAfterMs } from "../submit/retry-policy.js";

/** The HTTP adapter that POSTs one notification to its receiver (CONTRACT 8). */

export type NotificationOutcome =
  | { kind: "delivered"; httpStatus: number }
  | { kind: "retryable"; httpStatus: number | null; message: string; retryAfterMs: number | null }
  | { kind: "final"; httpStatus: number | null; message: string };

export interface NotificationRequest {
  url: URL;
  body: unknown;
  /** For the POST and reading the answer together. */
  timeoutMs: number;
  /** Reads the clock for a `Retry-After` given as an HTTP-date. */
  clock: () => Date;
  fetchImpl?: typeof fetch;
}

/** How much of a receiver's answer is kept as the delivery's error. */
const MAX_ANSWER_LENGTH = 500;

/**
 * Makes exactly one POST and says what came of it; never throws. No token, key or cookie goes with it: the URL
 * itself is all a receiver gets (a Logic App's carries its own signature). Messages name the host only, since the
 * rest of the URL may be that signature.
 */
export async function postNotification(request: NotificationRequest): Promise<NotificationOutcome> {
  const { url, timeoutMs } = request;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    // Redirects are not followed: the receiver must be the host ALLOWED_NOTIFY_HOSTS allowed, not one it names.
    response = await (request.fetchImpl ?? fetch)(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(request.body),
      redirect: "manual",
      credentials: "omit",
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) {
      return retryable(null, `No answer from ${url.host} within ${timeoutMs} ms`, null);
    }
    return retryable(null, `Could not reach ${url.host}: ${describeError(error)}`, null);
  }
  const status = response.status;
  const verdict = classifyResponse(status);
  if (verdict === "success") return { kind: "delivered", httpStatus: status };
  const message =
    status >= 300 && status < 400
      ? `${url.host} answered ${status}, a redirect; notifications are not redirected`
      : `${url.host} answered ${status}${answerText(text)}`;
  if (verdict === "final") return { kind: "final", httpStatus: status, message };
  return retryable(status, message, parseRetryAfterMs(response.headers.get("retry-after"), request.clock()));
}

function retryable(
  httpStatus: number | null,
  message: string,
  retryAfterMs: number | null,
): NotificationOutcome {
  return { kind: "retryable", httpStatus, message, retryAfterMs };
}

function answerText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  return `: ${trimmed.length > MAX_ANSWER_LENGTH ? `${trimmed.slice(0, MAX_ANSWER_LENGTH)}…` : trimmed}`;
}
