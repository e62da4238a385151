import { CronExpressionParser } from "cron-parser";

/**
 * How far a scheduling pass claims ahead (issue 15): the occurrences due before the next run of the
 * `SCHEDULER_TICK` timer are claimed by this pass and queued with a visibility delay, so that they fire on their
 * second instead of at the next pass. The claim is the same exactly-once claim as for a due occurrence.
 */

/**
 * The pass also claims what falls in the first seconds after the next tick: the next pass may start late, or take
 * a while to reach a schedule, and such an occurrence still gets its full visibility lead (fire-instant.ts).
 */
export const NEXT_TICK_OVERLAP_MS = 5_000;
/**
 * A tick further away than this is no schedule's next look: a timer set to a time that never comes (CONTRACT 5,
 * tests that drive time through /dev/tick) or one that rarely runs. Then a pass claims only what is due.
 */
export const MAX_LOOK_AHEAD_MS = 10 * 60_000;

/**
 * The instant up to which a pass at `now` claims occurrences: the next tick of `tickExpression` (six-field
 * NCRONTAB, UTC, as Azure Functions fires it; settings accept only ticks cron-parser reads alike) plus the
 * overlap; `now` itself when the next tick is more than MAX_LOOK_AHEAD_MS away.
 */
export function lookAheadHorizon(tickExpression: string, now: Date): Date {
  const ticks = CronExpressionParser.parse(tickExpression, { currentDate: now, tz: "UTC" });
  if (!ticks.hasNext()) return now;
  const nextTickMs = ticks.next().toDate().getTime();
  if (nextTickMs - now.getTime() > MAX_LOOK_AHEAD_MS) return now;
  return new Date(nextTickMs + NEXT_TICK_OVERLAP_MS);
}
