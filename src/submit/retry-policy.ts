/**
 * When to POST a submission again (CONTRACT 3): 408, 429, 5xx and network errors are retried with exponential
 * backoff and jitter, honouring `Retry-After`; any other status is final.
 */

/** POSTs made for one run before it is Failed; without Retry-After the waits between them add up to 2-4 minutes. */
export const MAX_ATTEMPTS = 8;
export const BASE_DELAY_MS = 2_000;
export const MAX_BACKOFF_MS = 5 * 60_000;
/** A `Retry-After` longer than this is cut short, so that one answer cannot park a run for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export type ResponseClass = "success" | "retryable" | "final";

export function classifyResponse(status: number): ResponseClass {
  if (status >= 200 && status < 300) return "success";
  // RFC 9110 15.5.9 (408 Request Timeout), RFC 6585 4 (429 Too Many Requests) and every server error.
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return "retryable";
  return "final";
}

/**
 * `Retry-After` (RFC 9110 10.2.3) as milliseconds from `now`: delay-seconds or an HTTP-date; null when absent
 * or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfterMs(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP-dates always name the weekday and GMT; requiring that keeps Date.parse from guessing at free text.
  if (!/^[A-Za-z]{3},.*GMT$/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/**
 * The wait before the next POST, after `attempt` POSTs (1-based) have failed. A usable `Retry-After` is
 * honoured as given (up to MAX_RETRY_AFTER_MS); otherwise "equal jitter" backoff: a uniform wait between half
 * and all of min(MAX_BACKOFF_MS, BASE_DELAY_MS × 2^(attempt-1)). Unlike full jitter it never retries at once,
 * and each attempt's shortest wait is the previous attempt's longest.
 */
export function backoffDelayMs(attempt: number, retryAfterMs: number | null, random: () => number): number {
  if (retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** Math.min(exponent, 30));
  const fraction = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * fraction);
}

/** backoffDelayMs with the raw `Retry-After` header of the failed response. */
export function retryDelayMs(
  attempt: number,
  retryAfterHeader: string | null,
  now: Date,
  random: () => number,
): number {
  return backoffDelayMs(attempt, parseRetryAfterMs(retryAfterHeader, now), random);
}
