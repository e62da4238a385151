import { submissionDependencies } from "../../src/scheduling/firing-wiring.js";
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
