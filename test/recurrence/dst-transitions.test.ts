import { describe, expect, it } from "vitest";
import { nextOccurrences } from "../../src/recurrence/occurrences.js";
import { StepBudget, StepLimitError } from "../../src/recurrence/step-budget.js";
import { formatLocalIso, zoneOf } from "../../src/recurrence/time-zones.js";
import type { TimeTrigger } from "../../src/recurrence/trigger-schema.js";

/**
 * Frequent schedules across DST transitions (CONTRACT 2.1 rule 3), with exact instants, and what computing them
 * costs in StepBudget steps: near a transition the engine walks runs of wall times, not every wall time.
 */

const MINUTE = 60_000;
const ACTIVATED = new Date("2026-01-01T00:00:00Z");

function cron(expression: string, timeZone: string): TimeTrigger {
  return { type: "cron", expression, timeZone };
}

function fireTimes(trigger: TimeTrigger, after: string, count: number, budget = new StepBudget()): number[] {
  return nextOccurrences(trigger, ACTIVATED, new Date(after), count, budget).map((date) => date.getTime());
}

/** Every minute from `from` (exclusive), `count` of them. */
function everyMinuteAfter(from: string, count: number): number[] {
  return Array.from({ length: count }, (_, index) => Date.parse(from) + (index + 1) * MINUTE);
}

describe("an every-minute cron across DST transitions", () => {
  it("fires every minute through the Los Angeles fold, in both passes of the repeated hour", () => {
    // 2026-11-01 02:00 PDT (09:00 UTC) becomes 01:00 PST: 01:00-01:59 occurs twice; `*` hours fire in both.
    const budget = new StepBudget();
    const instants = fireTimes(cron("* * * * *", "America/Los_Angeles"), "2026-11-01T07:59:00Z", 180, budget);
    expect(instants).toEqual(everyMinuteAfter("2026-11-01T07:59:00Z", 180));
    const zone = zoneOf("America/Los_Angeles");
    expect(formatLocalIso(instants[60] ?? 0, zone)).toBe("2026-11-01T01:00:00-08:00");
    expect(formatLocalIso(instants[59] ?? 0, zone)).toBe("2026-11-01T01:59:00-07:00");
    // A handful of steps per occurrence, however many wall times the hour has (the old engine looked at each).
    expect(budget.stepsSpent).toBeLessThan(180 * 8);
  });

  it("fires every minute through the Los Angeles gap, each instant once", () => {
    // 2026-03-08 02:00 PST (10:00 UTC) becomes 03:00 PDT: 02:xx map to 03:xx, which fire once.
    const budget = new StepBudget();
    const instants = fireTimes(cron("* * * * *", "America/Los_Angeles"), "2026-03-08T09:59:00Z", 120, budget);
    expect(instants).toEqual(everyMinuteAfter("2026-03-08T09:59:00Z", 120));
    expect(formatLocalIso(instants[0] ?? 0, zoneOf("America/Los_Angeles"))).toBe("2026-03-08T03:00:00-07:00");
    expect(budget.stepsSpent).toBeLessThan(120 * 8);
  });

  it("fires every minute through Antarctica/Troll's two-hour gap and fold", () => {
    // Troll moves from +00 to +02 at 2026-03-29 01:00 UTC, and back at 2026-10-25 01:00 UTC.
    const spring = new StepBudget();
    expect(fireTimes(cron("* * * * *", "Antarctica/Troll"), "2026-03-29T00:59:00Z", 120, spring)).toEqual(
      everyMinuteAfter("2026-03-29T00:59:00Z", 120),
    );
    const autumn = new StepBudget();
    expect(fireTimes(cron("* * * * *", "Antarctica/Troll"), "2026-10-25T00:59:00Z", 180, autumn)).toEqual(
      everyMinuteAfter("2026-10-25T00:59:00Z", 180),
    );
    expect(spring.stepsSpent + autumn.stepsSpent).toBeLessThan(300 * 8);
  });

  it("fires every minute through Lord Howe's half-hour fold", () => {
    // Australia/Lord_Howe goes from +11 to +10:30 at 2026-04-04 15:00 UTC (02:00 local becomes 01:30).
    const instants = fireTimes(cron("* * * * *", "Australia/Lord_Howe"), "2026-04-04T14:29:00Z", 120);
    expect(instants).toEqual(everyMinuteAfter("2026-04-04T14:29:00Z", 120));
  });

  it("fires a fixed hour once on the day it repeats, and a gap's wall times once, later", () => {
    expect(
      fireTimes(cron("*/20 1 * * *", "America/Los_Angeles"), "2026-11-01T07:00:00Z", 4).map((instant) =>
        new Date(instant).toISOString(),
      ),
    ).toEqual([
      "2026-11-01T08:00:00.000Z",
      "2026-11-01T08:20:00.000Z",
      "2026-11-01T08:40:00.000Z",
      "2026-11-02T09:00:00.000Z",
    ]);
    expect(
      fireTimes(cron("30 2 * * *", "America/Los_Angeles"), "2026-03-07T12:00:00Z", 2).map((instant) =>
        new Date(instant).toISOString(),
      ),
    ).toEqual(["2026-03-08T10:30:00.000Z", "2026-03-09T09:30:00.000Z"]);
  });

  it("finds a sparse cron's occurrences decades apart without walking the transitions between", () => {
    // The fifth Monday of February: Feb 29 of the leap years whose February starts on a Monday.
    const budget = new StepBudget();
    expect(
      fireTimes(cron("0 0 * 2 1#5", "America/Los_Angeles"), "2026-03-07T12:00:00Z", 3, budget).map(
        (instant) => new Date(instant).toISOString(),
      ),
    ).toEqual(["2044-02-29T08:00:00.000Z", "2072-02-29T08:00:00.000Z", "2112-02-29T08:00:00.000Z"]);
    // A step per month passed and per February Monday asked about (16 a year), nothing per transition.
    expect(budget.stepsSpent).toBeLessThan(86 * 16 + 100);
  });
});

describe("the step budget", () => {
  it("stops a computation that needs more steps than its limit, saying how many occurrences it found", () => {
    const trigger = cron("0 0 * 2 1#5", "America/Los_Angeles");
    let thrown: unknown;
    try {
      fireTimes(trigger, "2026-03-07T12:00:00Z", 3, new StepBudget(500));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StepLimitError);
    expect((thrown as StepLimitError).computed).toBe(1);
    expect((thrown as StepLimitError).message).toContain("more than 500 steps");
  });

  it("counts the same steps for the same computation, whatever was computed before", () => {
    const trigger = cron("* * * * *", "Europe/Berlin");
    const spent = () => {
      const budget = new StepBudget();
      fireTimes(trigger, "2026-10-25T00:30:00Z", 90, budget);
      return budget.stepsSpent;
    };
    const first = spent();
    expect(spent()).toBe(first);
  });

  it("bounds every kind of trigger, simple recurrences included", () => {
    const minutely: TimeTrigger = { type: "recurrence", frequency: "Minute", interval: 1 };
    expect(() => fireTimes(minutely, "2026-01-01T00:00:00Z", 100, new StepBudget(50))).toThrow(
      StepLimitError,
    );
    expect(fireTimes(minutely, "2026-01-01T00:00:00Z", 100, new StepBudget(100))).toHaveLength(100);
  });
});
