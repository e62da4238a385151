import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterEach, describe, expect, it } from "vitest";
import { postPipelineRun, type AmlSubmitBody, type PipelineRunRequest } from "../../src/submit/index.js";
import {
  RecordingCredential,
  startLoopbackEndpoint,
  type EndpointAnswer,
  type LoopbackEndpoint,
} from "./loopback-endpoint.js";
import { fetchUnderNames, startTlsEndpoint, type TlsEndpoint } from "../support/tls-endpoint.js";
import { acceptingAnyCertificate } from "../support/tls-recorder.js";

const SCOPE = "https://management.azure.com/.default";
const TOKEN = "eyJ0eXAi.test-token.signature";
const now = new Date("2026-11-21T10:00:00.000Z");
const body: AmlSubmitBody = {
  ExperimentName: "MyExperiment",
  ParameterAssignments: { pipeline_arg: "20", flag: "True" },
  DataPathAssignments: {
    input_datapath: { DataStoreName: "workspaceblobstore", RelativePath: "incoming/daily/f.csv" },
  },
  RunSource: "API",
  ContinueOnStepFailure: false,
  Description: "Scheduled by nightly-retrain for 2026-11-22T10:30:00.000Z",
  Tags: {
    scheduleId: "7c6f0c1e2b3a4d5e8f90a1b2c3d4e5f6",
    scheduleName: "nightly-retrain",
    scheduledFor: "2026-11-22T10:30:00.000Z",
  },
};

