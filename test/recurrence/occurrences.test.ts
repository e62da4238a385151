import { CronExpressionParser } from "cron-parser";
import { describe, expect, it } from "vitest";
import { compileOccurrences, firstOccurrence, nextOccurrences } from "../../src/recurrence/occurrences.js";
import { triggerSchema, type TimeTrigger } from "../../src/recurrence/trigger-schema.js";

/** Validates the trigger as the API would, so every example here is an accepted input. */
function trigger(input: Record<string, unknown>): TimeTrigger {
  const parsed = triggerSchema.parse(input);
  if (parsed.type === "datastore") throw new Error("not a time trigger");
  return parsed;
}

/** The first `count` fire instants of a schedule activated at `activatedAt`, as UTC ISO text. */
function fires(input: Record<string, unknown>, activatedAt: string, count: number, after?: string): string[] {
  const activated = new Date(activatedAt);
  const from = after === undefined ? new Date(activated.getTime() - 1) : new Date(after);
  return nextOccurrences(trigger(input), activated, from, count).map((instant) => instant.toISOString());
}

const LA = "America/Los_Angeles";
const BERLIN = "Europe/Berlin";
const SYDNEY = "Australia/Sydney";

describe("simple recurrences", () => {
  it("starts at a future startTime", () => {
    const hourly = { type: "recurrence", frequency: "Hour", interval: 2, startTime: "2026-05-01T10:00:00" };
    expect(fires(hourly, "2026-04-01T00:00:00Z", 3)).toEqual([
      "2026-05-01T10:00:00.000Z",
      "2026-05-01T12:00:00.000Z",
      "2026-05-01T14:00:00.000Z",
    ]);
  });

  it("discards the occurrences of a startTime years in the past", () => {
    // 2020-01-01 to 2026-01-01 is 3,156,480 minutes; the next multiple of 7 is 3,156,482.
    const everySeventhMinute = {
      type: "recurrence",
      frequency: "Minute",
      interval: 7,
      startTime: "2020-01-01T00:00:00Z",
    };
    expect(fires(everySeventhMinute, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:02:00.000Z",
      "2026-01-01T00:09:00.000Z",
    ]);
    const daily = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2019-03-10T09:15:00",
      timeZone: LA,
    };
    expect(fires(daily, "2026-06-15T20:00:00Z", 2)).toEqual([
      "2026-06-16T16:15:00.000Z",
      "2026-06-17T16:15:00.000Z",
    ]);
  });

  it("fires an occurrence that falls exactly on the activation instant", () => {
    const hourly = { type: "recurrence", frequency: "Hour", interval: 1, startTime: "2026-01-01T00:00:00Z" };
    expect(fires(hourly, "2026-01-01T05:00:00Z", 2)).toEqual([
      "2026-01-01T05:00:00.000Z",
      "2026-01-01T06:00:00.000Z",
    ]);
  });

  it("without startTime runs once at activation and counts from it", () => {
    const everySixHours = { type: "recurrence", frequency: "Hour", interval: 6 };
    expect(fires(everySixHours, "2026-01-01T10:20:30Z", 3)).toEqual([
      "2026-01-01T10:20:30.000Z",
      "2026-01-01T16:20:30.000Z",
      "2026-01-01T22:20:30.000Z",
    ]);
    // 10:45 PST, then 10:45 PDT after the switch on March 8.
    const daily = { type: "recurrence", frequency: "Day", interval: 1, timeZone: LA };
    expect(fires(daily, "2026-03-07T18:45:00Z", 3)).toEqual([
      "2026-03-07T18:45:00.000Z",
      "2026-03-08T17:45:00.000Z",
      "2026-03-09T17:45:00.000Z",
    ]);
    expect(firstOccurrence(trigger(daily), new Date("2026-03-07T18:45:00Z"))?.toISOString()).toBe(
      "2026-03-07T18:45:00.000Z",
    );
  });

  it("counts Minute and Hour as exact durations across DST", () => {
    const hourly = {
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      startTime: "2026-03-08T00:00:00",
      timeZone: LA,
    };
    // Local 00:00 PST, 01:00 PST, 03:00 PDT, 04:00 PDT.
    expect(fires(hourly, "2026-03-01T00:00:00Z", 4)).toEqual([
      "2026-03-08T08:00:00.000Z",
      "2026-03-08T09:00:00.000Z",
      "2026-03-08T10:00:00.000Z",
      "2026-03-08T11:00:00.000Z",
    ]);
    const everyNinetyMinutes = {
      type: "recurrence",
      frequency: "Minute",
      interval: 90,
      startTime: "2026-10-25T00:00:00",
      timeZone: BERLIN,
    };
    expect(fires(everyNinetyMinutes, "2026-10-01T00:00:00Z", 4)).toEqual([
      "2026-10-24T22:00:00.000Z",
      "2026-10-24T23:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:30:00.000Z",
    ]);
  });

  it("keeps the wall clock of Day, Week and Month across DST", () => {
    const weekly = {
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      startTime: "2026-03-23T08:00:00",
      timeZone: "W. Europe Standard Time",
    };
    expect(fires(weekly, "2026-03-01T00:00:00Z", 2)).toEqual([
      "2026-03-23T07:00:00.000Z",
      "2026-03-30T06:00:00.000Z",
    ]);
    const monthly = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      startTime: "2026-03-15T09:00:00",
      timeZone: SYDNEY,
    };
    expect(fires(monthly, "2026-03-01T00:00:00Z", 3)).toEqual([
      "2026-03-14T22:00:00.000Z",
      "2026-04-14T23:00:00.000Z",
      "2026-05-14T23:00:00.000Z",
    ]);
  });

  it("skips the months that lack the start's day", () => {
    const monthly = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      startTime: "2026-03-31T12:00:00Z",
    };
    expect(fires(monthly, "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-03-31T12:00:00.000Z",
      "2026-05-31T12:00:00.000Z",
      "2026-07-31T12:00:00.000Z",
      "2026-08-31T12:00:00.000Z",
    ]);
    const everyOtherMonth = {
      type: "recurrence",
      frequency: "Month",
      interval: 2,
      startTime: "2026-07-31T12:00:00",
    };
    expect(fires(everyOtherMonth, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-07-31T12:00:00.000Z",
      "2027-01-31T12:00:00.000Z",
    ]);
  });

  it("counts a Month recurrence from a startTime years back", () => {
    const monthly = {
      type: "recurrence",
      frequency: "Month",
      interval: 5,
      startTime: "2001-01-31T08:00:00",
      timeZone: LA,
    };
    // Every 5th month from January 2001: Nov 2026 (k = 62), Apr 2027, Sep 2027 and Feb 2028 lack the 31st;
    // July 2028 (k = 66) has it, at 08:00 PDT.
    expect(fires(monthly, "2026-11-01T00:00:00Z", 1)).toEqual(["2028-07-31T15:00:00.000Z"]);
  });
});

