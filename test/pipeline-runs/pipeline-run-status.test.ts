import { describe, expect, it } from "vitest";
import {
  pipelineRunStatusUrl,
  planWait,
  reportedStatusOf,
  type StatusCheck,
} from "../../src/pipeline-runs/pipeline-run-status.js";
import { sandboxPipelineRun, sandboxRunPlan } from "../../src/pipeline-runs/sandbox-run-status.js";

const SUBMIT_URL =
  "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/s/resourceGroups/rg/providers/" +
  "Microsoft.MachineLearningServices/workspaces/ws/PipelineRuns/PipelineEndpointSubmit/Id/e1/2";
const NOW = new Date("2026-11-21T10:00:10.000Z");
const submitted = {
  status: "Submitted" as const,
  error: null,
  pipelineRunId: "pr-1",
  endpointUrl: SUBMIT_URL,
  nextAttemptAt: null,
};
const check = (overrides: Partial<StatusCheck>): StatusCheck => ({
  runId: "api-1",
  status: "Running",
  detail: null,
  checkedAt: "2026-11-21T10:00:08.000Z",
  failure: null,
  ...overrides,
});

describe("pipeline run status", () => {
  it.each([
    ["StatusCode 0-4 as numbers", { Status: { StatusCode: 0 } }, "NotStarted", null],
    ["", { Status: { StatusCode: 1 } }, "Running", null],
    ["", { Status: { StatusCode: 2, StatusDetail: "Step train failed" } }, "Failed", "Step train failed"],
    ["", { Status: { StatusCode: 3, StatusDetail: "  " } }, "Finished", null],
    ["", { Status: { StatusCode: 4 } }, "Canceled", null],
    ["StatusCode as text", { Status: { StatusCode: "3" } }, "Finished", null],
    ["the five names, any case", { Status: { StatusCode: "finished" } }, "Finished", null],
    ["", { Status: { StatusCode: "Canceled", StatusDetail: "by user" } }, "Canceled", "by user"],
    ["a Status that is the word itself", { Status: "Failed" }, "Failed", null],
    ["no Status", { Id: "pr-1" }, "NotStarted", null],
    ["a null Status", { Id: "pr-1", Status: null }, "NotStarted", null],
    ["a Status without StatusCode", { Status: { StatusDetail: "Submitted" } }, "NotStarted", "Submitted"],
    ["an empty StatusCode", { Status: { StatusCode: "" } }, "NotStarted", null],
    ["Queued", { Status: { StatusCode: "Queued" } }, "NotStarted", "Queued"],
    ["Unknown", { Status: { StatusCode: "Unknown" } }, "Running", "Unknown"],
    ["NotResponding", { Status: { StatusCode: "NotResponding" } }, "Running", "NotResponding"],
    ["Paused", { Status: "Paused" }, "Running", "Paused"],
    ["a word the service does not know", { Status: { StatusCode: "Hibernating" } }, "Running", "Hibernating"],
    [
      "Completed, which is not one of the five",
      { Status: { StatusCode: "Completed" } },
      "Running",
      "Completed",
    ],
    ["a code the service does not know", { Status: { StatusCode: 7 } }, "Running", "7"],
    ["a fractional code", { Status: { StatusCode: 1.5 } }, "Running", "1.5"],
  ])("reads %s: %j is %s (detail %j)", (_case, body, status, detail) => {
    expect(reportedStatusOf(body)).toEqual({ status, detail });
  });

  it.each([
    ["text", "text"],
    ["an array", [{ Status: { StatusCode: 3 } }]],
    ["null", null],
    ["a boolean StatusCode", { Status: { StatusCode: true } }],
    ["an object StatusCode", { Status: { StatusCode: { value: 3 } } }],
    ["a list Status", { Status: [3] }],
  ])("finds no status in %s", (_case, body) => {
    expect(reportedStatusOf(body)).toBeUndefined();
  });

  it("derives the status URL from the submit URL's workspace path", () => {
    expect(pipelineRunStatusUrl(SUBMIT_URL, "pr 1")?.toString()).toBe(
      "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/s/resourceGroups/rg/providers/" +
        "Microsoft.MachineLearningServices/workspaces/ws/PipelineRuns/pr%201",
    );
    expect(
      pipelineRunStatusUrl("http://127.0.0.1:7071/api/sandbox/pipelines/p/submit", "pr-1"),
    ).toBeUndefined();
    expect(pipelineRunStatusUrl("not a url", "pr-1")).toBeUndefined();
  });
});

