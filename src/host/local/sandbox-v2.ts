import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { sandboxJobPlan, sandboxJobStatus } from "../../pipeline-runs/sandbox-job-status.js";
import { ARM_API_VERSION } from "../../submit/v2/v2-targeting.js";
import type { HttpTriggerSpec } from "../trigger-list.js";

/**
 * Azure ML v2 as the local host plays it (CONTRACT 5, 7), under `/api/sandbox/v2`: Resource Manager's batch endpoint
 * lookup, component container read, job create (PUT) and read, and the batch endpoints' invoke, each answering the
 * shape Azure answers (Azure/azure-rest-api-specs stable/2024-10-01 examples `Workspace/BatchEndpoint/get.json`,
 * `Workspace/ComponentContainer/get.json`, `Job/PipelineJob/createOrUpdate.json` and `get.json`). Every endpoint and
 * component name exists here; components are at version 1. `GET /api/sandbox/v2/jobs` lists what it received.
 */
export interface SandboxJob {
  name: string;
  /** `invoke`: a batch endpoint invocation; `pipelineJob`: a Resource Manager PUT. */
  kind: "invoke" | "pipelineJob";
  /** The batch endpoint invoked, for `invoke`. */
  endpoint: string | null;
  /** The `azureml-model-deployment` header, when one came. */
  deployment: string | null;
  receivedAt: string;
  /** Whether an Authorization header came with it (the sandbox is loopback, so none should). */
  authorized: boolean;
  body: unknown;
  /** Status reads answered so far. */
  statusPolls: number;
}

/** The workspace the sandbox answers for (the local host's sandbox workspace settings). */
export interface SandboxWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

const MAX_JOBS = 1000;
const WORKSPACE_ROUTE =
  "sandbox/v2/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/" +
  "Microsoft.MachineLearningServices/workspaces/{workspace}";

export class V2Sandbox {
  private readonly kept: SandboxJob[] = [];
  private readonly clock: () => Date;

