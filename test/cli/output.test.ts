import { describe, expect, it } from "vitest";
import { durationText, runDetails, runsTable } from "../../src/cli/output.js";
import type { Run } from "../../src/runs/run-record.js";

const STUDIO =
  "https://ml.azure.com/runs/0f1e2d3c?wsid=/subscriptions/1111/resourcegroups/ml-rg/workspaces/ml-ws";

function run(overrides: Partial<Run>): Run {
  return {
    id: "0123456789abcdef0123456789abcdef-8203835894730497a875f",
    scheduleId: "0123456789abcdef0123456789abcdef",
    scheduleName: "nightly",
    reason: "recurrence",
    scheduledFor: "2026-11-22T02:30:00.000Z",
    createdAt: "2026-11-22T02:30:00.120Z",
    submittedAt: "2026-11-22T02:30:01.000Z",
    status: "Submitted",
    attempts: 1,
    pipelineRunId: "0f1e2d3c",
    httpStatus: 200,
    error: null,
    changedBlob: null,
    request: {},
    outcome: "Finished",
    durationMs: 90 * 60_000,
    studioUrl: STUDIO,
    ...overrides,
  };
}

describe("aml-schedule runs", () => {
  it("shows each run's outcome, duration and studio link, or the run id where there is no studio", () => {
    const text = runsTable([
      run({}),
      run({
        id: "second",
        outcome: "Running",
        durationMs: null,
        studioUrl: null,
        pipelineRunId: "sandbox-1",
      }),
      run({
        id: "third",
        status: "Failed",
        outcome: "Failed",
        durationMs: null,
        studioUrl: null,
        pipelineRunId: null,
        httpStatus: 404,
        error: "No such pipeline",
      }),
    ]);
    const [header, ...rows] = text.split("\n");
    expect(header).toMatch(/^ID +REASON +OUTCOME +SCHEDULED FOR +CREATED +DURATION +PIPELINE RUN +ERROR$/);
    expect(rows[0]).toMatch(
      new RegExp(
        `recurrence +Finished +2026-11-22T02:30:00\\.000Z +\\S+ +1 h 30 min +${STUDIO.replace(/[?/.]/g, "\\$&")}$`,
      ),
    );
    expect(rows[1]).toMatch(/^second +recurrence +Running +\S+ +\S+ +- +sandbox-1$/);
    expect(rows[2]).toMatch(/^third +recurrence +Failed +\S+ +\S+ +- +- +No such pipeline$/);
  });

  it("shows the outcome, duration and link of one run", () => {
    expect(runDetails(run({}))).toMatch(
      /Outcome: +Finished\n[\s\S]*Duration: +1 h 30 min\nStudio: +https:\/\/ml\.azure\.com\/runs\//,
    );
    expect(runDetails(run({ studioUrl: null, durationMs: null }))).not.toContain("Studio");
  });
});

describe("durationText", () => {
  it.each([
    [null, "-"],
    [0, "0 s"],
    [499, "0 s"],
    [45_000, "45 s"],
    [59_499, "59 s"],
    [60_000, "1 min"],
    [12 * 60_000 + 5_000, "12 min 5 s"],
    [3_600_000, "1 h"],
    [90 * 60_000, "1 h 30 min"],
    [86_400_000, "1 d"],
    [51 * 3_600_000, "2 d 3 h"],
  ])("%s ms is %s", (durationMs, text) => {
    expect(durationText(durationMs)).toBe(text);
  });
});
