import { ValidationError } from "../../errors.js";
import type { Target } from "../../schedules/schema.js";
import { checkEndpointAllowed } from "../../settings/host-patterns.js";
import type { Settings } from "../../settings/settings.js";
import type { WorkspaceSettings } from "../endpoint-url.js";

/**
 * Where Azure ML v2 requests go (CONTRACT 7): Resource Manager paths of the workspace, and the rule that a batch
 * endpoint's scoring URI must be on AML_INVOKE_TOKEN_HOSTS.
 *
 * Paths and the api-version are those of Azure/azure-rest-api-specs
 * `specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/`
 * (examples `Workspace/BatchEndpoint/get.json`, `Job/PipelineJob/createOrUpdate.json` and `get.json`,
 * `Workspace/ComponentContainer/get.json`).
 */
export const ARM_API_VERSION = "2024-10-01";

export interface ArmWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

export interface V2Targeting {
  /** AML_ARM_BASE_URL, path kept (the local sandbox's `/api/sandbox/v2`). */
  armBaseUrl: string;
  /** Set when AML_SUBSCRIPTION_ID, AML_RESOURCE_GROUP and AML_WORKSPACE_NAME are. */
  workspace: ArmWorkspace | undefined;
  /** AML_INVOKE_TOKEN_HOSTS: the only hosts a scoring URI may have. */
  invokeHosts: readonly string[];
  /** The local host and the tests allow loopback scoring URIs over http (CONTRACT 5). */
  allowLoopback: boolean;
}

/** CONTRACT 6 defaults, for callers whose settings predate v2 (the settings schema fills them in otherwise). */
const DEFAULT_ARM_BASE_URL = "https://management.azure.com";
const DEFAULT_INVOKE_HOSTS = ["*.inference.ml.azure.com"];

export type V2Settings = WorkspaceSettings &
  Partial<Pick<Settings, "AML_ARM_BASE_URL" | "AML_INVOKE_TOKEN_HOSTS">>;

export function v2TargetingFromSettings(settings: V2Settings, allowLoopback: boolean): V2Targeting {
  const { AML_SUBSCRIPTION_ID, AML_RESOURCE_GROUP, AML_WORKSPACE_NAME } = settings;
  return {
    armBaseUrl: settings.AML_ARM_BASE_URL ?? DEFAULT_ARM_BASE_URL,
    workspace:
      AML_SUBSCRIPTION_ID === undefined ||
      AML_RESOURCE_GROUP === undefined ||
      AML_WORKSPACE_NAME === undefined
        ? undefined
        : {
            subscriptionId: AML_SUBSCRIPTION_ID,
            resourceGroup: AML_RESOURCE_GROUP,
            workspaceName: AML_WORKSPACE_NAME,
          },
    invokeHosts: settings.AML_INVOKE_TOKEN_HOSTS ?? DEFAULT_INVOKE_HOSTS,
    allowLoopback,
  };
}

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`. */
export function workspaceResourceId(workspace: ArmWorkspace): string {
  return (
    `/subscriptions/${encodeURIComponent(workspace.subscriptionId)}` +
    `/resourceGroups/${encodeURIComponent(workspace.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(workspace.workspaceName)}`
  );
}

/** `{ARM}/…/workspaces/{ws}{path}?api-version=2024-10-01`. */
function armUrl(targeting: V2Targeting, workspace: ArmWorkspace, path: string): URL {
  const base = targeting.armBaseUrl.replace(/\/+$/, "");
  return new URL(`${base}${workspaceResourceId(workspace)}${path}?api-version=${ARM_API_VERSION}`);
}

/** BatchEndpoints_Get: `…/batchEndpoints/{endpointName}`. */
export function batchEndpointLookupUrl(targeting: V2Targeting, workspace: ArmWorkspace, name: string): URL {
  return armUrl(targeting, workspace, `/batchEndpoints/${encodeURIComponent(name)}`);
}

/** Jobs_CreateOrUpdate and Jobs_Get: `…/jobs/{id}`. */
export function jobUrl(targeting: V2Targeting, workspace: ArmWorkspace, jobName: string): URL {
  return armUrl(targeting, workspace, `/jobs/${encodeURIComponent(jobName)}`);
}

/** ComponentContainers_Get: `…/components/{name}`, whose `properties.latestVersion` names the newest version. */
export function componentContainerUrl(targeting: V2Targeting, workspace: ArmWorkspace, name: string): URL {
  return armUrl(targeting, workspace, `/components/${encodeURIComponent(name)}`);
}

/** JobBase `componentId`, "ARM resource ID of the component resource": `…/components/{name}/versions/{version}`. */
export function componentVersionId(workspace: ArmWorkspace, name: string, version: string): string {
  return `${workspaceResourceId(workspace)}/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** Throws a ValidationError on `path` unless a scoring URI may be invoked (CONTRACT 7: AML_INVOKE_TOKEN_HOSTS). */
export function checkScoringUri(url: URL, targeting: V2Targeting, path: string): void {
  checkEndpointAllowed(url, targeting.invokeHosts, {
    allowLoopback: targeting.allowLoopback,
    path,
    settingName: "AML_INVOKE_TOKEN_HOSTS",
  });
}

/** A v2 target must be reachable now, not fail on every run later: a workspace for ARM, an allowed scoring URI. */
export function checkV2Target(target: Target, targeting: V2Targeting): void {
  if (target.batchEndpointUrl !== undefined) {
    checkScoringUri(new URL(target.batchEndpointUrl), targeting, "target.batchEndpointUrl");
    return;
  }
  requireWorkspace(targeting);
}

/** The workspace a batchEndpoint or pipelineComponent target needs, or a 400 on `target` naming the settings. */
export function requireWorkspace(targeting: V2Targeting): ArmWorkspace {
  if (targeting.workspace !== undefined) return targeting.workspace;
  throw ValidationError.single(
    "target",
    "needs the workspace settings AML_SUBSCRIPTION_ID, AML_RESOURCE_GROUP, AML_WORKSPACE_NAME, which are not set; " +
      "target the batch endpoint by batchEndpointUrl instead or set them",
  );
}