  constructor(
    /** The host's API base, `http://127.0.0.1:<port>/api`: scoring URIs point back at it. */
    private readonly apiUrl: string,
    private readonly workspace: SandboxWorkspace,
    options: { clock?: () => Date } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** What it received and still keeps, oldest first. */
  get jobs(): readonly SandboxJob[] {
    return this.kept;
  }

  triggers(): HttpTriggerSpec[] {
    const route = (
      name: string,
      path: string,
      method: "GET" | "POST" | "PUT",
      answer: (request: HttpRequest) => Promise<HttpResponseInit>,
      arm = true,
    ): HttpTriggerSpec => ({
      kind: "http",
      name,
      route: path,
      methods: [method],
      handler: (request) => (arm ? (apiVersionProblem(request) ?? answer(request)) : answer(request)),
    });
    return [
      route(
        "sandbox-v2-batch-endpoint",
        `${WORKSPACE_ROUTE}/batchEndpoints/{endpointName}`,
        "GET",
        (request) => Promise.resolve(this.batchEndpoint(request.params.endpointName ?? "")),
      ),
      route("sandbox-v2-component", `${WORKSPACE_ROUTE}/components/{componentName}`, "GET", (request) =>
        Promise.resolve(this.componentContainer(request.params.componentName ?? "")),
      ),
      route("sandbox-v2-job-put", `${WORKSPACE_ROUTE}/jobs/{jobName}`, "PUT", (request) =>
        this.createJob(request),
      ),
      route("sandbox-v2-job-get", `${WORKSPACE_ROUTE}/jobs/{jobName}`, "GET", (request) =>
        Promise.resolve(this.readJob(request.params.jobName ?? "")),
      ),
      route(
        "sandbox-v2-invoke",
        "sandbox/v2/endpoints/{endpointName}/jobs",
        "POST",
        (request) => this.invoke(request),
        false,
      ),
      route(
        "sandbox-v2-jobs",
        "sandbox/v2/jobs",
        "GET",
        () => Promise.resolve({ status: 200, jsonBody: { value: this.kept } }),
        false,
      ),
    ];
  }

  private resourceId(path: string): string {
    const { subscriptionId, resourceGroup, workspaceName } = this.workspace;
    return (
      `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/` +
      `Microsoft.MachineLearningServices/workspaces/${workspaceName}${path}`
    );
  }

  private batchEndpoint(name: string): HttpResponseInit {
    return {
      status: 200,
      jsonBody: {
        id: this.resourceId(`/batchEndpoints/${name}`),
        name,
        type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
        properties: {
          scoringUri: `${this.apiUrl}/sandbox/v2/endpoints/${encodeURIComponent(name)}/jobs`,
          authMode: "AADToken",
          provisioningState: "Succeeded",
          defaults: { deploymentName: "default" },
        },
      },
    };
  }

  private componentContainer(name: string): HttpResponseInit {
    return {
      status: 200,
      jsonBody: {
        id: this.resourceId(`/components/${name}`),
        name,
        type: "Microsoft.MachineLearningServices/workspaces/components",
        properties: { latestVersion: "1", nextVersion: "2" },
      },
    };
  }

  private async invoke(request: HttpRequest): Promise<HttpResponseInit> {
    const body = await jsonBody(request);
    const properties = objectAt(body, "properties");
    const inputs = properties === undefined ? undefined : (properties.InputData ?? {});
    if (properties === undefined || !isObject(inputs)) {
      return userError(400, "The body must be { properties: { InputData: {...} } }.");
    }
    const problem = Object.entries(inputs)
      .map(([name, input]) =>
        isObject(input) && ["Literal", "UriFile", "UriFolder"].includes(String(input.JobInputType))
          ? undefined
          : `InputData.${name} must have JobInputType Literal, UriFile or UriFolder.`,
      )
      .find((text) => text !== undefined);
    if (problem !== undefined) return userError(400, problem);
    const job = this.keep({
      name: `batchjob-${randomUUID()}`,
      kind: "invoke",
      endpoint: request.params.endpointName ?? "",
      deployment: request.headers.get("azureml-model-deployment"),
      authorized: request.headers.has("authorization"),
      body,
    });
    return { status: 200, jsonBody: this.jobResource(job, literalsOfInvoke(body)) };
  }

  private async createJob(request: HttpRequest): Promise<HttpResponseInit> {
    const name = request.params.jobName ?? "";
    if (this.kept.some((job) => job.name === name)) {
      return userError(409, `A job named ${name} exists already.`, "Conflict");
    }
    const body = await jsonBody(request);
    const properties = objectAt(body, "properties");
    if (properties?.jobType !== "Pipeline" || typeof properties.componentId !== "string") {
      return userError(400, "The body must be { properties: { jobType: 'Pipeline', componentId: '...' } }.");
    }
    if (!/\/components\/[^/]+\/versions\/[^/]+$/.test(properties.componentId)) {
      return userError(
        400,
        "componentId must name a component version: .../components/{name}/versions/{version}.",
      );
    }
    const job = this.keep({
      name,
      kind: "pipelineJob",
      endpoint: null,
      deployment: null,
      authorized: request.headers.has("authorization"),
      body,
    });
    return { status: 201, jsonBody: this.jobResource(job, literalsOfJob(body)) };
  }

  private readJob(name: string): HttpResponseInit {
    const job = this.kept.find((candidate) => candidate.name === name);
    if (job === undefined) {
      return userError(
        404,
        `No job ${name}; the sandbox keeps its last ${MAX_JOBS} jobs.`,
        "ResourceNotFound",
      );
    }
    job.statusPolls += 1;
    const literals = job.kind === "invoke" ? literalsOfInvoke(job.body) : literalsOfJob(job.body);
    return { status: 200, jsonBody: this.jobResource(job, literals) };
  }

  /** A `JobBase` resource (Job/PipelineJob/get.json): `id`, `name`, `type`, `properties.status`. */
  private jobResource(job: SandboxJob, literals: Record<string, unknown>) {
    const properties = objectAt(job.body, "properties") ?? {};
    return {
      id: this.resourceId(`/jobs/${job.name}`),
      name: job.name,
      type: "Microsoft.MachineLearningServices/workspaces/jobs",
      properties: {
        ...(job.kind === "pipelineJob" ? properties : { jobType: "Pipeline" }),
        status: sandboxJobStatus(sandboxJobPlan(literals), job.statusPolls),
      },
    };
  }

  private keep(fields: Omit<SandboxJob, "receivedAt" | "statusPolls">): SandboxJob {
    const job: SandboxJob = { ...fields, receivedAt: this.clock().toISOString(), statusPolls: 0 };
    this.kept.push(job);
    if (this.kept.length > MAX_JOBS) this.kept.shift();
    return job;
  }
}

/** Resource Manager refuses a request without the api-version it serves (400, `InvalidApiVersionParameter`). */
function apiVersionProblem(request: HttpRequest): Promise<HttpResponseInit> | undefined {
  const version = request.query.get("api-version");
  if (version === ARM_API_VERSION) return undefined;
  return Promise.resolve(
    userError(
      400,
      `The api-version '${version ?? ""}' is invalid; the sandbox serves ${ARM_API_VERSION}.`,
      version === null ? "MissingApiVersionParameter" : "InvalidApiVersionParameter",
    ),
  );
}

/** Resource Manager's `ErrorResponse`: `{ "error": { "code", "message" } }`. */
function userError(status: number, message: string, code = "UserError"): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

async function jsonBody(request: HttpRequest): Promise<unknown> {
  try {
    return JSON.parse(await request.text()) as unknown;
  } catch {
    return undefined;
  }
}

function literalsOfInvoke(body: unknown): Record<string, unknown> {
  const inputs = objectAt(objectAt(body, "properties"), "InputData") ?? {};
  return Object.fromEntries(
    Object.entries(inputs).flatMap(([name, input]) =>
      isObject(input) && input.JobInputType === "Literal" ? [[name, input.Value]] : [],
    ),
  );
}

function literalsOfJob(body: unknown): Record<string, unknown> {
  const inputs = objectAt(objectAt(body, "properties"), "inputs") ?? {};
  return Object.fromEntries(
    Object.entries(inputs).flatMap(([name, input]) =>
      isObject(input) && input.jobInputType === "literal" ? [[name, input.value]] : [],
    ),
  );
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[key];
  return isObject(inner) ? inner : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
