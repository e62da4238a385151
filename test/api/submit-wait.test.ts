import { afterEach, describe, expect, it } from "vitest";
import type { EndpointAnswer, LoopbackEndpoint } from "../submit/loopback-endpoint.js";
import type { ApiUnderTest } from "./api-harness.js";
import {
  deliverRun,
  jsonOf as json,
  startApiOnLoopbackWorkspace,
  WORKSPACE_PATH,
  type ApiOnLoopbackWorkspace,
} from "./loopback-workspace.js";

const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const ENDPOINT_ID = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff";
const T0 = "2026-11-21T10:00:00.000Z";

const BODY = {
  ExperimentName: "LogicAppRuns",
  ParameterAssignments: { pipeline_arg: 20, flag: true },
  DataPathAssignments: { input_datapath: { DataStoreName: "workspaceblobstore", RelativePath: "in/f.csv" } },
  Tags: { caller: "logic-app" },
};

const running = (detail = "Running"): EndpointAnswer => ({
  status: 200,
  json: { Id: "pr-1", Status: { StatusCode: 1, StatusDetail: detail } },
});
const ended = (code: number, detail: string): EndpointAnswer => ({
  status: 200,
  json: { Id: "pr-1", Status: { StatusCode: code, StatusDetail: detail } },
});
const submitted: EndpointAnswer = { status: 200, json: { Id: "pr-1", Status: { StatusCode: 0 } } };

