import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileOccurrences } from "../../src/recurrence/occurrences.js";
import {
  ON_TIME_WINDOW_MS,
  planDueFires,
  type OccurrenceSource,
} from "../../src/scheduling/due-occurrences.js";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-21T00:00:00.000Z");

/** Every `periodMs` from T0, counting how often it is asked. */
function everyPeriod(periodMs: number): OccurrenceSource & { calls: number } {
  const source = {
    calls: 0,
    nextAfter(afterMs: number): number {
      source.calls++;
      return afterMs < T0 ? T0 : T0 + (Math.floor((afterMs - T0) / periodMs) + 1) * periodMs;
    },
  };
  return source;
}

const at = (minutes: number) => T0 + minutes * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

describe("planDueFires", () => {
  it("fires an on-time occurrence, including one exactly 5 minutes old", () => {
    const fires = planDueFires(everyPeriod(60 * MINUTE), at(60), at(65), { catchUp: "none" });
    expect(fires).toEqual([{ scheduledFor: at(60), reason: "recurrence" }]);
  });

  it("treats an occurrence older than 5 minutes as missed", () => {
    const fires = planDueFires(everyPeriod(60 * MINUTE), at(60), at(65) + 1, { catchUp: "none" });
    expect(fires).toEqual([]);
  });

  it("after a three-hour gap, latest fires the most recent missed occurrence once", () => {
    const fires = planDueFires(everyPeriod(15 * MINUTE), at(0), at(180) + 6 * MINUTE, { catchUp: "latest" });
    expect(fires.map((fire) => [iso(fire.scheduledFor), fire.reason])).toEqual([
      ["2026-11-21T03:00:00.000Z", "catchUp"],
    ]);
  });

  it("after a three-hour gap, none fires only what is on time", () => {
    const fires = planDueFires(everyPeriod(15 * MINUTE), at(0), at(182), { catchUp: "none" });
    expect(fires.map((fire) => [iso(fire.scheduledFor), fire.reason])).toEqual([
      ["2026-11-21T03:00:00.000Z", "recurrence"],
    ]);
  });

  it("after a three-hour gap, all fires the most recent maxCatchUpRuns, oldest first, then the on-time ones", () => {
    const fires = planDueFires(everyPeriod(15 * MINUTE), at(0), at(182), {
      catchUp: "all",
      maxCatchUpRuns: 3,
    });
    expect(fires.map((fire) => [iso(fire.scheduledFor), fire.reason])).toEqual([
      ["2026-11-21T02:15:00.000Z", "catchUp"],
      ["2026-11-21T02:30:00.000Z", "catchUp"],
      ["2026-11-21T02:45:00.000Z", "catchUp"],
      ["2026-11-21T03:00:00.000Z", "recurrence"],
    ]);
  });

  it("all defaults to 10 catch-up runs", () => {
    const fires = planDueFires(everyPeriod(MINUTE), at(0), at(180), { catchUp: "all" });
    expect(fires.filter((fire) => fire.reason === "catchUp")).toHaveLength(10);
    expect(fires.filter((fire) => fire.reason === "recurrence")).toHaveLength(6);
  });

  it("does not walk every occurrence of a long outage to find the latest missed one", () => {
    const source = everyPeriod(MINUTE);
    const fires = planDueFires(source, at(0), at(60 * 24 * 90), { catchUp: "latest" });
    expect(fires.map((fire) => fire.reason)).toEqual([
      "catchUp",
      "recurrence",
      "recurrence",
      "recurrence",
      "recurrence",
      "recurrence",
      "recurrence",
    ]);
    expect(source.calls).toBeLessThan(200);
  });

  it("fires each occurrence at most once and never one in the future (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 180 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 24 * 60 }),
        fc.constantFrom("latest" as const, "none" as const, "all" as const),
        (periodMinutes, fromMinute, gapMinutes, catchUp) => {
          const source = everyPeriod(periodMinutes * MINUTE);
          const from = source.nextAfter(at(fromMinute) - 1) ?? at(fromMinute);
          const now = from + gapMinutes * MINUTE;
          const fires = planDueFires(source, from, now, { catchUp });
          const times = fires.map((fire) => fire.scheduledFor);
          expect(new Set(times).size).toBe(times.length);
          expect([...times].sort((a, b) => a - b)).toEqual(times);
          for (const fire of fires) {
            expect(fire.scheduledFor).toBeGreaterThanOrEqual(from);
            expect(fire.scheduledFor).toBeLessThanOrEqual(now);
            expect(fire.reason === "recurrence").toBe(now - fire.scheduledFor <= ON_TIME_WINDOW_MS);
          }
          const onTime = fires.filter((fire) => fire.reason === "recurrence").length;
          const missed = fires.length - onTime;
          expect(missed).toBeLessThanOrEqual(catchUp === "none" ? 0 : catchUp === "latest" ? 1 : 10);
        },
      ),
    );
  });

  it("works over the real recurrence engine", () => {
    const occurrences = compileOccurrences(
      { type: "recurrence", frequency: "Hour", interval: 1, startTime: "2026-11-21T00:00:00Z" },
      new Date("2026-11-20T00:00:00Z"),
    );
    const fires = planDueFires(occurrences, at(0), at(3 * 60 + 2), { catchUp: "latest" });
    expect(fires.map((fire) => [iso(fire.scheduledFor), fire.reason])).toEqual([
      ["2026-11-21T02:00:00.000Z", "catchUp"],
      ["2026-11-21T03:00:00.000Z", "recurrence"],
    ]);
  });
});
