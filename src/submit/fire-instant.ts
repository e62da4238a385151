import type { RunRecord } from "../runs/run-record.js";

/**
 * Firing on the second. A run claimed ahead of its instant (a scheduling pass claims what falls before its next
 * tick) waits in the queue as a delayed message, and the worker holds it for the last moment:
 * - Storage Queue visibility timeouts are whole seconds (Put Message, `visibilitytimeout` in seconds), and an idle
 *   queue trigger polls at most every `maxPollingInterval` (host.json: 2 s). So the message is made visible
 *   VISIBILITY_LEAD_MS before the instant, rounded down to the second, and reaches a worker 1 to 3 s early;
 * - the worker then waits for the remainder, on its own clock, and POSTs at the instant.
 */

/** host.json `maxPollingInterval` (2 s) plus the second that visibility rounds down by. */
export const VISIBILITY_LEAD_MS = 3_000;
/**
 * A message that arrives at most this long before its instant is held by the worker. One that arrives earlier
 * (a re-sent message, a clock far off) goes back to the queue with the delay it should have had.
 */
export const MAX_EARLY_WAIT_MS = 10_000;

/** The visibility delay of the message of a run due at `scheduledForMs`, sent at `nowMs`: whole seconds, >= 0. */
export function visibilityDelayMs(scheduledForMs: number, nowMs: number): number {
  const seconds = Math.floor((scheduledForMs - VISIBILITY_LEAD_MS - nowMs) / 1000);
  return Math.max(0, seconds) * 1000;
}

export type FirstPostTiming =
  { kind: "now" } | { kind: "wait"; ms: number } | { kind: "requeue"; delayMs: number };

/**
 * When a run's first POST may leave, as its message arrives at `nowMs`. Only a run claimed ahead of its instant
 * waits for it; a run claimed at or after its instant (the pass at its tick, catch-up, a pass driven through
 * /dev/tick as of another time) fires at once, as before.
 */
export function firstPostTiming(
  run: Pick<RunRecord, "scheduledFor" | "createdAt" | "attempts">,
  nowMs: number,
): FirstPostTiming {
  if (run.attempts > 0 || run.scheduledFor === null) return { kind: "now" };
  const instantMs = Date.parse(run.scheduledFor);
  if (instantMs <= Date.parse(run.createdAt)) return { kind: "now" };
  const earlyMs = instantMs - nowMs;
  if (earlyMs <= 0) return { kind: "now" };
  if (earlyMs <= MAX_EARLY_WAIT_MS) return { kind: "wait", ms: earlyMs };
  return { kind: "requeue", delayMs: visibilityDelayMs(instantMs, nowMs) };
}
