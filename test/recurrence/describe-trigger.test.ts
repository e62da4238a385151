import { describe, expect, it } from "vitest";
import { describeTrigger } from "../../src/recurrence/describe-trigger.js";
import { triggerSchema } from "../../src/recurrence/trigger-schema.js";

/** Through the schema, so that every case is a trigger the API accepts (and gets its defaults). */
function describeInput(input: Record<string, unknown>): string {
  return describeTrigger(triggerSchema.parse(input));
}

const recurrence = (fields: Record<string, unknown>) => describeInput({ type: "recurrence", ...fields });
const cron = (expression: string, fields: Record<string, unknown> = {}) =>
  describeInput({ type: "cron", expression, ...fields });

describe("describeTrigger: simple recurrences", () => {
  it.each([
    [{ frequency: "Minute", interval: 1 }, "Every minute, counted from creation"],
    [{ frequency: "Minute", interval: 15 }, "Every 15 minutes, counted from creation"],
    [{ frequency: "Hour", interval: 1 }, "Every hour, counted from creation"],
    [{ frequency: "Hour", interval: 6 }, "Every 6 hours, counted from creation"],
    [{ frequency: "Day", interval: 1 }, "Every day, counted from creation, UTC"],
    [{ frequency: "Week", interval: 2 }, "Every 2 weeks, counted from creation, UTC"],
    [
      { frequency: "Month", interval: 3, timeZone: "Tokyo Standard Time" },
      "Every 3 months, counted from creation, Tokyo Standard Time",
    ],
  ])("without startTime: %j", (fields, expected) => {
    expect(recurrence(fields)).toBe(expected);
  });

  it.each([
    [
      { frequency: "Minute", interval: 30, startTime: "2026-01-05T18:30:00" },
      "Every 30 minutes, UTC, from 2026-01-05 18:30",
    ],
    [
      {
        frequency: "Hour",
        interval: 2,
        startTime: "2026-01-05T18:30:00Z",
        timeZone: "Pacific Standard Time",
      },
      "Every 2 hours, Pacific Standard Time, from 2026-01-05 10:30",
    ],
    [
      { frequency: "Day", interval: 1, startTime: "2026-03-01T02:30:00", timeZone: "America/New_York" },
      "Every day at 02:30, America/New_York, from 2026-03-01 02:30",
    ],
    [
      {
        frequency: "Week",
        interval: 1,
        startTime: "2026-01-07T07:05:09",
        timeZone: "W. Europe Standard Time",
      },
      "Every week on Wednesday at 07:05, W. Europe Standard Time, from 2026-01-07 07:05:09",
    ],
    [
      { frequency: "Month", interval: 1, startTime: "2026-01-31T23:00:00+01:00", timeZone: "UTC" },
      "Every month on day 31 at 22:00, UTC, from 2026-01-31 22:00",
    ],
  ])("with startTime, keeping its wall-clock time: %j", (fields, expected) => {
    expect(recurrence(fields)).toBe(expected);
  });

  it("names the end, and the start and end in the trigger's zone", () => {
    expect(
      recurrence({
        frequency: "Day",
        interval: 2,
        startTime: "2026-06-01T06:00:00",
        endTime: "2026-12-31T23:59:00",
        timeZone: "GMT Standard Time",
      }),
    ).toBe("Every 2 days at 06:00, GMT Standard Time, from 2026-06-01 06:00, until 2026-12-31 23:59");
    expect(recurrence({ frequency: "Minute", interval: 5, endTime: "2027-01-01T00:00:00" })).toBe(
      "Every 5 minutes, counted from creation, UTC, until 2027-01-01 00:00",
    );
  });
});

