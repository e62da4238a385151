/**
 * When a submitted run's pipeline run is read (CONTRACT 4): 30 s after submission, then after 60 s, 120 s, ...,
 * doubling up to every 10 minutes, for at most RUN_FOLLOW_HOURS after submission. The last read is made at that
 * limit, so that a run that never ends stops holding back its schedule then, not up to 10 minutes later.
 */
export const FIRST_READ_DELAY_MS = 30_000;
export const MAX_READ_INTERVAL_MS = 10 * 60_000;

/** The wait before read `read` (1-based): after submission for the first, after read `read - 1` for the others. */
export function delayBeforeRead(read: number): number {
  const doublings = Math.min(Math.max(0, Math.floor(read) - 1), 30);
  return Math.min(FIRST_READ_DELAY_MS * 2 ** doublings, MAX_READ_INTERVAL_MS);
}

/** Until when a run submitted at `submittedAtMs` is followed. */
export function followUntilMs(submittedAtMs: number, followHours: number): number {
  return submittedAtMs + followHours * 3_600_000;
}

/** When the first read of a run submitted at `submittedAtMs` is due. */
export function firstReadAtMs(submittedAtMs: number, untilMs: number): number {
  return Math.min(submittedAtMs + delayBeforeRead(1), untilMs);
}

/**
 * When the read after read `read` (made at `nowMs`) is due, or undefined when that read was the last: it was made
 * at or after the limit.
 */
export function nextReadAtMs(read: number, nowMs: number, untilMs: number): number | undefined {
  if (nowMs >= untilMs) return undefined;
  return Math.min(nowMs + delayBeforeRead(read + 1), untilMs);
}