describe("patterned recurrences", () => {
  it("fires at every hour x minute of the allowed days", () => {
    const pattern = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      hours: [17, 9],
      minutes: [30, 0],
      startTime: "2026-01-01T00:00:00",
    };
    expect(fires(pattern, "2025-12-01T00:00:00Z", 5)).toEqual([
      "2026-01-01T09:00:00.000Z",
      "2026-01-01T09:30:00.000Z",
      "2026-01-01T17:00:00.000Z",
      "2026-01-01T17:30:00.000Z",
      "2026-01-02T09:00:00.000Z",
    ]);
  });

  it("counts every interval-th day from the day containing startTime", () => {
    const everyThirdDay = {
      type: "recurrence",
      frequency: "Day",
      interval: 3,
      timeOfDay: "06:00",
      startTime: "2026-01-01T08:00:00",
    };
    expect(fires(everyThirdDay, "2025-12-01T00:00:00Z", 2)).toEqual([
      "2026-01-04T06:00:00.000Z",
      "2026-01-07T06:00:00.000Z",
    ]);
  });

  it("takes the missing hours or minutes from startTime", () => {
    const minutesOnly = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      minutes: [15, 45],
      startTime: "2026-01-01T10:20:00",
    };
    expect(fires(minutesOnly, "2025-12-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T10:45:00.000Z",
      "2026-01-02T10:15:00.000Z",
      "2026-01-02T10:45:00.000Z",
    ]);
    const hoursOnly = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      hours: [8],
      startTime: "2026-01-01T10:20:00",
    };
    expect(fires(hoursOnly, "2025-12-01T00:00:00Z", 1)).toEqual(["2026-01-02T08:20:00.000Z"]);
  });

  it("takes the missing hours and minutes from the activation time without startTime", () => {
    const hoursOnly = { type: "recurrence", frequency: "Day", interval: 1, hours: [10] };
    expect(fires(hoursOnly, "2026-01-01T09:17:00Z", 2)).toEqual([
      "2026-01-01T10:17:00.000Z",
      "2026-01-02T10:17:00.000Z",
    ]);
  });

  it("does not fire at a startTime that matches the pattern", () => {
    const daily = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "09:00",
      startTime: "2026-01-01T09:00:00",
    };
    expect(fires(daily, "2025-12-31T00:00:00Z", 1)).toEqual(["2026-01-02T09:00:00.000Z"]);
  });

  it("never fires immediately without startTime", () => {
    const daily = { type: "recurrence", frequency: "Day", interval: 1, timeOfDay: "09:00" };
    expect(fires(daily, "2026-01-01T09:00:00Z", 1)).toEqual(["2026-01-02T09:00:00.000Z"]);
    expect(firstOccurrence(trigger(daily), new Date("2026-01-01T09:00:00Z"))?.toISOString()).toBe(
      "2026-01-02T09:00:00.000Z",
    );
  });

  it("does not fire before activation when startTime is in the past", () => {
    const daily = {
      type: "recurrence",
      frequency: "Day",
      interval: 2,
      timeOfDay: "09:00",
      startTime: "2020-01-01T00:00:00",
    };
    // Day 2,192 after 2020-01-01 (even) is 2026-01-01; 09:00 that day is before the 10:00 activation.
    expect(fires(daily, "2026-01-01T10:00:00Z", 2)).toEqual([
      "2026-01-03T09:00:00.000Z",
      "2026-01-05T09:00:00.000Z",
    ]);
  });

  it("counts weeks from Monday, starting with the week containing startTime", () => {
    // startTime is Sunday 2026-01-11, the last day of the Monday week of Jan 5; its Monday and Saturday are past.
    const everyOtherWeek = {
      type: "recurrence",
      frequency: "Week",
      interval: 2,
      weekDays: ["Saturday", "Monday"],
      timeOfDay: "07:00",
      startTime: "2026-01-11T12:00:00",
    };
    expect(fires(everyOtherWeek, "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-19T07:00:00.000Z",
      "2026-01-24T07:00:00.000Z",
      "2026-02-02T07:00:00.000Z",
      "2026-02-07T07:00:00.000Z",
    ]);
    const sundays = {
      type: "recurrence",
      frequency: "Week",
      interval: 2,
      weekDays: ["Sunday"],
      timeOfDay: "07:00",
      startTime: "2026-01-05T00:00:00",
    };
    expect(fires(sundays, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-11T07:00:00.000Z",
      "2026-01-25T07:00:00.000Z",
    ]);
  });

  it("uses the weekday of startTime when weekDays is absent", () => {
    const wednesdays = {
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      timeOfDay: "09:00",
      startTime: "2026-01-07T10:00:00",
    };
    expect(fires(wednesdays, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-14T09:00:00.000Z",
      "2026-01-21T09:00:00.000Z",
    ]);
  });

  it("fires on monthDays counted from either end of the month", () => {
    const firstAndLast = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthDays: [1, -1],
      timeOfDay: "00:00",
      startTime: "2026-01-15T00:00:00",
    };
    expect(fires(firstAndLast, "2026-01-01T00:00:00Z", 5)).toEqual([
      "2026-01-31T00:00:00.000Z",
      "2026-02-01T00:00:00.000Z",
      "2026-02-28T00:00:00.000Z",
      "2026-03-01T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
    ]);
    // -31 is the 1st of a 31-day month only; the startTime itself matches and does not fire.
    const minus31 = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthDays: [-31],
      timeOfDay: "06:00",
      startTime: "2026-01-01T06:00:00",
    };
    expect(fires(minus31, "2025-12-01T00:00:00Z", 4)).toEqual([
      "2026-03-01T06:00:00.000Z",
      "2026-05-01T06:00:00.000Z",
      "2026-07-01T06:00:00.000Z",
      "2026-08-01T06:00:00.000Z",
    ]);
    const thirtyFirst = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthDays: [31],
      timeOfDay: "06:00",
      startTime: "2026-04-01T00:00:00",
    };
    expect(fires(thirtyFirst, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-05-31T06:00:00.000Z",
      "2026-07-31T06:00:00.000Z",
    ]);
  });

  it("counts every interval-th month from the month containing startTime", () => {
    const everyOtherMonth = {
      type: "recurrence",
      frequency: "Month",
      interval: 2,
      monthDays: [15],
      timeOfDay: "00:00",
      startTime: "2026-01-20T00:00:00",
    };
    expect(fires(everyOtherMonth, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-03-15T00:00:00.000Z",
      "2026-05-15T00:00:00.000Z",
    ]);
  });

  it("uses the day of month of startTime when neither monthDays nor monthlyOccurrences is given", () => {
    const monthly = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      timeOfDay: "08:00",
      startTime: "2026-01-30T09:00:00",
    };
    expect(fires(monthly, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-03-30T08:00:00.000Z",
      "2026-04-30T08:00:00.000Z",
    ]);
  });

  it("fires on monthlyOccurrences, skipping a fifth Friday the month lacks", () => {
    const fifthFriday = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthlyOccurrences: [{ day: "Friday", occurrence: 5 }],
      timeOfDay: "10:00",
      startTime: "2026-01-01T00:00:00",
    };
    expect(fires(fifthFriday, "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-30T10:00:00.000Z",
      "2026-05-29T10:00:00.000Z",
      "2026-07-31T10:00:00.000Z",
    ]);
    const lastFriday = {
      ...fifthFriday,
      monthlyOccurrences: [{ day: "Friday", occurrence: -1 }],
      timeOfDay: "17:00",
    };
    expect(fires(lastFriday, "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-30T17:00:00.000Z",
      "2026-02-27T17:00:00.000Z",
      "2026-03-27T17:00:00.000Z",
      "2026-04-24T17:00:00.000Z",
    ]);
    const secondToLastMonday = { ...fifthFriday, monthlyOccurrences: [{ day: "Monday", occurrence: -2 }] };
    expect(fires(secondToLastMonday, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-19T10:00:00.000Z",
      "2026-02-16T10:00:00.000Z",
    ]);
  });

  it("fires on the union of monthDays and monthlyOccurrences, once per instant", () => {
    const union = {
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthDays: [1, 2],
      monthlyOccurrences: [{ day: "Monday", occurrence: 1 }],
      timeOfDay: "12:00",
      startTime: "2026-01-31T12:00:00",
    };
    // February 2026: the 1st is a Sunday, the first Monday is the 2nd (both rules: fires once).
    expect(fires(union, "2026-01-01T00:00:00Z", 5)).toEqual([
      "2026-02-01T12:00:00.000Z",
      "2026-02-02T12:00:00.000Z",
      "2026-03-01T12:00:00.000Z",
      "2026-03-02T12:00:00.000Z",
      "2026-04-01T12:00:00.000Z",
    ]);
  });

  it("ends an impossible pattern instead of searching forever", () => {
    const february30 = {
      type: "recurrence",
      frequency: "Month",
      interval: 12,
      monthDays: [30],
      startTime: "2026-02-01T00:00:00",
    };
    expect(fires(february30, "2026-01-01T00:00:00Z", 1)).toEqual([]);
    expect(firstOccurrence(trigger(february30), new Date("2026-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("endTime and activation", () => {
  it("fires at endTime and never after it", () => {
    const hourly = {
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      startTime: "2026-01-01T00:00:00Z",
      endTime: "2026-01-01T03:00:00Z",
    };
    expect(fires(hourly, "2025-12-01T00:00:00Z", 10)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T02:00:00.000Z",
      "2026-01-01T03:00:00.000Z",
    ]);
    const sequence = compileOccurrences(trigger(hourly), new Date("2025-12-01T00:00:00Z"));
    expect(sequence.nextAfter(Date.parse("2026-01-01T03:00:00Z"))).toBeUndefined();
  });

  it("reads a local endTime in the trigger's zone", () => {
    const daily = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "09:00",
      timeZone: LA,
      endTime: "2026-01-03T09:00:00",
    };
    expect(fires(daily, "2026-01-01T00:00:00Z", 10)).toEqual([
      "2026-01-01T17:00:00.000Z",
      "2026-01-02T17:00:00.000Z",
      "2026-01-03T17:00:00.000Z",
    ]);
  });

  it("fires nothing when activated after endTime", () => {
    const cron = { type: "cron", expression: "* * * * *", endTime: "2026-01-01T00:00:00Z" };
    expect(firstOccurrence(trigger(cron), new Date("2026-01-01T00:00:01Z"))).toBeNull();
  });

  it("never returns an instant before activation, even when asked for earlier ones", () => {
    const daily = { type: "recurrence", frequency: "Day", interval: 1, startTime: "2026-01-01T09:00:00Z" };
    expect(fires(daily, "2026-01-05T12:00:00Z", 1, "2026-01-01T00:00:00Z")).toEqual([
      "2026-01-06T09:00:00.000Z",
    ]);
  });
});

describe("daylight-saving time", () => {
  const dailyAt = (timeOfDay: string, timeZone: string) => ({
    type: "recurrence",
    frequency: "Day",
    interval: 1,
    timeOfDay,
    timeZone,
  });

  it("moves a wall time in a spring-forward gap forward by the gap (Los Angeles)", () => {
    // 2026-03-08 02:00 PST -> 03:00 PDT: 02:30 becomes 03:30 PDT.
    expect(fires(dailyAt("02:30", LA), "2026-03-06T12:00:00Z", 3)).toEqual([
      "2026-03-07T10:30:00.000Z",
      "2026-03-08T10:30:00.000Z",
      "2026-03-09T09:30:00.000Z",
    ]);
  });

  it("fires a repeated wall time once, at its first occurrence (Los Angeles)", () => {
    // 2026-11-01 02:00 PDT -> 01:00 PST: 01:30 PDT is 08:30Z, 01:30 PST (09:30Z) does not fire.
    expect(fires(dailyAt("01:30", LA), "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T08:30:00.000Z",
      "2026-11-02T09:30:00.000Z",
    ]);
  });

  it("handles the gap and the fold in Berlin", () => {
    // 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
    expect(fires(dailyAt("02:30", BERLIN), "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    expect(fires(dailyAt("02:30", BERLIN), "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("handles the gap and the fold in Sydney (southern hemisphere)", () => {
    // 2026-04-05 03:00 AEDT -> 02:00 AEST; 2026-10-04 02:00 AEST -> 03:00 AEDT.
    expect(fires(dailyAt("02:30", SYDNEY), "2026-04-03T16:00:00Z", 2)).toEqual([
      "2026-04-04T15:30:00.000Z",
      "2026-04-05T16:30:00.000Z",
    ]);
    expect(fires(dailyAt("02:30", "AUS Eastern Standard Time"), "2026-10-02T17:00:00Z", 2)).toEqual([
      "2026-10-03T16:30:00.000Z",
      "2026-10-04T15:30:00.000Z",
    ]);
  });

  it("orders wall times shifted out of a gap among those after it", () => {
    // On 2026-03-08, 02:00 and 02:30 PST become 03:00 and 03:30 PDT, the same instants as 03:00 and 03:30.
    const pattern = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      hours: [2, 3],
      minutes: [0, 30],
      timeZone: LA,
    };
    expect(fires(pattern, "2026-03-08T05:00:00Z", 3)).toEqual([
      "2026-03-08T10:00:00.000Z",
      "2026-03-08T10:30:00.000Z",
      "2026-03-09T09:00:00.000Z",
    ]);
    const gapAndAfter = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      hours: [2, 3],
      minutes: [45, 15],
      timeZone: LA,
    };
    // 02:15 -> 03:15, 02:45 -> 03:45, 03:15, 03:45: each instant once, ascending.
    expect(fires(gapAndAfter, "2026-03-08T05:00:00Z", 3)).toEqual([
      "2026-03-08T10:15:00.000Z",
      "2026-03-08T10:45:00.000Z",
      "2026-03-09T09:15:00.000Z",
    ]);
  });

  it("finds the wall times a gap moved past `after`, and the repeated hour's second pass", () => {
    // From 03:10 PDT on 2026-03-08, 02:30 (moved to 03:30 PDT) is still ahead.
    const daily = compileOccurrences(trigger(dailyAt("02:30", LA)), new Date("2026-03-01T00:00:00Z"));
    expect(daily.nextAfter(Date.parse("2026-03-08T10:10:00Z"))).toBe(Date.parse("2026-03-08T10:30:00Z"));
    const sydney = compileOccurrences(trigger(dailyAt("02:45", SYDNEY)), new Date("2026-10-01T00:00:00Z"));
    // 2026-10-04 03:15 AEDT is 16:15Z on the 3rd; 02:45 moved to 03:45 AEDT is 16:45Z.
    expect(sydney.nextAfter(Date.parse("2026-10-03T16:15:00Z"))).toBe(Date.parse("2026-10-03T16:45:00Z"));
    // From 01:10 PST (the second pass), an every-hour cron's next is 01:30 PST, not 01:30 PDT (past).
    const halfPast = compileOccurrences(
      trigger({ type: "cron", expression: "30 * * * *", timeZone: LA }),
      new Date("2026-10-01T00:00:00Z"),
    );
    expect(halfPast.nextAfter(Date.parse("2026-11-01T09:10:00Z"))).toBe(Date.parse("2026-11-01T09:30:00Z"));
    // A fixed-hour cron from the same instant waits for the next day.
    const fixed = compileOccurrences(
      trigger({ type: "cron", expression: "30 1 * * *", timeZone: LA }),
      new Date("2026-10-01T00:00:00Z"),
    );
    expect(fixed.nextAfter(Date.parse("2026-11-01T09:10:00Z"))).toBe(Date.parse("2026-11-02T09:30:00Z"));
  });

  it("maps a local startTime in a gap forward and in a fold to its first occurrence", () => {
    const inGap = {
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      startTime: "2026-03-08T02:30:00",
      timeZone: LA,
    };
    expect(fires(inGap, "2026-03-01T00:00:00Z", 2)).toEqual([
      "2026-03-08T10:30:00.000Z",
      "2026-03-08T11:30:00.000Z",
    ]);
    const inFold = {
      type: "recurrence",
      frequency: "Hour",
      interval: 1,
      startTime: "2026-11-01T01:30:00",
      timeZone: LA,
    };
    expect(fires(inFold, "2026-10-01T00:00:00Z", 2)).toEqual([
      "2026-11-01T08:30:00.000Z",
      "2026-11-01T09:30:00.000Z",
    ]);
    const dailyFromGap = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2026-03-08T02:30:00",
      timeZone: "Pacific Standard Time",
    };
    expect(fires(dailyFromGap, "2026-03-01T00:00:00Z", 2)).toEqual([
      "2026-03-08T10:30:00.000Z",
      "2026-03-09T09:30:00.000Z",
    ]);
    const inBerlinFold = {
      type: "cron",
      expression: "0 * * * *",
      startTime: "2026-10-25T02:30:00",
      timeZone: BERLIN,
    };
    // 02:30 CEST is 00:30Z; the next whole hours are 02:00 CET (01:00Z, the repeated hour) and 03:00 CET.
    expect(fires(inBerlinFold, "2026-10-01T00:00:00Z", 2)).toEqual([
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("applies the same rules to cron expressions with fixed hours", () => {
    expect(
      fires({ type: "cron", expression: "30 2 * * *", timeZone: LA }, "2026-03-07T12:00:00Z", 2),
    ).toEqual(["2026-03-08T10:30:00.000Z", "2026-03-09T09:30:00.000Z"]);
    expect(
      fires({ type: "cron", expression: "30 1 * * *", timeZone: LA }, "2026-10-31T12:00:00Z", 2),
    ).toEqual(["2026-11-01T08:30:00.000Z", "2026-11-02T09:30:00.000Z"]);
    expect(
      fires({ type: "cron", expression: "0 30 2 * * *", timeZone: BERLIN }, "2026-10-24T12:00:00Z", 2),
    ).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    expect(
      fires({ type: "cron", expression: "30 2 * * *", timeZone: SYDNEY }, "2026-10-02T17:00:00Z", 2),
    ).toEqual(["2026-10-03T16:30:00.000Z", "2026-10-04T15:30:00.000Z"]);
    // Fixed hour 2 with a minute step fires only in the first pass of Sydney's repeated hour.
    expect(
      fires({ type: "cron", expression: "*/30 2 * * *", timeZone: SYDNEY }, "2026-04-04T12:00:00Z", 3),
    ).toEqual(["2026-04-04T15:00:00.000Z", "2026-04-04T15:30:00.000Z", "2026-04-05T16:00:00.000Z"]);
  });

  it("fires an every-hour cron in the repeated hour too, as cron-parser does", () => {
    const hourly = { type: "cron", expression: "0 * * * *", timeZone: LA };
    const ours = fires(hourly, "2026-11-01T06:30:00Z", 4);
    expect(ours).toEqual([
      "2026-11-01T07:00:00.000Z",
      "2026-11-01T08:00:00.000Z",
      "2026-11-01T09:00:00.000Z",
      "2026-11-01T10:00:00.000Z",
    ]);
    const reference = CronExpressionParser.parse("0 * * * *", {
      currentDate: new Date("2026-11-01T06:30:00Z"),
      tz: LA,
    });
    expect(reference.take(4).map((date) => date.toISOString())).toEqual(ours);
    const halfHourly = { type: "cron", expression: "*/30 * * * *", timeZone: SYDNEY };
    expect(fires(halfHourly, "2026-04-04T14:50:00Z", 5)).toEqual([
      "2026-04-04T15:00:00.000Z",
      "2026-04-04T15:30:00.000Z",
      "2026-04-04T16:00:00.000Z",
      "2026-04-04T16:30:00.000Z",
      "2026-04-04T17:00:00.000Z",
    ]);
  });

  it("skips the nonexistent wall times of an every-15-minutes cron without firing twice", () => {
    const quarterHourly = { type: "cron", expression: "*/15 * * * *", timeZone: LA };
    expect(fires(quarterHourly, "2026-03-08T09:40:00Z", 3)).toEqual([
      "2026-03-08T09:45:00.000Z",
      "2026-03-08T10:00:00.000Z",
      "2026-03-08T10:15:00.000Z",
    ]);
  });
});

describe("cron", () => {
  it("reads five fields as minute-first and six as seconds-first (NCRONTAB)", () => {
    expect(fires({ type: "cron", expression: "15 10 * * *" }, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T10:15:00.000Z",
      "2026-01-02T10:15:00.000Z",
    ]);
    expect(fires({ type: "cron", expression: "30 * * * * *" }, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:00:30.000Z",
      "2026-01-01T00:01:30.000Z",
    ]);
    // 2026-01-05 is a Monday; London is on GMT in January.
    expect(
      fires(
        { type: "cron", expression: "0 30 2 * * 1-5", timeZone: "GMT Standard Time" },
        "2026-01-03T00:00:00Z",
        2,
      ),
    ).toEqual(["2026-01-05T02:30:00.000Z", "2026-01-06T02:30:00.000Z"]);
  });

  it("matches a restricted day of month or day of week (either)", () => {
    // Fridays and the 13th: Tuesday Jan 13, and Friday Feb 13 only once.
    expect(fires({ type: "cron", expression: "0 0 13 * 5" }, "2026-01-01T00:00:00Z", 8)).toEqual([
      "2026-01-02T00:00:00.000Z",
      "2026-01-09T00:00:00.000Z",
      "2026-01-13T00:00:00.000Z",
      "2026-01-16T00:00:00.000Z",
      "2026-01-23T00:00:00.000Z",
      "2026-01-30T00:00:00.000Z",
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
    ]);
  });

  it("supports names, L and #", () => {
    expect(fires({ type: "cron", expression: "0 0 L * *" }, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-31T00:00:00.000Z",
      "2026-02-28T00:00:00.000Z",
    ]);
    expect(fires({ type: "cron", expression: "0 12 * JAN-MAR FRI#3" }, "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-16T12:00:00.000Z",
      "2026-02-20T12:00:00.000Z",
      "2026-03-20T12:00:00.000Z",
    ]);
  });

  it("fires at a matching startTime and not before it", () => {
    const hourly = { type: "cron", expression: "0 * * * *", startTime: "2026-01-01T05:00:00" };
    expect(fires(hourly, "2025-12-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T05:00:00.000Z",
      "2026-01-01T06:00:00.000Z",
    ]);
  });

  it("stops at endTime inclusive", () => {
    const hourly = { type: "cron", expression: "0 * * * *", endTime: "2026-01-01T02:00:00" };
    expect(fires(hourly, "2026-01-01T00:00:00Z", 10)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T02:00:00.000Z",
    ]);
  });

  it("accepts Windows ids and IANA names for the same zone", () => {
    const windows = fires(
      { type: "cron", expression: "0 9 * * 1-5", timeZone: "Pacific Standard Time" },
      "2026-01-01T00:00:00Z",
      3,
    );
    expect(windows).toEqual([
      "2026-01-01T17:00:00.000Z",
      "2026-01-02T17:00:00.000Z",
      "2026-01-05T17:00:00.000Z",
    ]);
    expect(
      fires({ type: "cron", expression: "0 9 * * 1-5", timeZone: LA }, "2026-01-01T00:00:00Z", 3),
    ).toEqual(windows);
  });
});

describe("nextOccurrences and firstOccurrence", () => {
  it("returns fewer than count when the schedule ends", () => {
    const daily = {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2026-01-01T00:00:00Z",
      endTime: "2026-01-02T00:00:00Z",
    };
    expect(fires(daily, "2026-01-01T00:00:00Z", 5)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-02T00:00:00.000Z",
    ]);
  });

  it("returns instants strictly after `after`", () => {
    const hourly = { type: "recurrence", frequency: "Hour", interval: 1, startTime: "2026-01-01T00:00:00Z" };
    expect(fires(hourly, "2025-01-01T00:00:00Z", 1, "2026-01-01T03:00:00Z")).toEqual([
      "2026-01-01T04:00:00.000Z",
    ]);
  });
});
