import { describe, expect, it } from "vitest";
import { triggerFromFlags } from "../../src/cli/schedule-flags.js";
import { scheduleFieldsFromSdkYaml } from "../../src/cli/sdk-schedule-yaml.js";
import { describeTrigger } from "../../src/recurrence/describe-trigger.js";
import { triggerSchema } from "../../src/recurrence/trigger-schema.js";

/** The CLI's flags and SDK YAML import give triggers that the API accepts (CONTRACT 2.1, aliases). */

describe("ported triggers from the command line", () => {
  it("takes --frequency hour with --minutes, as Data Factory's every hour at :15 and :45", () => {
    const trigger = triggerSchema.parse(
      triggerFromFlags({ frequency: "hour", interval: "1", minutes: "15,45" }),
    );
    expect(trigger).toEqual({ type: "recurrence", frequency: "Hour", interval: 1, minutes: [15, 45] });
    expect(describeTrigger(trigger)).toBe("Every hour at minutes 15 and 45, UTC");
  });

  it("takes --time-of-day as h:mm and --week-days in any case, and the API returns them in its own form", () => {
    const trigger = triggerSchema.parse(
      triggerFromFlags({ frequency: "week", interval: "1", timeOfDay: "9:30", weekDays: "monday,FRIDAY" }),
    );
    expect(trigger).toMatchObject({ timeOfDay: "09:30", weekDays: ["Monday", "Friday"] });
  });

  it("imports an SDK YAML whose recurrence is hourly at given minutes, with the SDK's h:mm", () => {
    const hourly = scheduleFieldsFromSdkYaml(`Schedule:
  recurrence:
    frequency: Hour
    interval: 2
    start_time: 2026-06-07T10:50:00
    time_zone: UTC
    minutes: [15, 45]
`);
    const trigger = triggerSchema.parse(hourly.trigger);
    expect(trigger).toEqual({
      type: "recurrence",
      frequency: "Hour",
      interval: 2,
      startTime: "2026-06-07T10:50:00",
      timeZone: "UTC",
      minutes: [15, 45],
    });
    expect(describeTrigger(trigger)).toBe("Every 2 hours at minutes 15 and 45, UTC, from 2026-06-07 10:50");

    const daily = scheduleFieldsFromSdkYaml(`Schedule:
  recurrence:
    frequency: Week
    interval: 1
    time_of_day: "4:50"
    week_days: [monday]
`);
    expect(triggerSchema.parse(daily.trigger)).toMatchObject({ timeOfDay: "04:50", weekDays: ["Monday"] });
  });
});
