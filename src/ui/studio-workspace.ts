import type { Settings } from "../settings/settings.js";

/** The loopback hosts of the local sandbox (CONTRACT 3, 5): runs there have no page in Azure ML studio. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The `wsid` of Azure ML studio run links (`https://ml.azure.com/runs/<runId>?wsid=<this>`) for the workspace
 * the settings name, or null when they name none or point at a loopback sandbox. Ids only; never a secret.
 */
export function studioWorkspaceId(
  settings: Pick<
    Settings,
    "AML_SUBSCRIPTION_ID" | "AML_RESOURCE_GROUP" | "AML_WORKSPACE_NAME" | "AML_PIPELINES_BASE_URL"
  >,
): string | null {
  const subscription = settings.AML_SUBSCRIPTION_ID;
  const resourceGroup = settings.AML_RESOURCE_GROUP;
  const workspace = settings.AML_WORKSPACE_NAME;
  if (subscription === undefined || resourceGroup === undefined || workspace === undefined) return null;
  const baseUrl = settings.AML_PIPELINES_BASE_URL;
  if (baseUrl !== undefined && LOOPBACK_HOSTS.has(new URL(baseUrl).hostname)) return null;
  return (
    `/subscriptions/${encodeURIComponent(subscription)}` +
    `/resourcegroups/${encodeURIComponent(resourceGroup)}` +
    `/workspaces/${encodeURIComponent(workspace)}`
  );
}
