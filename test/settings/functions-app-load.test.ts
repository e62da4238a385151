import { afterEach, describe, expect, it, vi } from "vitest";
import { SettingsError } from "../../src/settings/settings.js";

/**
 * Issue 11, hole 7: the Azure Functions app builds its services lazily, at the first invocation, so a setting that
 * only fails there would leave every invocation failing. functions/index.ts reads the settings at load; every
 * value it accepts must build (this file), and every value that would not must stop the load, naming it.
 */

const IDENTITY_STORAGE = { AzureWebJobsStorage__accountName: "stexample", SCHEDULER_TICK: "0 * * * * *" };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function loadApp(env: Record<string, string>): Promise<unknown> {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { app } = await import("@azure/functions");
  vi.spyOn(app, "http").mockImplementation(() => {});
  vi.spyOn(app, "timer").mockImplementation(() => {});
  vi.spyOn(app, "storageQueue").mockImplementation(() => {});
  return import("../../functions/index.js");
}

describe("functions/index.ts stops at load", () => {
  it.each([
    ["AML_PIPELINES_BASE_URL", "https://westeurope.api.azureml.ms/?api-version=1"],
    ["AML_PIPELINES_BASE_URL", "https://westeurope.api.azureml.ms#fragment"],
    ["AML_PIPELINES_BASE_URL", "https://user:pass@westeurope.api.azureml.ms"],
    ["AML_PIPELINES_BASE_URL", "http://westeurope.api.azureml.ms"],
    ["AML_TOKEN_SCOPE", "not a scope"],
    ["AML_TOKEN_HOSTS", "*.com"],
    ["AML_TOKEN_HOSTS", ",,,"],
    ["ALLOWED_ENDPOINT_HOSTS", "*.com"],
    ["ALLOWED_DATASTORE_HOSTS", "*.net"],
    ["ALLOWED_NOTIFY_HOSTS", "*.com"],
    ["DATASTORE_CONNECTION_SETTINGS", "AzureWebJobsStorage"],
    ["DATASTORE_CONNECTION_SETTINGS", "DATA_STORAGE_NOT_SET"],
    ["AzureWebJobsStorage", "AccountName=x"],
    ["AzureWebJobsStorage", "AccountName=acct;AccountKey=a2V5a2V5;TableEndpoint=notaurl"],
    [
      "AzureWebJobsStorage",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=%%%;EndpointSuffix=core.windows.net",
    ],
    ["AzureWebJobsStorage__blobServiceUri", "http://stexample.blob.core.windows.net"],
    ["AzureWebJobsStorage__clientId", "not-a-guid"],
  ])("when %s is %j, with a message naming it", async (name, value) => {
    const workspace: Record<string, string> =
      name === "AML_PIPELINES_BASE_URL"
        ? {
            AML_SUBSCRIPTION_ID: "00000000-1111-2222-3333-444444444444",
            AML_RESOURCE_GROUP: "rg",
            AML_WORKSPACE_NAME: "ws-ml",
          }
        : {};
    const loading = loadApp({ ...IDENTITY_STORAGE, ...workspace, [name]: value });
    // After resetModules the module has its own copy of the class, so compare by name.
    await expect(loading).rejects.toMatchObject({ name: SettingsError.name });
    const named = name === "DATASTORE_CONNECTION_SETTINGS" && value === "DATA_STORAGE_NOT_SET" ? value : name;
    await expect(loading).rejects.toThrow(new RegExp(`(: |; )${named} (must|is required|names)`));
  });

  it("and loads with the settings the infrastructure sets", async () => {
    await expect(
      loadApp({
        ...IDENTITY_STORAGE,
        AzureWebJobsStorage__blobServiceUri: "https://stexample.blob.core.windows.net",
        AzureWebJobsStorage__queueServiceUri: "https://stexample.queue.core.windows.net",
        AzureWebJobsStorage__tableServiceUri: "https://stexample.table.core.windows.net",
        AzureWebJobsStorage__clientId: "11111111-2222-3333-4444-555555555555",
        AML_TOKEN_SCOPE: "https://management.azure.com/.default",
        AML_TOKEN_HOSTS: "*.api.azureml.ms",
        ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms",
        ALLOWED_DATASTORE_HOSTS: "*.blob.core.windows.net",
        DATASTORE_CONNECTION_SETTINGS: "",
      }),
    ).resolves.toBeDefined();
  });
});
