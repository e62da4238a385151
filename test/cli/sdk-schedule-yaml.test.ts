import { describe, expect, it } from "vitest";
import { scheduleFieldsFromSdkYaml, SdkYamlError } from "../../src/cli/sdk-schedule-yaml.js";

describe("scheduleFieldsFromSdkYaml", () => {
  it("reads a recurrence, giving a start_time without time_zone the SDK's GMT Standard Time", () => {
    const fields = scheduleFieldsFromSdkYaml(`Schedule:
  description: Weekly
  recurrence:
    frequency: Week
    interval: 2
    start_time: 2026-06-07T10:50:00
    time_zone: ~
    hours: [1, 13]
    minutes: [0]
    time_of_day: ~
    week_days: [Monday]
  pipeline_parameters: {a: 1, b: x}
  continue_on_step_failure: True
  wait_for_provisioning: True
`);
    expect(fields).toEqual({
      description: "Weekly",
      parameterAssignments: { a: 1, b: "x" },
      continueOnStepFailure: true,
      trigger: {
        type: "recurrence",
        frequency: "Week",
        interval: 2,
        startTime: "2026-06-07T10:50:00",
        timeZone: "GMT Standard Time",
        hours: [1, 13],
        minutes: [0],
        weekDays: ["Monday"],
      },
    });
  });

  it("keeps an explicit time zone, an absolute start_time, and no start_time as they are", () => {
    const trigger = (recurrence: string) =>
      scheduleFieldsFromSdkYaml(
        `Schedule:\n  recurrence:\n    frequency: Day\n    interval: 1\n${recurrence}`,
      ).trigger;
    expect(
      trigger("    start_time: 2026-06-07T10:50:00\n    time_zone: Pacific Standard Time\n"),
    ).toMatchObject({
      timeZone: "Pacific Standard Time",
    });
    expect(trigger("    start_time: 2026-06-07T10:50:00Z\n")).toEqual({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2026-06-07T10:50:00Z",
    });
    expect(trigger('    time_of_day: "02:30"\n')).toEqual({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "02:30",
    });
  });

  it("reads a datastore schedule", () => {
    expect(
      scheduleFieldsFromSdkYaml(`Schedule:
  datastore_name: workspaceblobstore
  polling_interval: 10
  data_path_parameter_name: input_datapath
  path_on_datastore: incoming/daily
  continue_on_step_failure: None
  recurrence: ~
`),
    ).toEqual({
      trigger: {
        type: "datastore",
        datastoreName: "workspaceblobstore",
        pathOnDatastore: "incoming/daily",
        pollingIntervalMinutes: 10,
        dataPathParameterName: "input_datapath",
      },
    });
  });

  it("names what is wrong with a file", () => {
    expect(() => scheduleFieldsFromSdkYaml("recurrence: {}\n")).toThrow(
      new SdkYamlError('The file must have a "Schedule:" section, as Schedule.load_yaml requires'),
    );
    expect(() => scheduleFieldsFromSdkYaml("Schedule:\n  recurence: {}\n")).toThrow(
      "Unknown keys in Schedule: recurence",
    );
    expect(() =>
      scheduleFieldsFromSdkYaml("Schedule:\n  recurrence: {frequency: Day, week_day: [Monday]}\n"),
    ).toThrow("Unknown keys in Schedule.recurrence: week_day");
    expect(() => scheduleFieldsFromSdkYaml("Schedule:\n  continue_on_step_failure: maybe\n")).toThrow(
      "Schedule.continue_on_step_failure must be True or False, not maybe",
    );
    expect(() => scheduleFieldsFromSdkYaml("Schedule: [\n")).toThrow(/^The file is not YAML/);
  });
});
