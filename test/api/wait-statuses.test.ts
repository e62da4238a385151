import { describe, expect, it } from "vitest";
import type { EndpointAnswer } from "../submit/loopback-endpoint.js";
import {
  deliverRun,
  jsonOf,
  loopbackWorkspacePerTest,
  PIPELINE_ID,
  SUBMISSION_ACCEPTED,
  T0,
} from "./loopback-workspace.js";

/**
 * CONTRACT 4, the wait row and the run fields: the wait keeps answering 202 for every status the SDK would keep
 * waiting on, whatever word Azure ML uses; only an answer that is not a pipeline run, or a refused status read,
 * is a 502.
 */

const start = loopbackWorkspacePerTest();

/** Submits once, lets the worker POST it, then answers the first status read with `statusAnswer`. */
async function waitAnswerFor(statusAnswer: EndpointAnswer): Promise<Response> {
  const { api } = await start([SUBMISSION_ACCEPTED, statusAnswer]);
  const accepted = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit?code=abc`, {
    body: { ExperimentName: "Waits" },
  });
  const runId = String((await jsonOf(accepted)).id);
  await deliverRun(api, runId);
  return api.call("GET", `/runs/${runId}/wait?code=abc`);
}

const entity = (status: unknown): EndpointAnswer => ({ status: 200, json: { Id: "pr-1", Status: status } });

describe("GET /runs/{id}/wait while the pipeline run has not ended", () => {
  it.each([
    ["no Status at all", { status: 200, json: { Id: "pr-1" } }, "NotStarted", null],
    ["a null Status", entity(null), "NotStarted", null],
    ["StatusCode 0", entity({ StatusCode: 0 }), "NotStarted", null],
    ["Queued", entity({ StatusCode: "Queued" }), "NotStarted", "Queued"],
    [
      "StatusCode 1",
      entity({ StatusCode: 1, StatusDetail: "Running step train" }),
      "Running",
      "Running step train",
    ],
    ["Unknown", entity({ StatusCode: "Unknown" }), "Running", "Unknown"],
    ["NotResponding", entity({ StatusCode: "NotResponding" }), "Running", "NotResponding"],
    ["Paused", entity("Paused"), "Running", "Paused"],
    ["a status the service does not know", entity({ StatusCode: "Hibernating" }), "Running", "Hibernating"],
    ["a code the service does not know", entity({ StatusCode: 9 }), "Running", "9"],
  ] as const)(
    "answers 202 for %s, %j: pipelineStatus %s, detail %j",
    async (_case, answer, pipelineStatus, detail) => {
      const response = await waitAnswerFor(answer);
      expect(response.status).toBe(202);
      expect(response.headers.get("retry-after")).toBe("5");
      const body = await jsonOf(response);
      expect(body).toMatchObject({
        status: "Submitted",
        pipelineRunId: "pr-1",
        pipelineStatus,
        pipelineStatusDetail: detail,
        pipelineStatusAt: T0,
      });
      expect(body).not.toHaveProperty("pipelineRunStatus");
    },
  );

  it("answers 202 when Azure ML fails for now (5xx), and asks again at the next interval", async () => {
    const response = await waitAnswerFor({ status: 503, text: "busy" });
    expect(response.status).toBe(202);
    expect(await jsonOf(response)).toMatchObject({ pipelineStatus: null, pipelineStatusAt: T0 });
  });
});

describe("GET /runs/{id}/wait when the status cannot be read", () => {
  it.each([
    ["an answer that is not JSON", { status: 200, text: "<html>sign in</html>" }, "is not a pipeline run"],
    ["a JSON answer that is not an object", { status: 200, json: ["pr-1"] }, "is not a pipeline run"],
    ["a StatusCode of no readable type", entity({ StatusCode: true }), "is not a pipeline run"],
    ["a refused read", { status: 403, json: { error: { message: "No access" } } }, "answered 403: No access"],
  ] as const)("answers 502 for %s", async (_case, answer, detail) => {
    const response = await waitAnswerFor(answer);
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await jsonOf(response);
    expect(String(problem.detail)).toContain(detail);
    expect(problem).toMatchObject({ runStatus: "Submitted", pipelineRunId: "pr-1", pipelineStatus: null });
  });
});

describe("GET /runs/{id}/wait when the pipeline run ended", () => {
  it("names the ended status and its detail under pipelineStatus and pipelineStatusDetail", async () => {
    const finished = await waitAnswerFor(entity({ StatusCode: "Finished" }));
    expect(finished.status).toBe(200);
    expect(await jsonOf(finished)).toMatchObject({ pipelineStatus: "Finished", pipelineStatusDetail: null });
    const failed = await waitAnswerFor(entity({ StatusCode: 2, StatusDetail: "Step train failed" }));
    expect(failed.status).toBe(424);
    expect(await jsonOf(failed)).toMatchObject({
      detail: expect.stringContaining("failed: Step train failed") as unknown,
      pipelineStatus: "Failed",
    });
  });
});
