import { describe, expect, it } from "vitest";
import { isV2ScheduleYaml, scheduleFieldsFromV2Yaml, V2YamlError } from "../../src/cli/v2-schedule-yaml.js";

/** Azure ML v2 schedule YAML (reference-yaml-schedule.md) read into a schedule's fields; the target comes from flags. */

const RECURRENCE = `$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: simple_recurrence_job_schedule
display_name: Simple recurrence job schedule
description: a simple hourly recurrence job schedule
trigger:
  type: recurrence
  frequency: week
  interval: 1
  schedule:
    hours: [4, 5]
    minutes: 20
    week_days: [monday, friday]
  start_time: "2026-12-10T10:00:00"
  time_zone: "Pacific Standard Time"
create_job:
  type: pipeline
  job: ./simple-pipeline-job.yml
  experiment_name: nightly
  inputs:
    threshold: 0.5
    mode:
      type: string
      value: fast
    data:
      type: uri_folder
      path: azureml://datastores/workspaceblobstore/paths/incoming/
  outputs:
    scores:
      type: uri_folder
      path: azureml://datastores/workspaceblobstore/paths/scored/\${{name}}/
  settings:
    default_compute: cpu-cluster
    continue_on_step_failure: true
`;

describe("scheduleFieldsFromV2Yaml", () => {
  it("reads a recurrence with lower-case frequency and week days, inputs, outputs and notes", () => {
    expect(isV2ScheduleYaml(RECURRENCE)).toBe(true);
    const imported = scheduleFieldsFromV2Yaml(RECURRENCE);
    expect(imported.fields).toEqual({
      description: "a simple hourly recurrence job schedule",
      experimentName: "nightly",
      trigger: {
        type: "recurrence",
        frequency: "Week",
        interval: 1,
        hours: [4, 5],
        minutes: [20],
        weekDays: ["Monday", "Friday"],
        startTime: "2026-12-10T10:00:00",
        timeZone: "Pacific Standard Time",
      },
      parameterAssignments: { threshold: 0.5, mode: "fast" },
      dataPathAssignments: {
        data: { dataStoreName: "workspaceblobstore", relativePath: "incoming/", kind: "folder" },
      },
      outputs: { scores: { datastoreName: "workspaceblobstore", path: "scored/{runId}/" } },
    });
    expect(imported.defaultCompute).toBe("cpu-cluster");
    expect(imported.notes.join("\n")).toContain("create_job.job ./simple-pipeline-job.yml is not read");
    expect(imported.notes.join("\n")).toContain("continue_on_step_failure is not carried over");
  });

  it("reads a cron trigger and says that Azure ML v2 would ignore its day and month fields", () => {
    const imported = scheduleFieldsFromV2Yaml(`trigger:
  type: cron
  expression: "0 6 1 * *"
  time_zone: UTC
create_job: ./job.yml
`);
    expect(imported.fields.trigger).toEqual({ type: "cron", expression: "0 6 1 * *", timeZone: "UTC" });
    expect(imported.notes.some((note) => note.includes("ignores its day-of-month and month fields"))).toBe(
      true,
    );
    const plain = scheduleFieldsFromV2Yaml(
      `trigger: {type: cron, expression: "0 6 * * *"}\ncreate_job: ./job.yml\n`,
    );
    expect(plain.notes.some((note) => note.includes("day-of-month"))).toBe(false);
  });

  it("refuses unknown keys, other trigger types and inputs off azureml://datastores, naming them", () => {
    expect(() =>
      scheduleFieldsFromV2Yaml(`trigger: {type: recurrence, frequency: day, interval: 1, every: 2}\n`),
    ).toThrow(new V2YamlError("Unknown keys in trigger: every"));
    expect(() => scheduleFieldsFromV2Yaml(`trigger: {type: event}\ncreate_job: x\n`)).toThrow(
      /trigger.type must be recurrence or cron, not event/,
    );
    expect(() =>
      scheduleFieldsFromV2Yaml(`trigger: {type: cron, expression: "0 0 * * *"}
create_job:
  inputs:
    data: {type: uri_file, path: "https://account.blob.core.windows.net/c/f.csv"}
`),
    ).toThrow(/create_job.inputs.data.path must be azureml:\/\/datastores/);
    expect(isV2ScheduleYaml("Schedule:\n  recurrence: {frequency: Day, interval: 1}\n")).toBe(false);
  });
});
