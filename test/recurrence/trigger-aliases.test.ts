import { describe, expect, it } from "vitest";
import { describeTrigger } from "../../src/recurrence/describe-trigger.js";
import { firstOccurrence, nextOccurrences } from "../../src/recurrence/occurrences.js";
import { triggerSchema, type TimeTrigger, type Trigger } from "../../src/recurrence/trigger-schema.js";

/**
 * CONTRACT 2.1, the paragraph on aliases: what people port from the Python SDK, Logic Apps and Data Factory is
 * accepted, and returned in the API's one form. CONTRACT 2.2: a cron fires at most once a minute, and one that
 * never fires says so.
 */

function parsed(input: Record<string, unknown>): Trigger {
  return triggerSchema.parse(input);
}

function issues(input: Record<string, unknown>): { path: string; message: string }[] {
  const result = triggerSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

function iso(trigger: Trigger, activatedAt: string, after: string, count: number): string[] {
  return nextOccurrences(trigger as TimeTrigger, new Date(activatedAt), new Date(after), count).map((date) =>
    date.toISOString(),
  );
}

describe("timeOfDay as h:mm", () => {
  it('accepts "9:30" and returns it as "09:30", under either spelling of the field', () => {
    expect(parsed({ type: "recurrence", frequency: "Day", interval: 1, timeOfDay: "9:30" })).toEqual({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "09:30",
    });
    // The schedule in the Azure ML SDK for R's issue #429 was created with time_of_day "4:50".
    expect(parsed({ type: "recurrence", frequency: "Week", interval: 1, time_of_day: "4:50" })).toMatchObject(
      {
        timeOfDay: "04:50",
      },
    );
  });

  it("fires at the time it names", () => {
    const trigger = parsed({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "9:30",
      timeZone: "America/New_York",
    });
    expect(iso(trigger, "2026-01-05T12:00:00Z", "2026-01-05T12:00:00Z", 2)).toEqual([
      "2026-01-05T14:30:00.000Z",
      "2026-01-06T14:30:00.000Z",
    ]);
  });

  it("still refuses what is not a time of day", () => {
    for (const timeOfDay of ["9:5", "930", "24:00", "9:60", "009:30", " 9:30"]) {
      expect(issues({ type: "recurrence", frequency: "Day", interval: 1, timeOfDay })).toEqual([
        { path: "timeOfDay", message: 'must be "hh:mm" or "h:mm" (00:00 to 23:59)' },
      ]);
    }
  });
});

describe("weekday names in any letter case", () => {
  it("accepts them in weekDays and in monthlyOccurrences, and returns them capitalised", () => {
    expect(
      parsed({
        type: "recurrence",
        frequency: "Week",
        interval: 1,
        weekDays: ["monday", "FRIDAY", "sUnDaY"],
      }),
    ).toMatchObject({ weekDays: ["Monday", "Friday", "Sunday"] });
    expect(
      parsed({
        type: "recurrence",
        frequency: "Month",
        interval: 1,
        monthlyOccurrences: [{ day: "friday", occurrence: -1 }],
      }),
    ).toMatchObject({ monthlyOccurrences: [{ day: "Friday", occurrence: -1 }] });
  });

  it("counts two spellings of one day as a repeated value, and refuses abbreviations", () => {
    expect(
      issues({ type: "recurrence", frequency: "Week", interval: 1, weekDays: ["monday", "Monday"] }),
    ).toEqual([{ path: "weekDays", message: "must not repeat a value" }]);
    expect(
      issues({
        type: "recurrence",
        frequency: "Month",
        interval: 1,
        monthlyOccurrences: [
          { day: "friday", occurrence: 1 },
          { day: "Friday", occurrence: 1 },
        ],
      }),
    ).toEqual([{ path: "monthlyOccurrences", message: "must not repeat a value" }]);
    expect(issues({ type: "recurrence", frequency: "Week", interval: 1, weekDays: ["mon"] })[0]?.path).toBe(
      "weekDays.0",
    );
  });

  it("fires on the days they name", () => {
    const trigger = parsed({
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      weekDays: ["wednesday"],
      timeOfDay: "08:00",
    });
    // 2026-01-05 is a Monday.
    expect(iso(trigger, "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z", 2)).toEqual([
      "2026-01-07T08:00:00.000Z",
      "2026-01-14T08:00:00.000Z",
    ]);
  });
});

describe("minutes with frequency Hour (Data Factory's every hour at :15 and :45)", () => {
  it("is accepted; hours and timeOfDay with Hour, and minutes with Minute, still are not", () => {
    expect(issues({ type: "recurrence", frequency: "Hour", interval: 1, minutes: [15, 45] })).toEqual([]);
    expect(issues({ type: "recurrence", frequency: "Hour", interval: 1, hours: [1] })[0]?.path).toBe("hours");
    expect(issues({ type: "recurrence", frequency: "Hour", interval: 1, timeOfDay: "01:00" })[0]?.path).toBe(
      "timeOfDay",
    );
    expect(issues({ type: "recurrence", frequency: "Minute", interval: 5, minutes: [1] })).toEqual([
      { path: "minutes", message: "is allowed only with frequency Hour, Day, Week or Month" },
    ]);
  });

  it("fires at those minutes of every interval-th hour, counted from the hour of startTime, strictly after it", () => {
    const trigger = parsed({
      type: "recurrence",
      frequency: "Hour",
      interval: 2,
      minutes: [45, 15],
      startTime: "2026-01-05T10:50:00",
    });
    // 10:15 and 10:45 are not after startTime (10:50); the next period is 12:00.
    expect(iso(trigger, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-05T12:15:00.000Z",
      "2026-01-05T12:45:00.000Z",
      "2026-01-05T14:15:00.000Z",
      "2026-01-05T14:45:00.000Z",
    ]);
    expect(describeTrigger(trigger)).toBe("Every 2 hours at minutes 15 and 45, UTC, from 2026-01-05 10:50");
  });

  it("counts from the hour of creation without startTime, and never runs immediately", () => {
    const trigger = parsed({ type: "recurrence", frequency: "Hour", interval: 3, minutes: [0, 30] });
    expect(firstOccurrence(trigger as TimeTrigger, new Date("2026-01-05T10:20:07Z"))?.toISOString()).toBe(
      "2026-01-05T10:30:00.000Z",
    );
    expect(iso(trigger, "2026-01-05T10:20:07Z", "2026-01-05T10:30:00Z", 3)).toEqual([
      "2026-01-05T13:00:00.000Z",
      "2026-01-05T13:30:00.000Z",
      "2026-01-05T16:00:00.000Z",
    ]);
    expect(describeTrigger(trigger)).toBe(
      "Every 3 hours at minutes 0 and 30, counted from the hour of creation, UTC",
    );
  });

  it("counts hours as exact durations across DST, as every Hour recurrence does", () => {
    const trigger = parsed({
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      minutes: [30],
      timeZone: "America/Los_Angeles",
      startTime: "2026-10-31T20:00:00",
    });
    // 01:30 occurs twice on 2026-11-01 (PDT, then PST): an hourly schedule fires at both.
    expect(iso(trigger, "2026-10-01T00:00:00Z", "2026-11-01T07:00:00Z", 4)).toEqual([
      "2026-11-01T07:30:00.000Z",
      "2026-11-01T08:30:00.000Z",
      "2026-11-01T09:30:00.000Z",
      "2026-11-01T10:30:00.000Z",
    ]);
    const spring = parsed({ ...trigger, startTime: "2026-03-07T20:00:00" });
    // 02:30 does not exist on 2026-03-08: 01:30 PST is followed an hour later by 03:30 PDT.
    expect(iso(spring, "2026-03-01T00:00:00Z", "2026-03-08T09:00:00Z", 2)).toEqual([
      "2026-03-08T09:30:00.000Z",
      "2026-03-08T10:30:00.000Z",
    ]);
  });

  it("takes the minutes as the zone's, in zones whose offset is not whole hours", () => {
    const trigger = parsed({
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      minutes: [15],
      timeZone: "India Standard Time",
      startTime: "2026-01-05T10:50:00",
    });
    // 11:15 in Kolkata (+05:30) is 05:45 UTC.
    expect(iso(trigger, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-05T05:45:00.000Z",
      "2026-01-05T06:45:00.000Z",
    ]);
  });
});

describe("cron: at most once a minute, and never an expression that never fires", () => {
  it("refuses a seconds field that is not one value, on trigger.expression", () => {
    for (const expression of ["* * * * * *", "*/10 * * * * *", "0,30 * * * * *", "0-5 0 2 * * *"]) {
      expect(issues({ type: "cron", expression })).toEqual([
        {
          path: "expression",
          message:
            "fires more than once a minute: its seconds field (the first of six) must be one value from 0 to 59, such as 0",
        },
      ]);
    }
    for (const expression of ["0 * * * * *", "59 30 2 * * 1-5", "00 0 0 1 1 *", "*/5 * * * *"]) {
      expect(issues({ type: "cron", expression })).toEqual([]);
    }
    expect(issues({ type: "cron", expression: "60 * * * * *" })[0]?.message).toMatch(
      /^must be a five-field cron or six-field NCRONTAB expression \(seconds first\): /,
    );
  });

  it("says that an expression never fires, and within what horizon, rather than calling it malformed", () => {
    for (const expression of ["0 0 0 31 4,6 *", "0 0 30 2 *", "0 0 31 2,4,6,9,11 *"]) {
      const [issue] = issues({ type: "cron", expression });
      expect(issue?.path).toBe("expression");
      expect(issue?.message).toMatch(/^never fires: no day from 2001 to 2028 matches it/);
      expect(issue?.message).not.toMatch(/malformed|five-field/);
    }
    // Rare is not never: the fifth Monday of February (2016, 2044, ...), February 29.
    expect(issues({ type: "cron", expression: "0 0 * 2 1#5" })).toEqual([]);
    expect(issues({ type: "cron", expression: "0 0 29 2 *" })).toEqual([]);
    expect(issues({ type: "cron", expression: "0 0 30 2 1#5" })).toEqual([]);
  });
});
