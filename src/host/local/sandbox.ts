import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { sandboxPipelineRun, sandboxRunPlan } from "../../pipeline-runs/sandbox-run-status.js";
import type { HttpTriggerSpec } from "../trigger-list.js";

/**
 * A pipeline endpoint that speaks CONTRACT 3, served by the local host only (CONTRACT 5), so that schedules fire
 * somewhere visible without an Azure ML workspace. It answers like `PipelineSubmit`: 200 with the run's `Id`.
 */
export interface SandboxSubmission {
  pipelineRunId: string;
  receivedAt: string;
  /** The target as the URL named it: a pipeline id, or an endpoint id or name with its version. */
  target: Record<string, string>;
  /** Whether an Authorization header came with it (the sandbox is loopback, so none should). */
  authorized: boolean;
  body: unknown;
  /** Status GETs answered so far for this run (`GET .../PipelineRuns/{pipelineRunId}`). */
  statusPolls: number;
}

/** Workspace settings under which `pipelineId` / `pipelineEndpoint*` targets resolve to this sandbox. */
export function sandboxWorkspaceSettings(apiUrl: string): Record<string, string> {
  return {
    AML_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    AML_RESOURCE_GROUP: "local",
    AML_WORKSPACE_NAME: "sandbox",
    AML_PIPELINES_BASE_URL: `${apiUrl}/sandbox`,
  };
}

const WORKSPACE_PATH =
  "sandbox/pipelines/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/" +
  "Microsoft.MachineLearningServices/workspaces/{workspace}/PipelineRuns";

export class PipelineSandbox {
  readonly submissions: SandboxSubmission[] = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  triggers(): HttpTriggerSpec[] {
    const submit = (name: string, route: string, target: (request: HttpRequest) => Record<string, string>) =>
      this.route(name, route, "POST", (request) => this.accept(request, target(request)));
    return [
      submit("sandbox-submit", "sandbox/pipelines/{pipelineId}/submit", (request) => ({
        pipelineId: request.params.pipelineId ?? "",
      })),
      submit("sandbox-pipeline-submit", `${WORKSPACE_PATH}/PipelineSubmit/{pipelineId}`, (request) => ({
        pipelineId: request.params.pipelineId ?? "",
      })),
      submit(
        "sandbox-endpoint-id-submit",
        `${WORKSPACE_PATH}/PipelineEndpointSubmit/Id/{endpointId}`,
        (request) => ({
          pipelineEndpointId: request.params.endpointId ?? "",
        }),
      ),
      submit(
        "sandbox-endpoint-id-version-submit",
        `${WORKSPACE_PATH}/PipelineEndpointSubmit/Id/{endpointId}/{version}`,
        (request) => ({
          pipelineEndpointId: request.params.endpointId ?? "",
          pipelineVersion: request.params.version ?? "",
        }),
      ),
      submit("sandbox-endpoint-name-submit", `${WORKSPACE_PATH}/PipelineEndpointSubmit/Name`, (request) => ({
        pipelineEndpointName: request.query.get("name") ?? "",
        ...(request.query.get("pipelineVersion")
          ? { pipelineVersion: request.query.get("pipelineVersion") ?? "" }
          : {}),
      })),
      this.route("sandbox-pipeline-run", `${WORKSPACE_PATH}/{pipelineRunId}`, "GET", (request) =>
        Promise.resolve(this.pipelineRunStatus(request.params.pipelineRunId ?? "")),
      ),
      this.route("sandbox-submissions", "sandbox/submissions", "GET", () =>
        Promise.resolve({ status: 200, jsonBody: { value: this.submissions } }),
      ),
    ];
  }

  private route(
    name: string,
    route: string,
    method: "GET" | "POST",
    answer: (request: HttpRequest) => Promise<HttpResponseInit>,
  ): HttpTriggerSpec {
    return { kind: "http", name, route, methods: [method], handler: (request) => answer(request) };
  }

  private async accept(request: HttpRequest, target: Record<string, string>): Promise<HttpResponseInit> {
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return { status: 400, jsonBody: { error: { message: "The body is not JSON." } } };
    }
    if (
      typeof body !== "object" ||
      body === null ||
      typeof (body as { ExperimentName?: unknown }).ExperimentName !== "string"
    ) {
      return { status: 400, jsonBody: { error: { message: "ExperimentName is required." } } };
    }
    const submission: SandboxSubmission = {
      pipelineRunId: randomUUID(),
      receivedAt: this.clock().toISOString(),
      target,
      authorized: request.headers.has("authorization"),
      body,
      statusPolls: 0,
    };
    this.submissions.push(submission);
    return {
      status: 200,
      jsonBody: { Id: submission.pipelineRunId, Status: { StatusCode: 0, StatusDetail: "NotStarted" } },
    };
  }

  /** The run's status as the pipelines service reports it; the outcome is chosen by the submission (sandboxRunPlan). */
  private pipelineRunStatus(pipelineRunId: string): HttpResponseInit {
    const submission = this.submissions.find((candidate) => candidate.pipelineRunId === pipelineRunId);
    if (submission === undefined) {
      return { status: 404, jsonBody: { error: { message: `No pipeline run ${pipelineRunId}.` } } };
    }
    submission.statusPolls += 1;
    const run = sandboxPipelineRun(pipelineRunId, sandboxRunPlan(submission.body), submission.statusPolls);
    return { status: 200, jsonBody: run };
  }
}
