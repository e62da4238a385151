import { describe, expect, it } from "vitest";
import type { EndpointAnswer } from "../submit/loopback-endpoint.js";
import {
  deliverRun,
  ENDPOINT_ID,
  jsonOf,
  loopbackWorkspacePerTest,
  PIPELINE_ID,
  SUBMISSION_ACCEPTED as submitted,
  type ApiOnLoopbackWorkspace,
} from "./loopback-workspace.js";

/**
 * CONTRACT 4: Logic Apps and Data Factory poll the `Location` of a 202 as is, so on the submit's 202 and on every
 * 202 of the wait it is absolute, `<scheme>://<host>/api/runs/{runId}/wait`, with `?code=` when the request had a
 * function key (query or `x-functions-key`), and the host and scheme a proxy forwarded when there is one.
 */

const running: EndpointAnswer = { status: 200, json: { Id: "pr-1", Status: { StatusCode: 1 } } };
const finished: EndpointAnswer = { status: 200, json: { Id: "pr-1", Status: { StatusCode: 3 } } };

const start = loopbackWorkspacePerTest();

/** `http://127.0.0.1:<port>`, where the API under test listens. */
const originOf = (stack: ApiOnLoopbackWorkspace) => new URL(stack.api.url).origin;

async function submit(
  stack: ApiOnLoopbackWorkspace,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ response: Response; runId: string }> {
  const response = await stack.api.call("POST", path, { body: { ExperimentName: "Polls" }, headers });
  expect(response.status).toBe(202);
  return { response, runId: String((await jsonOf(response)).id) };
}

describe("the Location of the submit's 202", () => {
  it("is absolute and carries the key given in the query", async () => {
    const stack = await start();
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit?code=abc`);
    expect(response.headers.get("location")).toBe(`${originOf(stack)}/api/runs/${runId}/wait?code=abc`);
  });

  it("carries the key given in x-functions-key as ?code=, encoded", async () => {
    const stack = await start();
    const { response, runId } = await submit(
      stack,
      `/pipelineEndpoints/${ENDPOINT_ID}/submit?pipelineVersion=2`,
      {
        "x-functions-key": "k3y+/=",
      },
    );
    expect(response.headers.get("location")).toBe(
      `${originOf(stack)}/api/runs/${runId}/wait?code=k3y%2B%2F%3D`,
    );
  });

  it("carries no query when the request had no key", async () => {
    const stack = await start();
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit`);
    expect(response.headers.get("location")).toBe(`${originOf(stack)}/api/runs/${runId}/wait`);
  });

  it("names the host and scheme a proxy or custom domain forwarded", async () => {
    const stack = await start();
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit?code=abc`, {
      "x-forwarded-host": "scheduler.contoso.com",
      "x-forwarded-proto": "https",
    });
    expect(response.headers.get("location")).toBe(
      `https://scheduler.contoso.com/api/runs/${runId}/wait?code=abc`,
    );
  });

  it("takes the client-facing (first) entry of chained forwarded headers, with its port", async () => {
    const stack = await start();
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit`, {
      "x-forwarded-host": "edge.contoso.com:8443, scheduler-app.azurewebsites.net",
      "x-forwarded-proto": "https, http",
    });
    expect(response.headers.get("location")).toBe(`https://edge.contoso.com:8443/api/runs/${runId}/wait`);
  });

  it("uses the scheme alone when only it is forwarded (TLS ended in front of the app)", async () => {
    const stack = await start();
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit`, {
      "x-forwarded-proto": "https",
    });
    expect(response.headers.get("location")).toBe(
      `https://${new URL(stack.api.url).host}/api/runs/${runId}/wait`,
    );
  });

  it("ignores forwarded values that are not a host or an http(s) scheme", async () => {
    const stack = await start();
    for (const headers of [
      { "x-forwarded-host": "evil.example/steal?x=", "x-forwarded-proto": "javascript" },
      { "x-forwarded-host": "user@evil.example", "x-forwarded-proto": "" },
      { "x-forwarded-host": "a b", "x-forwarded-proto": "ftp" },
    ]) {
      const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit?code=abc`, headers);
      expect(response.headers.get("location")).toBe(`${originOf(stack)}/api/runs/${runId}/wait?code=abc`);
    }
  });
});

describe("the Location of every 202 of the wait", () => {
  it("is the same absolute URL with the key, and following it as given ends in 200", async () => {
    const stack = await start([submitted, running, finished]);
    const { response, runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit`, {
      "x-functions-key": "abc",
    });
    const location = response.headers.get("location") ?? "";
    const expected = `${originOf(stack)}/api/runs/${runId}/wait?code=abc`;
    expect(location).toBe(expected);

    // Submission still Pending: 202, and the Location again.
    const pending = await fetch(location);
    expect(pending.status).toBe(202);
    expect(pending.headers.get("location")).toBe(expected);

    await deliverRun(stack.api, runId);
    const runningAnswer = await fetch(location);
    expect(runningAnswer.status).toBe(202);
    expect(runningAnswer.headers.get("location")).toBe(expected);

    stack.api.setNow("2026-11-21T10:00:05.000Z");
    const done = await fetch(location);
    expect(done.status).toBe(200);
    expect(done.headers.get("location")).toBeNull();
    expect(await jsonOf(done)).toMatchObject({ id: runId, pipelineStatus: "Finished" });
  });

  it("follows the forwarded host of the poll itself", async () => {
    const stack = await start([submitted, running]);
    const { runId } = await submit(stack, `/pipelines/${PIPELINE_ID}/submit`);
    await deliverRun(stack.api, runId);
    const polled = await stack.api.call("GET", `/runs/${runId}/wait?code=xyz`, {
      headers: { "x-forwarded-host": "scheduler.contoso.com", "x-forwarded-proto": "https" },
    });
    expect(polled.status).toBe(202);
    expect(polled.headers.get("location")).toBe(
      `https://scheduler.contoso.com/api/runs/${runId}/wait?code=xyz`,
    );
  });
});