describe("planWait", () => {
  it("waits for a Pending submission, until its next attempt when a retry waits", () => {
    expect(planWait({ ...submitted, status: "Pending", pipelineRunId: null }, undefined, NOW)).toEqual({
      kind: "pending",
      retryAfterSeconds: 2,
    });
    expect(
      planWait(
        { ...submitted, status: "Pending", nextAttemptAt: "2026-11-21T10:00:40.500Z" },
        undefined,
        NOW,
      ),
    ).toEqual({ kind: "pending", retryAfterSeconds: 31 });
  });

  it("ends with the submission's error when it failed, and with the submission when nothing can be followed", () => {
    expect(planWait({ ...submitted, status: "Failed", error: "400 Bad" }, undefined, NOW)).toEqual({
      kind: "submissionFailed",
      message: "400 Bad",
    });
    expect(planWait({ ...submitted, pipelineRunId: null }, undefined, NOW)).toEqual({ kind: "untracked" });
    expect(planWait({ ...submitted, endpointUrl: "http://127.0.0.1/x/submit" }, undefined, NOW)).toEqual({
      kind: "untracked",
    });
  });

  it("asks Azure ML when there is no check or the last one is 5 s old, and not before", () => {
    expect(planWait(submitted, undefined, NOW)).toEqual({ kind: "refresh" });
    expect(planWait(submitted, check({ checkedAt: "2026-11-21T10:00:05.000Z" }), NOW)).toEqual({
      kind: "refresh",
    });
    expect(planWait(submitted, check({ checkedAt: "2026-11-21T10:00:05.001Z" }), NOW)).toEqual({
      kind: "running",
      retryAfterSeconds: 1,
    });
    expect(planWait(submitted, check({ checkedAt: "2026-11-21T10:00:10.000Z" }), NOW)).toEqual({
      kind: "running",
      retryAfterSeconds: 5,
    });
    // Another instance's clock 2 s ahead: still fresh; 10 s ahead: not to be trusted.
    expect(planWait(submitted, check({ checkedAt: "2026-11-21T10:00:12.000Z" }), NOW).kind).toBe("running");
    expect(planWait(submitted, check({ checkedAt: "2026-11-21T10:00:20.000Z" }), NOW).kind).toBe("refresh");
  });

  it("ends on a terminal status however old the check", () => {
    const old = "2026-11-20T00:00:00.000Z";
    expect(planWait(submitted, check({ status: "Finished", checkedAt: old }), NOW)).toEqual({
      kind: "finished",
    });
    expect(planWait(submitted, check({ status: "Failed", checkedAt: old }), NOW)).toEqual({
      kind: "ended",
      status: "Failed",
    });
    expect(planWait(submitted, check({ status: "Canceled", checkedAt: old }), NOW)).toEqual({
      kind: "ended",
      status: "Canceled",
    });
  });

  it("reports a fresh final failure to read the status, and keeps waiting through a transient one", () => {
    const failure = { final: true, httpStatus: 403, message: "forbidden" };
    expect(planWait(submitted, check({ failure }), NOW)).toEqual({
      kind: "statusUnavailable",
      message: "forbidden",
      httpStatus: 403,
    });
    expect(planWait(submitted, check({ failure: { ...failure, final: false } }), NOW).kind).toBe("running");
  });
});

describe("sandbox pipeline runs", () => {
  it("reports Running until the chosen poll, then the chosen outcome", () => {
    const plan = sandboxRunPlan({
      ParameterAssignments: { sandbox_outcome: "canceled", sandbox_status_polls: "3" },
    });
    expect(plan).toEqual({ outcome: "Canceled", endsAtPoll: 3 });
    expect([1, 2, 3, 4].map((poll) => sandboxPipelineRun("r", plan, poll).Status)).toEqual([
      { StatusCode: 1, StatusDetail: "Running" },
      { StatusCode: 1, StatusDetail: "Running" },
      { StatusCode: 4, StatusDetail: "Canceled" },
      { StatusCode: 4, StatusDetail: "Canceled" },
    ]);
    expect(sandboxRunPlan({ ExperimentName: "E" })).toEqual({ outcome: "Finished", endsAtPoll: 2 });
    expect(
      sandboxRunPlan({ ParameterAssignments: { sandbox_outcome: "Failed", sandbox_status_polls: "0" } }),
    ).toEqual({
      outcome: "Failed",
      endsAtPoll: 2,
    });
  });

  it("with sandbox_duration_minutes, moves NotStarted -> Running -> the outcome on the clock, whatever the polls", () => {
    const plan = sandboxRunPlan({
      ParameterAssignments: { sandbox_duration_minutes: "90", sandbox_outcome: "Failed" },
    });
    expect(plan).toEqual({ outcome: "Failed", endsAtPoll: 2, durationMs: 90 * 60_000 });
    const minute = 60_000;
    // The first tenth NotStarted; the end exactly at 90 minutes, not a millisecond before.
    expect(
      [0, 9 * minute - 1, 9 * minute, 90 * minute - 1, 90 * minute, 300 * minute].map(
        (elapsedMs) => sandboxPipelineRun("r", plan, 7, elapsedMs).Status.StatusCode,
      ),
    ).toEqual([0, 0, 1, 1, 2, 2]);
    expect(sandboxRunPlan({ ParameterAssignments: { sandbox_duration_minutes: "soon" } })).toEqual({
      outcome: "Finished",
      endsAtPoll: 2,
    });
  });
});
