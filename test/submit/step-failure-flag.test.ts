import { describe, expect, it } from "vitest";
import {
  deliverRun,
  ENDPOINT_ID,
  jsonOf,
  loopbackWorkspacePerTest,
  PIPELINE_ID,
  postedBodies,
  type ApiOnLoopbackWorkspace,
} from "../api/loopback-workspace.js";

/**
 * CONTRACT 3: the step-failure flag is sent only when the schedule (or the API request) sets it, and then under
 * both `ContinueRunOnStepFailure` (the SDK's request model) and `ContinueOnStepFailure` (Data Factory), so that a
 * pipeline published with `continue_on_step_failure=True` keeps it unless the caller says otherwise.
 */

const start = loopbackWorkspacePerTest();

/** A schedule that does not fire by itself (1 January), run now once: what its run POSTs. */
async function runNowBody(
  { api, endpoint }: ApiOnLoopbackWorkspace,
  scheduleId: string,
): Promise<Record<string, unknown>> {
  const run = await api.call("POST", `/schedules/${scheduleId}/trigger`);
  expect(run.status).toBe(202);
  await deliverRun(api, String((await jsonOf(run)).id));
  return postedBodies(endpoint).at(-1) as Record<string, unknown>;
}

async function createSchedule(
  { api }: ApiOnLoopbackWorkspace,
  name: string,
  extra: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const created = await api.call("POST", "/schedules", {
    body: {
      name,
      target: { pipelineId: PIPELINE_ID },
      experimentName: "Nightly",
      trigger: { type: "cron", expression: "0 0 1 1 *" },
      ...extra,
    },
  });
  expect(created.status).toBe(201);
  return jsonOf(created);
}

const runNowOf = (scheduleId: string, name: string) => ({
  ExperimentName: "Nightly",
  ParameterAssignments: {},
  DataPathAssignments: {},
  RunSource: "API",
  Description: `Run now of schedule ${name}`,
  Tags: { scheduleId, scheduleName: name },
});

describe("the step-failure flag of a schedule", () => {
  it("is sent under neither key when the schedule does not set it, and the schedule shows none", async () => {
    const stack = await start();
    const schedule = await createSchedule(stack, "unset", {});
    expect(schedule).not.toHaveProperty("continueOnStepFailure");
    const id = String(schedule.id);
    expect(await runNowBody(stack, id)).toEqual(runNowOf(id, "unset"));
  });

  it.each([true, false])("is sent as %j under both keys when the schedule sets it", async (flag) => {
    const stack = await start();
    const schedule = await createSchedule(stack, "set", { continueOnStepFailure: flag });
    expect(schedule.continueOnStepFailure).toBe(flag);
    const id = String(schedule.id);
    expect(await runNowBody(stack, id)).toEqual({
      ...runNowOf(id, "set"),
      ContinueRunOnStepFailure: flag,
      ContinueOnStepFailure: flag,
    });
  });

  it("is removed by a merge patch with null, and then sent no more", async () => {
    const stack = await start();
    const id = String((await createSchedule(stack, "removed", { continueOnStepFailure: true })).id);
    const patched = await stack.api.call("PATCH", `/schedules/${id}`, {
      body: { continueOnStepFailure: null },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(patched.status).toBe(200);
    expect(await jsonOf(patched)).not.toHaveProperty("continueOnStepFailure");
    expect(await jsonOf(await stack.api.call("GET", `/schedules/${id}`))).not.toHaveProperty(
      "continueOnStepFailure",
    );
    expect(await runNowBody(stack, id)).toEqual(runNowOf(id, "removed"));
  });

  it("is set by a merge patch", async () => {
    const stack = await start();
    const id = String((await createSchedule(stack, "later", {})).id);
    const patched = await stack.api.call("PATCH", `/schedules/${id}`, {
      body: { continueOnStepFailure: true },
    });
    expect(patched.status).toBe(200);
    expect(await runNowBody(stack, id)).toMatchObject({
      ContinueRunOnStepFailure: true,
      ContinueOnStepFailure: true,
    });
  });

  it("must be a boolean", async () => {
    const stack = await start();
    const response = await stack.api.call("POST", "/schedules", {
      body: {
        name: "bad",
        target: { pipelineId: PIPELINE_ID },
        experimentName: "Nightly",
        trigger: { type: "cron", expression: "0 0 1 1 *" },
        continueOnStepFailure: "yes",
      },
    });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).errors).toEqual([
      { path: "continueOnStepFailure", message: "Invalid input: expected boolean, received string" },
    ]);
  });
});

describe("the step-failure flag of the PascalCase submit routes", () => {
  const submitBody = (extra: Record<string, unknown>) => ({ ExperimentName: "LogicApp", ...extra });
  const sentBody = {
    ExperimentName: "LogicApp",
    ParameterAssignments: {},
    DataPathAssignments: {},
    RunSource: "API",
    Description: "Submitted through the aml-pipeline-scheduler API",
    Tags: {},
  };

  it.each([
    ["neither key", {}, {}],
    [
      "ContinueOnStepFailure",
      { ContinueOnStepFailure: true },
      { ContinueRunOnStepFailure: true, ContinueOnStepFailure: true },
    ],
    [
      "ContinueRunOnStepFailure",
      { ContinueRunOnStepFailure: false },
      { ContinueRunOnStepFailure: false, ContinueOnStepFailure: false },
    ],
    [
      "both keys, agreeing",
      { ContinueRunOnStepFailure: true, ContinueOnStepFailure: true },
      { ContinueRunOnStepFailure: true, ContinueOnStepFailure: true },
    ],
  ])("given %s, sends exactly the flag given, under both keys", async (_given, flag, sentFlag) => {
    const stack = await start();
    for (const path of [`/pipelines/${PIPELINE_ID}/submit`, `/pipelineEndpoints/${ENDPOINT_ID}/submit`]) {
      const response = await stack.api.call("POST", path, { body: submitBody(flag) });
      expect(response.status, path).toBe(202);
      const run = await jsonOf(response);
      expect(run.request, path).toEqual({ ...sentBody, ...sentFlag });
      await deliverRun(stack.api, String(run.id));
    }
    expect(postedBodies(stack.endpoint)).toEqual([
      { ...sentBody, ...sentFlag },
      { ...sentBody, ...sentFlag },
    ]);
  });

  it("refuses the two keys when they disagree, naming the field, and submits nothing", async () => {
    const stack = await start();
    const response = await stack.api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
      body: submitBody({ ContinueRunOnStepFailure: true, ContinueOnStepFailure: false }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await jsonOf(response)).errors).toEqual([
      {
        path: "ContinueRunOnStepFailure",
        message: "must equal ContinueOnStepFailure when both are given (they are one setting)",
      },
    ]);
    expect(stack.endpoint.received).toHaveLength(0);
  });
});
