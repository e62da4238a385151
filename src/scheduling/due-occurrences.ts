import type { Policy } from "../schedules/schema.js";
import { DEFAULT_MAX_CATCH_UP_RUNS } from "../schedules/schema.js";

/** CONTRACT 2.4: an occurrence fired within 5 minutes of its time (inclusive) is on time; older ones are missed. */
export const ON_TIME_WINDOW_MS = 5 * 60_000;

/** The part of the policy that says which missed occurrences fire. */
type CatchUpPolicy = Pick<Policy, "catchUp" | "maxCatchUpRuns">;

export interface OccurrenceSource {
  /** The first occurrence strictly after `afterMs`, or undefined when there is none. */
  nextAfter(afterMs: number): number | undefined;
}

export interface PlannedFire {
  scheduledFor: number;
  reason: "recurrence" | "catchUp";
}

/**
 * The occurrences to claim at `nowMs` for a schedule whose first unclaimed occurrence is `fromMs`: every on-time
 * one, those still ahead up to `untilMs` (the look-ahead, claimed to fire on their second), plus the missed ones
 * the catch-up policy keeps (latest: the most recent; none; all: the most recent `maxCatchUpRuns`, oldest first).
 * Ascending.
 */
export function planDueFires(
  source: OccurrenceSource,
  fromMs: number,
  nowMs: number,
  policy: CatchUpPolicy,
  untilMs: number = nowMs,
): PlannedFire[] {
  const onTimeFrom = nowMs - ON_TIME_WINDOW_MS;
  const missed = recentMissed(source, fromMs, onTimeFrom, missedToKeep(policy));
  const onTime = occurrencesBetween(
    source,
    Math.max(fromMs, onTimeFrom),
    Math.max(nowMs, untilMs),
    Number.POSITIVE_INFINITY,
  );
  return [
    ...missed.map((scheduledFor) => ({ scheduledFor, reason: "catchUp" as const })),
    ...onTime.map((scheduledFor) => ({ scheduledFor, reason: "recurrence" as const })),
  ];
}

function missedToKeep(policy: CatchUpPolicy): number {
  if (policy.catchUp === "none") return 0;
  if (policy.catchUp === "latest") return 1;
  return policy.maxCatchUpRuns ?? DEFAULT_MAX_CATCH_UP_RUNS;
}

/**
 * The last `keep` occurrences in [fromMs, beforeMs). Looks back in widening windows from `beforeMs` so that a
 * long outage of a frequent schedule does not mean enumerating every occurrence since it began.
 */
function recentMissed(source: OccurrenceSource, fromMs: number, beforeMs: number, keep: number): number[] {
  if (keep === 0 || fromMs >= beforeMs) return [];
  for (let window = 3_600_000; ; window *= 4) {
    const start = Math.max(fromMs, beforeMs - window);
    const found = occurrencesBetween(source, start, beforeMs - 1, Number.POSITIVE_INFINITY);
    if (found.length >= keep || start === fromMs) return found.slice(-keep);
  }
}

/** Occurrences in [fromMs, toMs], ascending, at most `limit`. */
export function occurrencesBetween(
  source: OccurrenceSource,
  fromMs: number,
  toMs: number,
  limit: number,
): number[] {
  const found: number[] = [];
  let next = source.nextAfter(fromMs - 1);
  while (next !== undefined && next <= toMs && found.length < limit) {
    found.push(next);
    next = source.nextAfter(next);
  }
  return found;
}