describe("submit and wait (Logic Apps / Data Factory)", () => {
  let harness: ApiOnLoopbackWorkspace | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  /** The API with its workspace on a loopback endpoint that answers `answers` in turn (the submit POST first). */
  async function start(
    answers: EndpointAnswer[],
  ): Promise<{ api: ApiUnderTest; endpoint: LoopbackEndpoint }> {
    harness = await startApiOnLoopbackWorkspace(T0, answers);
    return harness;
  }

  const deliver = deliverRun;

  const statusGets = (target: LoopbackEndpoint) =>
    target.received.filter((request) => request.method === "GET");

  it("answers 202 with the run and a Location, then the wait answers 202 until the pipeline run finished, then 200", async () => {
    const { api, endpoint } = await start([submitted, running(), ended(3, "Finished")]);
    const accepted = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY });
    expect(accepted.status).toBe(202);
    const run = await json(accepted);
    const runId = String(run.id);
    expect(runId).toMatch(/^api-\d{13}[0-9a-f]{8}$/);
    const origin = new URL(api.url).origin;
    expect(accepted.headers.get("location")).toBe(`${origin}/api/runs/${runId}/wait`);
    expect(accepted.headers.get("retry-after")).toBe("2");
    expect(run).toEqual({
      id: runId,
      scheduleId: null,
      scheduleName: null,
      reason: "api",
      scheduledFor: null,
      createdAt: T0,
      submittedAt: null,
      status: "Pending",
      attempts: 0,
      pipelineRunId: null,
      httpStatus: null,
      error: null,
      changedBlob: null,
      fireLagMs: null,
      request: {
        ExperimentName: "LogicAppRuns",
        ParameterAssignments: { pipeline_arg: "20", flag: "True" },
        DataPathAssignments: {
          input_datapath: { DataStoreName: "workspaceblobstore", RelativePath: "in/f.csv" },
        },
        RunSource: "API",
        Description: "Submitted through the aml-pipeline-scheduler API",
        Tags: { caller: "logic-app" },
      },
      pipelineStatus: null,
      pipelineStatusDetail: null,
      pipelineStatusAt: null,
      finishedAt: null,
      // Derived, read-only (run-outcome.ts): not Submitted yet, so its status; no end and no pipeline run id yet.
      outcome: "Pending",
      durationMs: null,
      studioUrl: null,
    });

    const pending = await api.call("GET", `/runs/${runId}/wait`);
    expect(pending.status).toBe(202);
    expect(pending.headers.get("retry-after")).toBe("2");
    expect(pending.headers.get("location")).toBe(`${origin}/api/runs/${runId}/wait`);
    expect(await json(pending)).toMatchObject({ status: "Pending", pipelineStatus: null });
    expect(endpoint.received).toHaveLength(0);

    await deliver(api, runId);
    expect(endpoint.received[0]).toMatchObject({
      method: "POST",
      path: `${WORKSPACE_PATH}/PipelineRuns/PipelineSubmit/${PIPELINE_ID}`,
    });

    const runningAnswer = await api.call("GET", `/runs/${runId}/wait`);
    expect(runningAnswer.status).toBe(202);
    expect(runningAnswer.headers.get("retry-after")).toBe("5");
    expect(await json(runningAnswer)).toMatchObject({
      status: "Submitted",
      pipelineRunId: "pr-1",
      pipelineStatus: "Running",
      pipelineStatusDetail: "Running",
      pipelineStatusAt: T0,
    });
    expect(statusGets(endpoint).map((request) => request.path)).toEqual([
      `${WORKSPACE_PATH}/PipelineRuns/pr-1`,
    ]);
    // The loopback host is not in AML_TOKEN_HOSTS: no token goes there.
    expect(statusGets(endpoint)[0]?.headers.authorization).toBeUndefined();

    api.setNow("2026-11-21T10:00:05.000Z");
    const finished = await api.call("GET", `/runs/${runId}/wait`);
    expect(finished.status).toBe(200);
    expect(finished.headers.get("location")).toBeNull();
    expect(await json(finished)).toMatchObject({
      id: runId,
      status: "Submitted",
      pipelineStatus: "Finished",
      pipelineStatusAt: "2026-11-21T10:00:05.000Z",
    });
    // A finished run is never asked about again.
    api.setNow("2026-11-21T10:01:00.000Z");
    expect((await api.call("GET", `/runs/${runId}/wait`)).status).toBe(200);
    expect(statusGets(endpoint)).toHaveLength(2);
  });

  it("asks Azure ML at most once per 5 seconds per run however fast the wait is polled", async () => {
    const { api, endpoint } = await start([submitted, running()]);
    const runId = String(
      (await json(await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY }))).id,
    );
    await deliver(api, runId);
    const startMs = Date.parse(T0);
    // 60 polls, 10 at a time, at 100 ms steps of the clock: 6 seconds.
    const answers: number[] = [];
    for (let step = 0; step < 60; step += 10) {
      api.setNow(new Date(startMs + step * 100).toISOString());
      const batch = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.call("GET", `/runs/${runId}/wait`).then((response) => response.status),
        ),
      );
      answers.push(...batch);
    }
    expect(answers.every((status) => status === 202)).toBe(true);
    // One GET at 0 s, one once 5 s had passed (at 5.0 s); none in between.
    expect(statusGets(endpoint)).toHaveLength(2);
  });

  it("ends the wait with 424 and the reason when the pipeline run failed", async () => {
    const { api } = await start([submitted, ended(2, "Step train failed")]);
    const runId = String(
      (await json(await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY }))).id,
    );
    await deliver(api, runId);
    const failed = await api.call("GET", `/runs/${runId}/wait`);
    expect(failed.status).toBe(424);
    expect(failed.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(failed)).toEqual({
      type: "about:blank",
      title: "Failed Dependency",
      status: 424,
      detail: `The pipeline run pr-1 of run ${runId} failed: Step train failed`,
      runId,
      runStatus: "Submitted",
      pipelineRunId: "pr-1",
      pipelineStatus: "Failed",
      pipelineStatusDetail: "Step train failed",
    });
  });

  it("ends the wait with 424 when the pipeline run was canceled", async () => {
    const { api } = await start([submitted, running(), ended(4, "Canceled")]);
    const runId = String(
      (await json(await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY }))).id,
    );
    await deliver(api, runId);
    expect((await api.call("GET", `/runs/${runId}/wait`)).status).toBe(202);
    api.setNow("2026-11-21T10:00:06.000Z");
    const canceled = await api.call("GET", `/runs/${runId}/wait`);
    expect(canceled.status).toBe(424);
    expect(await json(canceled)).toMatchObject({
      detail: `The pipeline run pr-1 of run ${runId} was canceled: Canceled`,
      pipelineStatus: "Canceled",
    });
  });

  it("ends the wait with 424 when the submission itself failed", async () => {
    const { api } = await start([
      { status: 400, json: { error: { message: "Unknown parameter pipeline_arg" } } },
    ]);
    const runId = String(
      (await json(await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY }))).id,
    );
    await deliver(api, runId);
    const failed = await api.call("GET", `/runs/${runId}/wait`);
    expect(failed.status).toBe(424);
    expect(await json(failed)).toMatchObject({
      detail: `The submission of run ${runId} failed: Unknown parameter pipeline_arg`,
      runStatus: "Failed",
      pipelineRunId: null,
      pipelineStatus: null,
    });
  });

  it("answers 502 when Azure ML refuses the status, and asks again only after the interval", async () => {
    const { api, endpoint } = await start([
      submitted,
      { status: 403, json: { error: { message: "No access" } } },
    ]);
    const runId = String(
      (await json(await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: BODY }))).id,
    );
    await deliver(api, runId);
    const refused = await api.call("GET", `/runs/${runId}/wait`);
    expect(refused.status).toBe(502);
    expect(String((await json(refused)).detail)).toContain("answered 403: No access");
    expect((await api.call("GET", `/runs/${runId}/wait`)).status).toBe(502);
    expect(statusGets(endpoint)).toHaveLength(1);
  });

  it("submits a pipeline endpoint with its version and keeps the function key in the Location", async () => {
    const { api, endpoint } = await start([submitted]);
    const accepted = await api.call(
      "POST",
      `/pipelineEndpoints/${ENDPOINT_ID}/submit?pipelineVersion=2&code=k3y`,
      {
        body: { ExperimentName: "Nightly" },
      },
    );
    expect(accepted.status).toBe(202);
    const runId = String((await json(accepted)).id);
    const origin = new URL(api.url).origin;
    expect(accepted.headers.get("location")).toBe(`${origin}/api/runs/${runId}/wait?code=k3y`);
    await deliver(api, runId);
    expect(endpoint.received[0]?.path).toBe(
      `${WORKSPACE_PATH}/PipelineRuns/PipelineEndpointSubmit/Id/${ENDPOINT_ID}/2`,
    );
    const waited = await api.call("GET", `/runs/${runId}/wait?code=k3y`);
    expect(waited.headers.get("location")).toBe(`${origin}/api/runs/${runId}/wait?code=k3y`);
  });

  it("rejects invalid bodies and ids with 400 problem+json naming each field, and creates nothing", async () => {
    const { api, endpoint } = await start([submitted]);
    const cases: [string, unknown, { path: string; message: string }[]][] = [
      [`/pipelines/${PIPELINE_ID}/submit`, {}, [{ path: "ExperimentName", message: "is required" }]],
      [
        `/pipelines/${PIPELINE_ID}/submit`,
        { ExperimentName: "E", experimentName: "E", ParameterAssignments: { p: { nested: 1 } } },
        [
          { path: "ParameterAssignments.p", message: "must be a string, a number or a boolean" },
          { path: "experimentName", message: "unknown field" },
        ],
      ],
      [
        `/pipelines/${PIPELINE_ID}/submit`,
        { ExperimentName: "has space", ContinueOnStepFailure: "yes" },
        [
          { path: "ContinueOnStepFailure", message: "Invalid input: expected boolean, received string" },
          { path: "ExperimentName", message: "must be 1-255 characters of letters, digits, '-' or '_'" },
        ],
      ],
      [
        "/pipelines/not-a-guid/submit",
        { ExperimentName: "E" },
        [{ path: "pipelineId", message: "must be a published pipeline id (a GUID)" }],
      ],
    ];
    for (const [path, body, errors] of cases) {
      const response = await api.call("POST", path, { body });
      expect(response.status, path).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = await json(response);
      expect(problem.status).toBe(400);
      expect(
        [...(problem.errors as { path: string; message: string }[])].sort((a, b) =>
          a.path < b.path ? -1 : 1,
        ),
      ).toEqual(errors);
    }
    const notJson = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, { body: "{", headers: {} });
    expect(notJson.status).toBe(400);
    expect(endpoint.received).toHaveLength(0);
  });

  it("answers 404 for the wait of an unknown run", async () => {
    const { api } = await start([submitted]);
    const missing = await api.call("GET", "/runs/api-00000000000000000000a/wait");
    expect(missing.status).toBe(404);
  });
});