describe("describeTrigger: patterned recurrences", () => {
  it("reads the issue's example", () => {
    expect(
      recurrence({
        frequency: "Week",
        interval: 2,
        weekDays: ["Monday", "Wednesday"],
        timeOfDay: "18:30",
        timeZone: "W. Europe Standard Time",
      }),
    ).toBe("Every 2 weeks on Monday and Wednesday at 18:30, W. Europe Standard Time");
  });

  it("lists weekdays from Monday, whatever their order", () => {
    expect(
      recurrence({
        frequency: "Week",
        interval: 1,
        weekDays: ["Sunday", "Friday", "Monday"],
        timeOfDay: "09:00",
      }),
    ).toBe("Every week on Monday, Friday and Sunday at 09:00, UTC");
  });

  it("lists hour and minute combinations as times, in order", () => {
    expect(recurrence({ frequency: "Day", interval: 1, hours: [14, 2], minutes: [30, 0] })).toBe(
      "Every day at 02:00, 02:30, 14:00 and 14:30, UTC",
    );
  });

  it("gives many combinations as minutes past hours, with runs of hours as ranges", () => {
    expect(
      recurrence({
        frequency: "Day",
        interval: 1,
        hours: [9, 10, 11, 12, 13, 14, 15, 16, 17, 22],
        minutes: [0, 30],
      }),
    ).toBe("Every day at minutes 0 and 30 past hours 9 to 17 and 22, UTC");
  });

  it("takes the missing hour or minute from startTime", () => {
    expect(
      recurrence({ frequency: "Day", interval: 1, hours: [8, 20], startTime: "2026-01-01T00:45:00" }),
    ).toBe("Every day at 08:45 and 20:45, UTC, from 2026-01-01 00:45");
    expect(
      recurrence({ frequency: "Day", interval: 1, minutes: [0, 15], startTime: "2026-01-01T07:45:00" }),
    ).toBe("Every day at 07:00 and 07:15, UTC, from 2026-01-01 07:45");
  });

  it("says the creation time supplies what neither the pattern nor startTime gives", () => {
    expect(recurrence({ frequency: "Day", interval: 1, hours: [6] })).toBe(
      "Every day at hour 6, at the minute of creation, UTC",
    );
    expect(recurrence({ frequency: "Day", interval: 1, minutes: [0, 30] })).toBe(
      "Every day at minutes 0 and 30 past the hour of creation, UTC",
    );
    expect(recurrence({ frequency: "Week", interval: 1, weekDays: ["Tuesday"] })).toBe(
      "Every week on Tuesday at the time of day of creation, UTC",
    );
    expect(recurrence({ frequency: "Week", interval: 1, timeOfDay: "10:00" })).toBe(
      "Every week on the weekday of creation at 10:00, UTC",
    );
    expect(recurrence({ frequency: "Month", interval: 1, timeOfDay: "10:00" })).toBe(
      "Every month on the day of the month of creation at 10:00, UTC",
    );
  });

  it("takes a Week's weekday and a Month's day from startTime", () => {
    expect(recurrence({ frequency: "Week", interval: 1, hours: [7], startTime: "2026-01-09T07:00:00" })).toBe(
      "Every week on Friday at 07:00, UTC, from 2026-01-09 07:00",
    );
    expect(
      recurrence({ frequency: "Month", interval: 2, timeOfDay: "06:00", startTime: "2026-01-15T00:00:00" }),
    ).toBe("Every 2 months on day 15 at 06:00, UTC, from 2026-01-15 00:00");
  });

  it("names month days, counting negative ones from the end of the month", () => {
    expect(recurrence({ frequency: "Month", interval: 1, monthDays: [15, 1], timeOfDay: "09:00" })).toBe(
      "Every month on days 1 and 15 at 09:00, UTC",
    );
    expect(recurrence({ frequency: "Month", interval: 1, monthDays: [-1], timeOfDay: "23:00" })).toBe(
      "Every month on the last day at 23:00, UTC",
    );
    expect(recurrence({ frequency: "Month", interval: 1, monthDays: [1, -1, -3], timeOfDay: "23:00" })).toBe(
      "Every month on day 1, the 3rd-to-last day and the last day at 23:00, UTC",
    );
  });

  it("names monthly occurrences, and either-or when month days come with them", () => {
    expect(
      recurrence({
        frequency: "Month",
        interval: 1,
        monthlyOccurrences: [
          { day: "Friday", occurrence: 1 },
          { day: "Monday", occurrence: -1 },
        ],
        timeOfDay: "08:00",
        timeZone: "Eastern Standard Time",
      }),
    ).toBe("Every month on the first Friday and the last Monday at 08:00, Eastern Standard Time");
    expect(
      recurrence({
        frequency: "Month",
        interval: 3,
        monthDays: [1],
        monthlyOccurrences: [
          { day: "Tuesday", occurrence: 2 },
          { day: "Sunday", occurrence: -2 },
        ],
        hours: [12],
        minutes: [0],
      }),
    ).toBe("Every 3 months on day 1, the second Tuesday or the second-to-last Sunday at 12:00, UTC");
  });
});

