import { describe, expect, it } from "vitest";
import { fireLagMetricLine, fireLagOf, summarizeFireLags } from "../../src/runs/fire-lag.js";

describe("fire lag", () => {
  it("is the first POST's instant minus scheduledFor, negative when early, none without scheduledFor", () => {
    const run = { scheduledFor: "2026-11-21T10:00:40.000Z" };
    expect(fireLagOf(run, new Date("2026-11-21T10:00:40.000Z"))).toBe(0);
    expect(fireLagOf(run, new Date("2026-11-21T10:00:41.234Z"))).toBe(1_234);
    expect(fireLagOf(run, new Date("2026-11-21T10:00:39.900Z"))).toBe(-100);
    expect(fireLagOf({ scheduledFor: null }, new Date("2026-11-21T10:00:41.234Z"))).toBeNull();
  });

  it("summarizes by median and nearest-rank 99th percentile", () => {
    expect(summarizeFireLags([])).toEqual({ runs: 0, medianMs: null, p99Ms: null, maxMs: null });
    expect(summarizeFireLags([250])).toEqual({ runs: 1, medianMs: 250, p99Ms: 250, maxMs: 250 });
    expect(summarizeFireLags([30, 10, 20])).toEqual({ runs: 3, medianMs: 20, p99Ms: 30, maxMs: 30 });
    expect(summarizeFireLags([40, 10, 30, 21])).toEqual({ runs: 4, medianMs: 26, p99Ms: 40, maxMs: 40 });
    // 100 values 1..100: the 99th percentile by nearest rank is the 99th smallest, not the largest.
    const hundred = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(summarizeFireLags(hundred)).toEqual({ runs: 100, medianMs: 51, p99Ms: 99, maxMs: 100 });
    expect(summarizeFireLags([-5, 5])).toMatchObject({ medianMs: 0, p99Ms: 5 });
  });

  it("travels to Application Insights as a log line that Kusto can parse back", () => {
    expect(fireLagMetricLine({ id: "run-1", scheduleId: "abc", reason: "recurrence" }, 120)).toBe(
      "metric FireLagMs=120 scheduleId=abc runId=run-1 reason=recurrence",
    );
  });
});
