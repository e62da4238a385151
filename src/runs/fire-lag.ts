import { z } from "zod";
import type { RunRecord } from "./run-record.js";

/**
 * Fire lag: how late a run's first POST left after the instant it was scheduled for. Only runs of an occurrence
 * (`scheduledFor` set) have one; it is measured once, at the first POST whose outcome is recorded.
 */
export function fireLagOf(run: Pick<RunRecord, "scheduledFor">, postedAt: Date): number | null {
  if (run.scheduledFor === null) return null;
  return Math.round(postedAt.getTime() - Date.parse(run.scheduledFor));
}

/** The API's summary of a schedule's recent fire lags (GET /schedules/{id}/lag). */
export const fireLagSummarySchema = z
  .object({
    runs: z.number().int().min(0).meta({ description: "How many runs with a fire lag were counted." }),
    medianMs: z.number().int().nullable().meta({ description: "The median fire lag; null without runs." }),
    p99Ms: z
      .number()
      .int()
      .nullable()
      .meta({ description: "The 99th percentile (nearest rank) of the fire lags; null without runs." }),
    maxMs: z.number().int().nullable().meta({ description: "The largest fire lag; null without runs." }),
  })
  .meta({ id: "FireLag" });
export type FireLagSummary = z.output<typeof fireLagSummarySchema>;

/**
 * Median and 99th percentile by nearest rank (the smallest value with at least p% of the values at or below it),
 * so that both are lags that happened; the median of an even count is the mean of the two middle values.
 */
export function summarizeFireLags(lags: readonly number[]): FireLagSummary {
  if (lags.length === 0) return { runs: 0, medianMs: null, p99Ms: null, maxMs: null };
  const sorted = [...lags].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    runs: sorted.length,
    medianMs: Math.round(median),
    p99Ms: nearestRank(sorted, 99),
    maxMs: sorted.at(-1) ?? null,
  };
}

function nearestRank(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

/** The metric's name in the log line Application Insights receives as a trace (docs/operations.md). */
export const FIRE_LAG_METRIC = "FireLagMs";

/**
 * One log line per fired run, in a fixed shape that a Kusto `parse` reads back into a number:
 * `metric FireLagMs=<ms> scheduleId=<id> runId=<id> reason=<reason>`. The Functions host turns only a worker's
 * CustomMetric log category (with Name and Value properties) into a metric, and @azure/functions 4.x logs only
 * the User and System categories (InvocationContext.log), so the lag travels as a trace.
 */
export function fireLagMetricLine(
  run: Pick<RunRecord, "id" | "scheduleId" | "reason">,
  fireLagMs: number,
): string {
  return `metric ${FIRE_LAG_METRIC}=${fireLagMs} scheduleId=${run.scheduleId ?? "none"} runId=${run.id} reason=${run.reason}`;
}
