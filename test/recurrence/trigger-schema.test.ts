import { describe, expect, it } from "vitest";
import { triggerSchema } from "../../src/recurrence/trigger-schema.js";

/** The paths of the issues triggerSchema reports, e.g. ["interval"] or ["hours", 0]. */
function issuePaths(input: Record<string, unknown>): PropertyKey[][] {
  const result = triggerSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => [...issue.path]);
}

const recurrence = (fields: Record<string, unknown>) => ({
  type: "recurrence",
  frequency: "Day",
  interval: 1,
  ...fields,
});

describe("triggerSchema: recurrence", () => {
  it("accepts the contract's example", () => {
    const example = {
      type: "recurrence",
      frequency: "Week",
      interval: 2,
      startTime: "2026-01-05T18:30:00",
      timeZone: "W. Europe Standard Time",
      weekDays: ["Monday", "Wednesday"],
      timeOfDay: "18:30",
      endTime: "2027-01-01T00:00:00",
    };
    expect(triggerSchema.parse(example)).toEqual(example);
  });

  it.each([
    ["Minute", 72_000],
    ["Hour", 12_000],
    ["Day", 500],
    ["Week", 71],
    ["Month", 16],
  ])("limits the interval of %s to %i", (frequency, max) => {
    expect(issuePaths(recurrence({ frequency, interval: max }))).toEqual([]);
    expect(issuePaths(recurrence({ frequency, interval: max + 1 }))).toEqual([["interval"]]);
  });

  it("requires a positive whole interval and a known frequency", () => {
    expect(issuePaths(recurrence({ interval: 0 }))).toEqual([["interval"]]);
    expect(issuePaths(recurrence({ interval: 1.5 }))).toEqual([["interval"]]);
    expect(issuePaths(recurrence({ frequency: "Year" }))).toEqual([["frequency"]]);
    expect(issuePaths({ type: "recurrence", frequency: "Day" })).toEqual([["interval"]]);
  });

  it("allows hours, minutes and timeOfDay only with Day, Week or Month", () => {
    expect(issuePaths(recurrence({ frequency: "Hour", hours: [1] }))).toEqual([["hours"]]);
    expect(issuePaths(recurrence({ frequency: "Minute", minutes: [1] }))).toEqual([["minutes"]]);
    expect(issuePaths(recurrence({ frequency: "Hour", timeOfDay: "01:00" }))).toEqual([["timeOfDay"]]);
    for (const frequency of ["Day", "Week", "Month"]) {
      expect(issuePaths(recurrence({ frequency, hours: [1], minutes: [0] }))).toEqual([]);
    }
  });

  it("rejects timeOfDay together with hours or minutes", () => {
    expect(issuePaths(recurrence({ timeOfDay: "01:00", hours: [1] }))).toEqual([["timeOfDay"]]);
    expect(issuePaths(recurrence({ timeOfDay: "01:00", minutes: [1] }))).toEqual([["timeOfDay"]]);
  });

  it("allows weekDays only with Week, monthDays and monthlyOccurrences only with Month", () => {
    expect(issuePaths(recurrence({ weekDays: ["Monday"] }))).toEqual([["weekDays"]]);
    expect(issuePaths(recurrence({ frequency: "Week", monthDays: [1] }))).toEqual([["monthDays"]]);
    expect(issuePaths(recurrence({ monthlyOccurrences: [{ day: "Friday", occurrence: 1 }] }))).toEqual([
      ["monthlyOccurrences"],
    ]);
  });

  it("names the offending element of a list", () => {
    expect(issuePaths(recurrence({ hours: [1, 24] }))).toEqual([["hours", 1]]);
    expect(issuePaths(recurrence({ minutes: [60] }))).toEqual([["minutes", 0]]);
    expect(issuePaths(recurrence({ frequency: "Week", weekDays: ["Mon"] }))).toEqual([["weekDays", 0]]);
    expect(issuePaths(recurrence({ frequency: "Month", monthDays: [0] }))).toEqual([["monthDays", 0]]);
    expect(issuePaths(recurrence({ frequency: "Month", monthDays: [-32] }))).toEqual([["monthDays", 0]]);
    expect(issuePaths(recurrence({ frequency: "Month", monthDays: [31, -31] }))).toEqual([]);
    expect(
      issuePaths(recurrence({ frequency: "Month", monthlyOccurrences: [{ day: "Friday", occurrence: 6 }] })),
    ).toEqual([["monthlyOccurrences", 0, "occurrence"]]);
    expect(
      issuePaths(recurrence({ frequency: "Month", monthlyOccurrences: [{ day: "Funday", occurrence: -5 }] })),
    ).toEqual([["monthlyOccurrences", 0, "day"]]);
  });

  it("rejects empty and repeated lists", () => {
    expect(issuePaths(recurrence({ hours: [] }))).toEqual([["hours"]]);
    expect(issuePaths(recurrence({ hours: [3, 3] }))).toEqual([["hours"]]);
  });

  it("checks timeOfDay, dates and the time zone", () => {
    expect(issuePaths(recurrence({ timeOfDay: "24:00" }))).toEqual([["timeOfDay"]]);
    // "h:mm" is the SDK's form too (CONTRACT 2.1, aliases); a one-digit minute or no colon is not.
    expect(issuePaths(recurrence({ timeOfDay: "9:0" }))).toEqual([["timeOfDay"]]);
    expect(issuePaths(recurrence({ timeOfDay: "930" }))).toEqual([["timeOfDay"]]);
    expect(issuePaths(recurrence({ startTime: "2026-02-30T00:00:00" }))).toEqual([["startTime"]]);
    expect(issuePaths(recurrence({ endTime: "tomorrow" }))).toEqual([["endTime"]]);
    expect(issuePaths(recurrence({ timeZone: "Mars/Olympus_Mons" }))).toEqual([["timeZone"]]);
    expect(issuePaths(recurrence({ timeZone: "Pacific Standard Time" }))).toEqual([]);
    expect(issuePaths(recurrence({ timeZone: "Australia/Sydney" }))).toEqual([]);
  });

  it("requires endTime after startTime, comparing local and absolute times in the zone", () => {
    expect(
      issuePaths(recurrence({ startTime: "2026-01-02T00:00:00", endTime: "2026-01-01T00:00:00" })),
    ).toEqual([["endTime"]]);
    // 10:00 in Los Angeles is 18:00Z, after an endTime of 17:00Z.
    const mixed = {
      timeZone: "America/Los_Angeles",
      startTime: "2026-01-01T10:00:00",
      endTime: "2026-01-01T17:00:00Z",
    };
    expect(issuePaths(recurrence(mixed))).toEqual([["endTime"]]);
    expect(issuePaths(recurrence({ ...mixed, endTime: "2026-01-01T19:00:00Z" }))).toEqual([]);
  });

  it("accepts the Python SDK's snake_case names as aliases", () => {
    const parsed = triggerSchema.parse({
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      start_time: "2026-01-05T18:30:00",
      time_zone: "UTC",
      week_days: ["Monday"],
      time_of_day: "18:30",
    });
    expect(parsed).toEqual({
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      startTime: "2026-01-05T18:30:00",
      timeZone: "UTC",
      weekDays: ["Monday"],
      timeOfDay: "18:30",
    });
  });

  it("reports an unknown (misspelt) field instead of ignoring it", () => {
    const result = triggerSchema.safeParse(recurrence({ frequency: "Week", week_day: ["Monday"] }));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: "unrecognized_keys", keys: ["week_day"] }),
    ]);
  });
});

describe("triggerSchema: cron", () => {
  it("accepts five- and six-field expressions", () => {
    expect(issuePaths({ type: "cron", expression: "*/15 * * * *" })).toEqual([]);
    expect(issuePaths({ type: "cron", expression: "0 30 2 * * 1-5", timeZone: "Europe/London" })).toEqual([]);
  });

  it.each(["61 * * * *", "* * * *", "0 0 0 * * * *", "not a cron", "0 0 30 2 *"])(
    "rejects %j",
    (expression) => {
      expect(issuePaths({ type: "cron", expression })).toEqual([["expression"]]);
    },
  );

  it("checks its zone and dates like a recurrence", () => {
    expect(issuePaths({ type: "cron", expression: "* * * * *", timeZone: "Nowhere" })).toEqual([
      ["timeZone"],
    ]);
    expect(
      issuePaths({
        type: "cron",
        expression: "* * * * *",
        startTime: "2026-01-02T00:00:00Z",
        endTime: "2026-01-01T00:00:00Z",
      }),
    ).toEqual([["endTime"]]);
  });

  it("rejects an unknown trigger type", () => {
    expect(issuePaths({ type: "hourly" })).toEqual([["type"]]);
  });
});
