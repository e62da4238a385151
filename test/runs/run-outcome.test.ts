import { describe, expect, it } from "vitest";
import {
  derivedRunFields,
  runDurationMs,
  runOutcome,
  studioRunUrl,
  studioWorkspaceIdOfUrl,
  type RunOutcomeInputs,
} from "../../src/runs/run-outcome.js";

const V1_URL =
  "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/PipelineRuns/PipelineSubmit/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const WSID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/ml-rg/workspaces/ml-ws";

function run(overrides: Partial<RunOutcomeInputs> = {}): RunOutcomeInputs {
  return {
    status: "Submitted",
    submittedAt: "2026-11-22T10:30:01.000Z",
    pipelineRunId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    endpointUrl: V1_URL,
    ...overrides,
  };
}

describe("runOutcome", () => {
  it.each([
    ["Pending", undefined, "Pending"],
    ["Failed", undefined, "Failed"],
    ["Skipped", undefined, "Skipped"],
    ["Deferred", undefined, "Deferred"],
    ["Submitted", undefined, "Submitted"],
    ["Submitted", null, "Submitted"],
    ["Submitted", "NotStarted", "NotStarted"],
    ["Submitted", "Running", "Running"],
    ["Submitted", "Finished", "Finished"],
    ["Submitted", "Failed", "Failed"],
    ["Submitted", "Canceled", "Canceled"],
    // A word the service does not know is not an outcome of its own.
    ["Submitted", "Paused", "Submitted"],
    // A submission that failed stays Failed, whatever was read before.
    ["Failed", "Running", "Failed"],
  ] as const)("status %s with pipelineStatus %s is %s", (status, pipelineStatus, outcome) => {
    expect(runOutcome(run({ status, ...(pipelineStatus === undefined ? {} : { pipelineStatus }) }))).toBe(
      outcome,
    );
  });
});

describe("runDurationMs", () => {
  it("is finishedAt minus submittedAt, to the millisecond", () => {
    expect(runDurationMs(run({ finishedAt: "2026-11-22T12:00:01.250Z" }))).toBe(90 * 60_000 + 250);
  });

  it("is 0 when the end was read in the same instant, and never negative across clocks", () => {
    expect(runDurationMs(run({ finishedAt: "2026-11-22T10:30:01.000Z" }))).toBe(0);
    expect(runDurationMs(run({ finishedAt: "2026-11-22T10:30:00.500Z" }))).toBe(0);
  });

  it("is null until the end is known, and for a run never submitted", () => {
    expect(runDurationMs(run())).toBeNull();
    expect(runDurationMs(run({ finishedAt: null }))).toBeNull();
    expect(runDurationMs(run({ submittedAt: null, finishedAt: "2026-11-22T12:00:00.000Z" }))).toBeNull();
  });
});

describe("studioRunUrl", () => {
  it("links a v1 pipeline run to its workspace, as Run.get_portal_url() does", () => {
    expect(studioRunUrl(run())).toBe(
      `https://ml.azure.com/runs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0?wsid=${WSID}`,
    );
  });

  it("reads the workspace of every v1 submit URL form and of a v2 job's ARM URL", () => {
    const base =
      "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/PipelineRuns";
    for (const url of [
      `${base}/PipelineEndpointSubmit/Id/bbbbbbbb-cccc-dddd-eeee-ffffffffffff/2`,
      `${base}/PipelineEndpointSubmit/Name?name=nightly&pipelineVersion=2`,
      "https://management.azure.com/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/jobs/run-1?api-version=2024-10-01",
    ]) {
      expect(studioWorkspaceIdOfUrl(url)).toBe(WSID);
    }
  });

  it("escapes the run id, and has no link before Azure ML gave one, for loopback, or without a workspace", () => {
    expect(studioRunUrl(run({ pipelineRunId: "a b/c" }))).toBe(
      `https://ml.azure.com/runs/a%20b%2Fc?wsid=${WSID}`,
    );
    expect(studioRunUrl(run({ pipelineRunId: null }))).toBeNull();
    expect(
      studioRunUrl(
        run({
          endpointUrl: V1_URL.replace(
            "https://westeurope.api.azureml.ms",
            "http://127.0.0.1:7071/api/sandbox",
          ),
        }),
      ),
    ).toBeNull();
    expect(
      studioRunUrl(run({ endpointUrl: "https://scoring.westeurope.inference.ml.azure.com/jobs" })),
    ).toBeNull();
    expect(studioRunUrl(run({ endpointUrl: "not a url" }))).toBeNull();
  });
});

describe("derivedRunFields", () => {
  it("gives all three, for a run that has not been followed (no pipelineStatus at all)", () => {
    expect(derivedRunFields(run({ status: "Failed", pipelineRunId: null, submittedAt: null }))).toEqual({
      outcome: "Failed",
      durationMs: null,
      studioUrl: null,
    });
  });
});
