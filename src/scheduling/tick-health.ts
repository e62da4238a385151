import { CronExpressionParser } from "cron-parser";

/** CONTRACT 4 /health: unhealthy when this many timer runs were due since the last pass and none happened. */
export const MISSED_TICKS_UNHEALTHY = 3;

/**
 * How many runs of the `SCHEDULER_TICK` timer (six-field NCRONTAB, UTC as Azure Functions evaluates it on Linux)
 * fell in (since, now], counting no further than MISSED_TICKS_UNHEALTHY. cron-parser counts them as NCRONTAB
 * fires them because the settings accept only ticks both read alike (settings.ts, SCHEDULER_TICK).
 */
export function missedTicks(tickExpression: string, since: Date, now: Date): number {
  const ticks = CronExpressionParser.parse(tickExpression, { currentDate: since, endDate: now, tz: "UTC" });
  let count = 0;
  while (count < MISSED_TICKS_UNHEALTHY && ticks.hasNext()) {
    ticks.next();
    count++;
  }
  return count;
}
