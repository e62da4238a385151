import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import { parseQuery } from "../../api/api-route.js";
import { pagingQuerySchema } from "../../api/api-schemas.js";
import { problemForError } from "../../api/problem.js";
import { MAX_BODY_BYTES } from "../../api/request-body.js";
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

/**
 * Workspace settings under which `pipelineId` / `pipelineEndpoint*` targets resolve to this sandbox, and Resource
 * Manager (the v2 targets, CONTRACT 5) to the v2 sandbox (sandbox-v2.ts).
 */
export function sandboxWorkspaceSettings(apiUrl: string): Record<string, string> {
  return {
    AML_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    AML_RESOURCE_GROUP: "local",
    AML_WORKSPACE_NAME: "sandbox",
    AML_PIPELINES_BASE_URL: `${apiUrl}/sandbox`,
    AML_ARM_BASE_URL: `${apiUrl}/sandbox/v2`,
  };
}

/**
 * What the sandbox keeps (issue 11.12): it lives in the host's memory, so that a loop of POSTs cannot grow the
 * host without bound. The oldest submissions go first.
 */
export interface SandboxLimits {
  /** The last this many submissions are kept. */
  maxSubmissions: number;
  /** A submission's body over this is refused with 413: twice the API's own body limit, so whatever a schedule carries fits. */
  maxBodyBytes: number;
  /** The bodies kept, together, stay under this. */
  maxKeptBytes: number;
}

export const SANDBOX_LIMITS: SandboxLimits = {
  maxSubmissions: 1000,
  maxBodyBytes: 2 * MAX_BODY_BYTES,
  maxKeptBytes: 32 * 1024 * 1024,
};

/** GET /sandbox/submissions: the API's paging (`top`, `continuationToken` from `nextLink`). */
const submissionsQuerySchema = pagingQuerySchema.extend({
  // The sequence number of the first submission of the page; a page never needs more digits than this.
  continuationToken: z
    .string()
    .regex(/^\d{1,15}$/, "Use the continuationToken of a nextLink this list gave.")
    .optional(),
});

const WORKSPACE_PATH =
  "sandbox/pipelines/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/" +
  "Microsoft.MachineLearningServices/workspaces/{workspace}/PipelineRuns";

export class PipelineSandbox {
  /** Oldest first; `kept[i]` has the sequence number `firstSequence + i`. */
  private readonly kept: { submission: SandboxSubmission; bytes: number }[] = [];
  private firstSequence = 0;
  private keptBytes = 0;
  private readonly clock: () => Date;
  private readonly limits: SandboxLimits;

  constructor(options: { clock?: () => Date; limits?: Partial<SandboxLimits> } = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.limits = { ...SANDBOX_LIMITS, ...options.limits };
  }

  /** What it received and still keeps, oldest first. */
  get submissions(): readonly SandboxSubmission[] {
    return this.kept.map((entry) => entry.submission);
  }

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
      this.route("sandbox-submissions", "sandbox/submissions", "GET", (request, context) => {
        try {
          return Promise.resolve(this.submissionsPage(parseQuery(request, submissionsQuerySchema)));
        } catch (error) {
          return Promise.resolve(problemForError(error, context));
        }
      }),
    ];
  }

  private route(
    name: string,
    route: string,
    method: "GET" | "POST",
    answer: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
  ): HttpTriggerSpec {
    return {
      kind: "http",
      name,
      route,
      methods: [method],
      handler: (request, context) => answer(request, context),
    };
  }

  /** One page, oldest first; the token is the sequence number of the next submission, so that dropping old ones does not shift it. */
  private submissionsPage(query: z.output<typeof submissionsQuerySchema>): HttpResponseInit {
    const from = query.continuationToken === undefined ? this.firstSequence : Number(query.continuationToken);
    const start = Math.max(0, from - this.firstSequence);
    const page = this.kept.slice(start, start + query.top).map((entry) => entry.submission);
    const next = this.firstSequence + start + page.length;
    const nextLink =
      start + page.length < this.kept.length
        ? `/api/sandbox/submissions?${new URLSearchParams({ top: String(query.top), continuationToken: String(next) }).toString()}`
        : null;
    return { status: 200, jsonBody: { value: page, nextLink } };
  }

  private async accept(request: HttpRequest, target: Record<string, string>): Promise<HttpResponseInit> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > this.limits.maxBodyBytes) {
      return {
        status: 413,
        jsonBody: {
          error: {
            message: `The sandbox takes submissions of at most ${this.limits.maxBodyBytes} bytes; this one has ${bytes.byteLength}.`,
          },
        },
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
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
    this.keep(submission, bytes.byteLength);
    return {
      status: 200,
      jsonBody: { Id: submission.pipelineRunId, Status: { StatusCode: 0, StatusDetail: "NotStarted" } },
    };
  }

  private keep(submission: SandboxSubmission, bytes: number): void {
    this.kept.push({ submission, bytes });
    this.keptBytes += bytes;
    while (this.kept.length > this.limits.maxSubmissions || this.keptBytes > this.limits.maxKeptBytes) {
      const dropped = this.kept.shift();
      if (dropped === undefined) break;
      this.keptBytes -= dropped.bytes;
      this.firstSequence += 1;
    }
  }

  /** The run's status as the pipelines service reports it; the outcome is chosen by the submission (sandboxRunPlan). */
  private pipelineRunStatus(pipelineRunId: string): HttpResponseInit {
    const submission = this.kept.find(
      (entry) => entry.submission.pipelineRunId === pipelineRunId,
    )?.submission;
    if (submission === undefined) {
      return {
        status: 404,
        jsonBody: {
          error: {
            message: `No pipeline run ${pipelineRunId}; the sandbox keeps only its last ${this.limits.maxSubmissions} submissions.`,
          },
        },
      };
    }
    submission.statusPolls += 1;
    const elapsedMs = this.clock().getTime() - Date.parse(submission.receivedAt);
    const run = sandboxPipelineRun(
      pipelineRunId,
      sandboxRunPlan(submission.body),
      submission.statusPolls,
      elapsedMs,
    );
    return { status: 200, jsonBody: run };
  }
}
