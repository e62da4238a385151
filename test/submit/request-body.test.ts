import { describe, expect, it } from "vitest";
import {
  amlSubmitBodySchema,
  apiSubmitBody,
  pipelineSubmitBody,
  type ScheduleSubmitInput,
} from "../../src/submit/index.js";

const schedule: ScheduleSubmitInput["schedule"] = {
  id: "7c6f0c1e2b3a4d5e8f90a1b2c3d4e5f6",
  definition: {
    name: "nightly-retrain",
    experimentName: "MyExperiment",
    parameterAssignments: { pipeline_arg: 20, rate: 1.5, flag: true, off: false, label: "x y" },
    dataPathAssignments: {
      input_datapath: { dataStoreName: "workspaceblobstore", relativePath: "data/in.csv" },
    },
  },
};
const scheduledFor = new Date("2026-11-22T10:30:00Z");

describe("pipelineSubmitBody", () => {
  it("builds the body of a scheduled run exactly", () => {
    expect(pipelineSubmitBody({ schedule, reason: "recurrence", scheduledFor })).toEqual({
      ExperimentName: "MyExperiment",
      ParameterAssignments: { pipeline_arg: "20", rate: "1.5", flag: "True", off: "False", label: "x y" },
      DataPathAssignments: {
        input_datapath: { DataStoreName: "workspaceblobstore", RelativePath: "data/in.csv" },
      },
      RunSource: "API",
      Description: "Scheduled by nightly-retrain for 2026-11-22T10:30:00.000Z",
      Tags: {
        scheduleId: "7c6f0c1e2b3a4d5e8f90a1b2c3d4e5f6",
        scheduleName: "nightly-retrain",
        scheduledFor: "2026-11-22T10:30:00.000Z",
      },
    });
  });

  it("keeps scheduledFor for catch-up runs and carries continueOnStepFailure", () => {
    const body = pipelineSubmitBody({
      schedule: { ...schedule, definition: { ...schedule.definition, continueOnStepFailure: true } },
      reason: "catchUp",
      scheduledFor,
    });
    expect(body.Tags.scheduledFor).toBe("2026-11-22T10:30:00.000Z");
    expect(body.ContinueRunOnStepFailure).toBe(true);
    expect(body.ContinueOnStepFailure).toBe(true);
  });

  it("omits Tags.scheduledFor for a manual run and describes it as a run now", () => {
    const body = pipelineSubmitBody({ schedule, reason: "manual", scheduledFor: null });
    expect(body.Tags).toEqual({
      scheduleId: "7c6f0c1e2b3a4d5e8f90a1b2c3d4e5f6",
      scheduleName: "nightly-retrain",
    });
    expect(Object.keys(body.Tags)).not.toContain("scheduledFor");
    expect(body.Description).toBe("Run now of schedule nightly-retrain");
  });

  it("omits Tags.scheduledFor for a manual run even when given an instant", () => {
    const body = pipelineSubmitBody({ schedule, reason: "manual", scheduledFor });
    expect(Object.keys(body.Tags)).toEqual(["scheduleId", "scheduleName"]);
  });

  it("adds the changed blob of a datastore run to the schedule's data paths", () => {
    const body = pipelineSubmitBody({
      schedule,
      reason: "datastore",
      scheduledFor,
      extraDataPathAssignments: {
        changed: { dataStoreName: "workspaceblobstore", relativePath: "incoming/daily/f.csv" },
      },
    });
    expect(body.DataPathAssignments).toEqual({
      input_datapath: { DataStoreName: "workspaceblobstore", RelativePath: "data/in.csv" },
      changed: { DataStoreName: "workspaceblobstore", RelativePath: "incoming/daily/f.csv" },
    });
  });

  it("produces a body that its own schema accepts", () => {
    const body = pipelineSubmitBody({ schedule, reason: "recurrence", scheduledFor });
    expect(amlSubmitBodySchema.parse(body)).toEqual(body);
  });
});

describe("amlSubmitBodySchema and apiSubmitBody", () => {
  it("completes a minimal API body without schedule tags", () => {
    const request = amlSubmitBodySchema.parse({
      ExperimentName: "Exp_1",
      ParameterAssignments: { n: 3, b: true },
    });
    expect(apiSubmitBody(request)).toEqual({
      ExperimentName: "Exp_1",
      ParameterAssignments: { n: "3", b: "True" },
      DataPathAssignments: {},
      RunSource: "API",
      Description: "Submitted through the aml-pipeline-scheduler API",
      Tags: {},
    });
  });

  it("keeps what the caller sent", () => {
    const request = amlSubmitBodySchema.parse({
      ExperimentName: "Exp",
      DataPathAssignments: { in: { DataStoreName: "ds", RelativePath: "a/b.csv" } },
      RunSource: "ADF",
      ContinueOnStepFailure: true,
      Description: "from Data Factory",
      Tags: { team: "ml" },
    });
    expect(apiSubmitBody(request)).toMatchObject({
      DataPathAssignments: { in: { DataStoreName: "ds", RelativePath: "a/b.csv" } },
      RunSource: "ADF",
      ContinueRunOnStepFailure: true,
      ContinueOnStepFailure: true,
      Description: "from Data Factory",
      Tags: { team: "ml" },
    });
  });

  function issuePaths(body: unknown): string[] {
    const result = amlSubmitBodySchema.safeParse(body);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
  }

  it("requires ExperimentName of 1-255 letters, digits, '-' or '_'", () => {
    expect(issuePaths({})).toEqual(["ExperimentName"]);
    expect(issuePaths({ ExperimentName: "" })).toEqual(["ExperimentName"]);
    expect(issuePaths({ ExperimentName: "has space" })).toEqual(["ExperimentName"]);
    expect(issuePaths({ ExperimentName: "a".repeat(256) })).toEqual(["ExperimentName"]);
    expect(issuePaths({ ExperimentName: "a".repeat(255) })).toEqual([]);
  });

  it("rejects unknown and camelCase fields", () => {
    const result = amlSubmitBodySchema.safeParse({ ExperimentName: "Exp", experimentName: "Exp" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it("rejects parameter values that are not string, number or boolean, and more than 100 entries", () => {
    expect(issuePaths({ ExperimentName: "Exp", ParameterAssignments: { a: null } })).toEqual([
      "ParameterAssignments.a",
    ]);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, index]));
    expect(issuePaths({ ExperimentName: "Exp", ParameterAssignments: many })).toEqual([
      "ParameterAssignments",
    ]);
  });

  it("rejects data paths in camelCase and non-string tags", () => {
    expect(
      issuePaths({
        ExperimentName: "Exp",
        DataPathAssignments: { in: { dataStoreName: "ds", relativePath: "a" } },
      }),
    ).toContain("DataPathAssignments.in");
    expect(issuePaths({ ExperimentName: "Exp", Tags: { n: 1 } })).toEqual(["Tags.n"]);
    expect(issuePaths({ ExperimentName: "Exp", ContinueOnStepFailure: "yes" })).toEqual([
      "ContinueOnStepFailure",
    ]);
  });
});
