import { afterEach } from "vitest";
import { submissionDependencies } from "../../src/host/firing-wiring.js";
import { submitQueuedRun } from "../../src/submit/submission-worker.js";
import {
  startLoopbackEndpoint,
  type EndpointAnswer,
  type LoopbackEndpoint,
} from "../submit/loopback-endpoint.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/** The workspace path every `pipelineId` / `pipelineEndpointId` target resolves to (TEST_WORKSPACE_SETTINGS). */
export const WORKSPACE_PATH =
  "/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ml-rg/providers/" +
  "Microsoft.MachineLearningServices/workspaces/ml-ws";

/** The clock's start in these tests, a published pipeline and a pipeline endpoint of the test workspace. */
export const T0 = "2026-11-21T10:00:00.000Z";
export const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
export const ENDPOINT_ID = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff";
/** How PipelineSubmit answers a submission it accepted: the pipeline run's Id. */
export const SUBMISSION_ACCEPTED: EndpointAnswer = { status: 200, json: { Id: "pr-1" } };

export interface ApiOnLoopbackWorkspace {
  api: ApiUnderTest;
  /** Plays Azure ML: the submit POSTs and the status GETs, answered in turn. */
  endpoint: LoopbackEndpoint;
  close(): Promise<void>;
}

/** The API with its workspace (AML_PIPELINES_BASE_URL) on a real loopback server answering `answers` in turn. */
export async function startApiOnLoopbackWorkspace(
  startAt: string,
  answers: EndpointAnswer[],
): Promise<ApiOnLoopbackWorkspace> {
  const endpoint = await startLoopbackEndpoint(answers);
  const api = await startApiUnderTest(
    startAt,
    { allowLoopbackEndpoints: true },
    { AML_PIPELINES_BASE_URL: endpoint.url("").origin },
  );
  return {
    api,
    endpoint,
    close: async () => {
      await api.close();
      await endpoint.close();
    },
  };
}

/**
 * A starter of APIs on fresh loopback workspaces (clock at T0), each closed after the test that opened it; the
 * endpoint answers every submission with SUBMISSION_ACCEPTED unless told otherwise.
 */
export function loopbackWorkspacePerTest(): (answers?: EndpointAnswer[]) => Promise<ApiOnLoopbackWorkspace> {
  const opened: ApiOnLoopbackWorkspace[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((harness) => harness.close()));
  });
  return async (answers = [SUBMISSION_ACCEPTED]) => {
    const harness = await startApiOnLoopbackWorkspace(T0, answers);
    opened.push(harness);
    return harness;
  };
}

/** Does what the queue worker does with the run's message: one POST to the endpoint. */
export async function deliverRun(api: ApiUnderTest, runId: string): Promise<void> {
  await submitQueuedRun(
    submissionDependencies(api.services),
    { runId },
    { dequeueCount: 1, maxDequeueCount: 5 },
  );
}

/** The JSON bodies the endpoint received from POSTs, in order. */
export function postedBodies(endpoint: LoopbackEndpoint): unknown[] {
  return endpoint.received
    .filter((request) => request.method === "POST")
    .map((request) => JSON.parse(request.body) as unknown);
}

export async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
