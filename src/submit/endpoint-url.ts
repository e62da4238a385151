import { ValidationError } from "../errors.js";
import type { Target } from "../schedules/schema.js";
import { checkEndpointAllowed } from "../settings/host-patterns.js";
import type { Settings } from "../settings/settings.js";

/** The settings that locate the workspace whose pipelines are targeted by id or name (CONTRACT 6). */
export type WorkspaceSettings = Pick<
  Settings,
  | "AML_SUBSCRIPTION_ID"
  | "AML_RESOURCE_GROUP"
  | "AML_WORKSPACE_NAME"
  | "AML_REGION"
  | "AML_PIPELINES_BASE_URL"
>;

/** No workspace configured: only `endpointUrl` targets resolve. */
export const NO_WORKSPACE: WorkspaceSettings = Object.freeze({
  AML_SUBSCRIPTION_ID: undefined,
  AML_RESOURCE_GROUP: undefined,
  AML_WORKSPACE_NAME: undefined,
  AML_REGION: undefined,
  AML_PIPELINES_BASE_URL: undefined,
});

/** A pipeline id or endpoint target was used while the workspace settings it needs are missing. */
export class WorkspaceNotConfiguredError extends ValidationError {
  constructor(readonly missingSettings: string[]) {
    super([
      {
        path: "target",
        message: `needs the workspace settings ${missingSettings.join(", ")}, which are not set; target the pipeline by endpointUrl instead or set them`,
      },
    ]);
    this.name = "WorkspaceNotConfiguredError";
  }
}

/** The POST address of a target (CONTRACT 1): AML REST `PipelineRuns/PipelineSubmit` or `PipelineEndpointSubmit`. */
export function submitUrlFor(target: Target, workspace: WorkspaceSettings): URL {
  if (target.endpointUrl !== undefined) return new URL(target.endpointUrl);
  const pipelineRuns = `${workspaceApiRoot(workspace)}/PipelineRuns`;
  if (target.pipelineId !== undefined) {
    return new URL(`${pipelineRuns}/PipelineSubmit/${encodeURIComponent(target.pipelineId)}`);
  }
  if (target.pipelineEndpointId !== undefined) {
    const version =
      target.pipelineVersion === undefined ? "" : `/${encodeURIComponent(target.pipelineVersion)}`;
    return new URL(
      `${pipelineRuns}/PipelineEndpointSubmit/Id/${encodeURIComponent(target.pipelineEndpointId)}${version}`,
    );
  }
  if (target.pipelineEndpointName !== undefined) {
    const version =
      target.pipelineVersion === undefined
        ? ""
        : `&pipelineVersion=${encodeURIComponent(target.pipelineVersion)}`;
    return new URL(
      `${pipelineRuns}/PipelineEndpointSubmit/Name?name=${encodeURIComponent(target.pipelineEndpointName)}${version}`,
    );
  }
  throw ValidationError.single(
    "target",
    "must have one of pipelineId, pipelineEndpointId, pipelineEndpointName, endpointUrl",
  );
}

function workspaceApiRoot(workspace: WorkspaceSettings): string {
  const { AML_SUBSCRIPTION_ID, AML_RESOURCE_GROUP, AML_WORKSPACE_NAME, AML_REGION, AML_PIPELINES_BASE_URL } =
    workspace;
  const baseUrl =
    AML_PIPELINES_BASE_URL ?? (AML_REGION === undefined ? undefined : `https://${AML_REGION}.api.azureml.ms`);
  if (
    AML_SUBSCRIPTION_ID === undefined ||
    AML_RESOURCE_GROUP === undefined ||
    AML_WORKSPACE_NAME === undefined ||
    baseUrl === undefined
  ) {
    const missing = [
      AML_SUBSCRIPTION_ID === undefined ? "AML_SUBSCRIPTION_ID" : null,
      AML_RESOURCE_GROUP === undefined ? "AML_RESOURCE_GROUP" : null,
      AML_WORKSPACE_NAME === undefined ? "AML_WORKSPACE_NAME" : null,
      baseUrl === undefined ? "AML_REGION (or AML_PIPELINES_BASE_URL)" : null,
    ].filter((name): name is string => name !== null);
    throw new WorkspaceNotConfiguredError(missing);
  }
  return (
    `${baseUrl.replace(/\/+$/, "")}/pipelines/v1.0/subscriptions/${encodeURIComponent(AML_SUBSCRIPTION_ID)}` +
    `/resourceGroups/${encodeURIComponent(AML_RESOURCE_GROUP)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(AML_WORKSPACE_NAME)}`
  );
}

export interface EndpointPolicy {
  /** ALLOWED_ENDPOINT_HOSTS, already split. */
  allowedHosts: readonly string[];
  /** True in the local host only (CONTRACT 5). */
  allowLoopback: boolean;
  /** The setting `allowedHosts` comes from, for messages; ALLOWED_ENDPOINT_HOSTS unless given. */
  listName?: string;
}

/**
 * The submit URL of a target, checked against the endpoint rules of CONTRACT 3: what the API calls when a
 * schedule is created or updated and what a worker calls before each POST (the settings may have changed).
 */
export function allowedSubmitUrlFor(
  target: Target,
  workspace: WorkspaceSettings,
  policy: EndpointPolicy,
): URL {
  const url = submitUrlFor(target, workspace);
  checkEndpointAllowed(url, policy.allowedHosts, {
    allowLoopback: policy.allowLoopback,
    path: target.endpointUrl === undefined ? "target" : "target.endpointUrl",
  });
  return url;
}