describe("describeTrigger: cron", () => {
  it.each([
    ["0 30 2 * * 1-5", "At 02:30 on Monday to Friday, Europe/London (cron 0 30 2 * * 1-5)", "Europe/London"],
    ["30 2 * * *", "Every day at 02:30, UTC (cron 30 2 * * *)", undefined],
    ["*/5 * * * *", "Every 5 minutes, UTC (cron */5 * * * *)", undefined],
    ["* * * * *", "Every minute, UTC (cron * * * * *)", undefined],
    ["15 */2 * * *", "Every 2 hours at minute 15, UTC (cron 15 */2 * * *)", undefined],
    ["0 * * * *", "Every hour at minute 0, UTC (cron 0 * * * *)", undefined],
    [
      "0 9 1,15 * MON",
      "At 09:00 on days 1 and 15 of the month or on Monday, UTC (cron 0 9 1,15 * MON)",
      undefined,
    ],
    ["0 9 L * *", "At 09:00 on the last day of the month, UTC (cron 0 9 L * *)", undefined],
    [
      "0 9 * JAN,JUL 6,0",
      "At 09:00 on Saturday and Sunday in January and July, UTC (cron 0 9 * JAN,JUL 6,0)",
      undefined,
    ],
    [
      "*/10 9-17 * * MON-FRI",
      "Every 10 minutes in hours 9 to 17 on Monday to Friday, UTC (cron */10 9-17 * * MON-FRI)",
      undefined,
    ],
    ["0 9 * * 5L", "At 09:00 on the last Friday of the month, UTC (cron 0 9 * * 5L)", undefined],
    ["0 0 9 ? * 1#2", "At 09:00 on the second Monday of the month, UTC (cron 0 0 9 ? * 1#2)", undefined],
    ["0 0,12 * * 7", "At 00:00 and 12:00 on Sunday, UTC (cron 0 0,12 * * 7)", undefined],
  ])("%s in words", (expression, expected, timeZone) => {
    expect(cron(expression, timeZone === undefined ? {} : { timeZone })).toBe(expected);
  });

  it.each([
    ["0 9 */2 * *", "Tokyo Standard Time", "Cron 0 9 */2 * * (Tokyo Standard Time)"],
    ["0 9 * */3 *", "UTC", "Cron 0 9 * */3 * (UTC)"],
    ["0 9 * * 1-5/2", "UTC", "Cron 0 9 * * 1-5/2 (UTC)"],
  ])("gives other shapes as written: %s", (expression, timeZone, expected) => {
    expect(cron(expression, { timeZone })).toBe(expected);
  });

  it("lists up to 8 times, and gives more as minutes past hours", () => {
    expect(cron("5-10 9 * * *")).toBe(
      "Every day at 09:05, 09:06, 09:07, 09:08, 09:09 and 09:10, UTC (cron 5-10 9 * * *)",
    );
    expect(cron("0,30 8-12 * * *")).toBe(
      "Every day at minutes 0 and 30 past hours 8 to 12, UTC (cron 0,30 8-12 * * *)",
    );
  });

  it("names the window and keeps the expression's words, whatever its spacing", () => {
    expect(
      cron("  0  30 2 * *  1-5 ", {
        timeZone: "Europe/London",
        startTime: "2026-02-01T00:00:00",
        endTime: "2026-03-01T00:00:00Z",
      }),
    ).toBe(
      "At 02:30 on Monday to Friday, Europe/London (cron 0 30 2 * * 1-5), from 2026-02-01 00:00, until 2026-03-01 00:00",
    );
  });

  it("gives seconds other than 0 as written", () => {
    expect(cron("30 0 2 * * *")).toBe("Cron 30 0 2 * * * (UTC)");
  });
});

describe("describeTrigger: datastore", () => {
  it("names the folder and the polling interval", () => {
    expect(
      describeInput({ type: "datastore", datastoreName: "workspaceblobstore", pathOnDatastore: "incoming" }),
    ).toBe("When a file is added to or changed in workspaceblobstore/incoming, checked every 5 minutes");
  });

  it("names the container root when there is no path, and a trailing slash changes nothing", () => {
    expect(describeInput({ type: "datastore", datastoreName: "landing", pollingIntervalMinutes: 1 })).toBe(
      "When a file is added to or changed in the root of landing, checked every minute",
    );
    expect(
      describeInput({
        type: "datastore",
        datastoreName: "landing",
        pathOnDatastore: "a/b/",
        pollingIntervalMinutes: 90,
      }),
    ).toBe("When a file is added to or changed in landing/a/b, checked every 90 minutes");
  });

  it("says each file gets a run when a data path parameter takes it", () => {
    expect(
      describeInput({
        type: "datastore",
        datastoreName: "workspaceblobstore",
        pathOnDatastore: "incoming/daily",
        pollingIntervalMinutes: 120,
        dataPathParameterName: "input_datapath",
      }),
    ).toBe(
      "When a file is added to or changed in workspaceblobstore/incoming/daily, checked every 2 hours; " +
        "one run per file, passed as input_datapath",
    );
    expect(
      describeInput({ type: "datastore", datastoreName: "x", pollingIntervalMinutes: 60 }).endsWith(
        "every hour",
      ),
    ).toBe(true);
    expect(
      describeInput({ type: "datastore", datastoreName: "x", pollingIntervalMinutes: 1440 }).endsWith(
        "every day",
      ),
    ).toBe(true);
  });
});
