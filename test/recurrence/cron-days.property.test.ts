import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextOccurrences } from "../../src/recurrence/occurrences.js";
import type { CronTrigger } from "../../src/recurrence/trigger-schema.js";

/**
 * The engine finds a cron expression's days with cron-parser's own day rule (`includesDate`), passing over the
 * days a prefilter rules out, instead of cron-parser's `next()`. In UTC, which has no DST, both must give the same
 * instants for every shape of the day and month fields: lists, ranges, steps, names, `?`, `L`, `nL` and `#`.
 */

const COUNT = 8;

const dayOfMonthArb = fc.oneof(
  fc.constant("*"),
  fc.constant("?"),
  fc.constant("L"),
  fc.integer({ min: 1, max: 31 }).map(String),
  fc
    .tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 3 }))
    .map(([from, span]) => `${from}-${from + span}`),
  fc
    .uniqueArray(fc.integer({ min: 1, max: 31 }), { minLength: 2, maxLength: 3 })
    .map((days) => days.join(",")),
  fc.integer({ min: 2, max: 10 }).map((step) => `*/${step}`),
  fc.integer({ min: 1, max: 28 }).map((day) => `${day},L`),
);
const dayOfWeekArb = fc.oneof(
  fc.constant("*"),
  fc.constant("?"),
  fc.integer({ min: 0, max: 7 }).map(String),
  fc.constantFrom("MON-FRI", "SAT,SUN", "1-5", "0,6", "TUE"),
  fc
    .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 }))
    .map(([day, nth]) => `${day}#${nth}`),
  fc.integer({ min: 0, max: 6 }).map((day) => `${day}L`),
);
const monthArb = fc.oneof(
  fc.constant("*"),
  fc.integer({ min: 1, max: 12 }).map(String),
  fc.constantFrom("JAN", "FEB", "2,4,6", "*/3", "3-5", "FEB,AUG"),
);

const caseArb = fc
  .record({
    minute: fc.integer({ min: 0, max: 59 }),
    hour: fc.integer({ min: 0, max: 23 }),
    dayOfMonth: dayOfMonthArb,
    month: monthArb,
    dayOfWeek: dayOfWeekArb,
    afterMs: fc
      .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 })
      .map((s) => s * 1000),
  })
  .map(({ minute, hour, dayOfMonth, month, dayOfWeek, afterMs }) => ({
    expression: `${minute} ${hour} ${dayOfMonth} ${month} ${dayOfWeek}`,
    afterMs,
  }))
  .filter(({ expression }) => {
    try {
      CronExpressionParser.parse(expression, { tz: "UTC" });
      return true;
    } catch {
      return false;
    }
  });

describe("cron days", () => {
  it("are the days cron-parser's next() finds, for every shape of the day fields", () => {
    fc.assert(
      fc.property(caseArb, ({ expression, afterMs }) => {
        const trigger: CronTrigger = { type: "cron", expression, timeZone: "UTC" };
        const ours = nextOccurrences(trigger, new Date(0), new Date(afterMs), COUNT).map((date) =>
          date.toISOString(),
        );
        const reference = CronExpressionParser.parse(expression, {
          currentDate: new Date(afterMs),
          tz: "UTC",
        })
          .take(COUNT)
          .map((date) => date.toISOString());
        expect(ours).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });
});