const endpoints: (LoopbackEndpoint | TlsEndpoint)[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

/** The pipelines host as Azure names it; a TLS server on loopback answers for it (no token ever goes to loopback). */
const PIPELINES_HOST = "westeurope.api.azureml.ms";

/** A stand-in for PIPELINES_HOST answering `answers` in turn, and the submission of a POST to it. */
async function namedEndpoint(...answers: EndpointAnswer[]) {
  let count = 0;
  const endpoint = await startTlsEndpoint(
    () => answers[Math.min(count++, answers.length - 1)] ?? { status: 500 },
  );
  endpoints.push(endpoint);
  const post = (path: string, overrides: Partial<PipelineRunRequest> = {}) =>
    acceptingAnyCertificate(() =>
      postPipelineRun(
        submission(new URL(`https://${PIPELINES_HOST}${path}`), {
          tokenHosts: ["*.api.azureml.ms"],
          fetchImpl: fetchUnderNames({ [PIPELINES_HOST]: endpoint }),
          ...overrides,
        }),
      ),
    );
  return { endpoint, post };
}

async function endpointAnswering(...answers: EndpointAnswer[]): Promise<LoopbackEndpoint> {
  const endpoint = await startLoopbackEndpoint(answers);
  endpoints.push(endpoint);
  return endpoint;
}

function submission(url: URL, overrides: Partial<PipelineRunRequest> = {}): PipelineRunRequest {
  return {
    url,
    body,
    tokenProvider: new RecordingCredential(TOKEN),
    tokenScope: SCOPE,
    tokenHosts: ["127.0.0.1"],
    endpointPolicy: { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true },
    timeoutMs: 5_000,
    clock: () => now,
    ...overrides,
  };
}

describe("postPipelineRun against a loopback endpoint", () => {
  it("POSTs the exact body as JSON with the token, and reads the run id from Id", async () => {
    const { endpoint, post } = await namedEndpoint({
      status: 200,
      json: { Id: "run-1", PipelineRunId: "other" },
    });
    const credential = new RecordingCredential(TOKEN);
    const outcome = await post("/pipelines/v1.0/x/PipelineSubmit/p1?k=v", { tokenProvider: credential });

    expect(outcome).toEqual({ kind: "submitted", httpStatus: 200, pipelineRunId: "run-1" });
    expect(endpoint.received).toHaveLength(1);
    const [received] = endpoint.received;
    expect(received?.method).toBe("POST");
    expect(received?.path).toBe("/pipelines/v1.0/x/PipelineSubmit/p1?k=v");
    expect(received?.headers["content-type"]).toBe("application/json");
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(received?.body ?? "")).toEqual(body);
    expect(received?.body).toBe(JSON.stringify(body));
    expect(credential.requestedScopes).toEqual([SCOPE]);
  });

  it("reads the run id from PipelineRunId when there is no Id", async () => {
    const endpoint = await endpointAnswering({
      status: 201,
      json: { PipelineRunId: "run-2", Status: "Queued" },
    });
    expect(await postPipelineRun(submission(endpoint.url()))).toEqual({
      kind: "submitted",
      httpStatus: 201,
      pipelineRunId: "run-2",
    });
  });

  it("counts a 2xx without a run id as submitted, with a null id", async () => {
    const endpoint = await endpointAnswering({ status: 202, text: "accepted" });
    expect(await postPipelineRun(submission(endpoint.url()))).toEqual({
      kind: "submitted",
      httpStatus: 202,
      pipelineRunId: null,
    });
  });

  it("sends no Authorization and asks for no token when the host does not match AML_TOKEN_HOSTS", async () => {
    const endpoint = await endpointAnswering({ status: 200, json: { Id: "run-3" } });
    const credential = new RecordingCredential(TOKEN);
    const outcome = await postPipelineRun(
      submission(endpoint.url(), { tokenProvider: credential, tokenHosts: ["*.api.azureml.ms"] }),
    );
    expect(outcome.kind).toBe("submitted");
    expect(endpoint.received[0]?.headers.authorization).toBeUndefined();
    expect(credential.requestedScopes).toEqual([]);
  });

  it("is final on a 400, with the endpoint's error.message", async () => {
    const endpoint = await endpointAnswering({
      status: 400,
      json: { error: { code: "UserError", message: "Parameter 'pipeline_arg' is not defined" } },
    });
    expect(await postPipelineRun(submission(endpoint.url()))).toEqual({
      kind: "final",
      httpStatus: 400,
      message: "Parameter 'pipeline_arg' is not defined",
    });
  });

  it("reads Message and message, and else the text truncated to 1000 characters", async () => {
    const endpoint = await endpointAnswering(
      { status: 404, json: { Message: "No pipeline with that id" } },
      { status: 409, json: { message: "lower-case message" } },
      { status: 403, text: "x".repeat(5000) },
      { status: 401, text: "" },
    );
    const messages = [];
    for (let index = 0; index < 4; index += 1) {
      const outcome = await postPipelineRun(submission(endpoint.url()));
      messages.push(outcome.kind === "final" ? outcome.message : outcome.kind);
    }
    expect(messages).toEqual([
      "No pipeline with that id",
      "lower-case message",
      `${"x".repeat(1000)}…`,
      "HTTP 401 Unauthorized",
    ]);
  });

  it("never repeats the token, even when the endpoint echoes it", async () => {
    const { endpoint, post } = await namedEndpoint({
      status: 401,
      json: { message: `Bad token Bearer ${TOKEN}` },
    });
    const outcome = await post("/submit");
    expect(endpoint.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(outcome).toEqual({ kind: "final", httpStatus: 401, message: "Bad token Bearer [redacted]" });
  });

  it("sends no token to loopback, even when the token hosts name it (CONTRACT 6)", async () => {
    const endpoint = await endpointAnswering({ status: 200, json: { Id: "run-9" } });
    const credential = new RecordingCredential(TOKEN);
    const outcome = await postPipelineRun(
      submission(endpoint.url(), { tokenProvider: credential, tokenHosts: ["127.0.0.1", "localhost"] }),
    );
    expect(outcome.kind).toBe("submitted");
    expect(endpoint.received[0]?.headers.authorization).toBeUndefined();
    expect(credential.requestedScopes).toEqual([]);
  });

  it("is retryable on a 503, with Retry-After as an HTTP-date read against the clock", async () => {
    const endpoint = await endpointAnswering({
      status: 503,
      text: "busy",
      headers: { "Retry-After": new Date(now.getTime() + 5_000).toUTCString() },
    });
    expect(await postPipelineRun(submission(endpoint.url()))).toEqual({
      kind: "retryable",
      httpStatus: 503,
      message: "busy",
      retryAfterMs: 5_000,
    });
  });

  it("does not follow a redirect", async () => {
    const endpoint = await endpointAnswering({
      status: 307,
      headers: { Location: "http://127.0.0.1:1/elsewhere" },
    });
    expect(await postPipelineRun(submission(endpoint.url()))).toEqual({
      kind: "final",
      httpStatus: 307,
      message: "The endpoint redirected to http://127.0.0.1:1/elsewhere; submissions are not redirected",
    });
    expect(endpoint.received).toHaveLength(1);
  });

  it("makes no POST to an endpoint the rules do not allow", async () => {
    const endpoint = await endpointAnswering({ status: 200, json: { Id: "never" } });
    const outcome = await postPipelineRun(
      submission(endpoint.url(), { endpointPolicy: { allowedHosts: ["127.0.0.1"], allowLoopback: false } }),
    );
    expect(outcome).toEqual({
      kind: "final",
      httpStatus: null,
      message: `The endpoint ${endpoint.url().origin} must be an https URL`,
    });
    expect(endpoint.received).toHaveLength(0);
  });

  it("is retryable without a POST when no token can be had", async () => {
    const { endpoint, post } = await namedEndpoint({ status: 200, json: { Id: "never" } });
    const failing: TokenCredential = {
      getToken: (): Promise<AccessToken | null> =>
        Promise.reject(new Error("ManagedIdentityCredential: no identity")),
    };
    expect(await post("/submit", { tokenProvider: failing })).toEqual({
      kind: "retryable",
      httpStatus: null,
      message: `Could not get a token for ${SCOPE}: ManagedIdentityCredential: no identity`,
      retryAfterMs: null,
    });
    expect(endpoint.received).toHaveLength(0);
  });

  it("is retryable when the connection is reset before an answer", async () => {
    const endpoint = await endpointAnswering("reset");
    const outcome = await postPipelineRun(submission(endpoint.url()));
    expect(outcome.kind).toBe("retryable");
    expect(outcome.kind === "retryable" ? outcome : null).toMatchObject({
      httpStatus: null,
      retryAfterMs: null,
    });
    expect(outcome.kind === "retryable" ? outcome.message : "").toMatch(
      new RegExp(`^Could not reach ${endpoint.url().host.replace(/\./g, "\\.")}: fetch failed`),
    );
    expect(endpoint.received).toHaveLength(1);
  });

  it("is retryable when the endpoint does not answer within the timeout", async () => {
    const endpoint = await endpointAnswering("hang");
    const started = performance.now();
    const outcome = await postPipelineRun(submission(endpoint.url(), { timeoutMs: 300 }));
    expect(outcome).toEqual({
      kind: "retryable",
      httpStatus: null,
      message: `No response from ${endpoint.url().host} within 300 ms`,
      retryAfterMs: null,
    });
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
