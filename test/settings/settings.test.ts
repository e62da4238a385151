import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/settings/settings.js";
import { settingsError } from "./settings-error.js";

const STORAGE = "UseDevelopmentStorage=true";
const WORKSPACE = {
  AML_SUBSCRIPTION_ID: "00000000-1111-2222-3333-444444444444",
  AML_RESOURCE_GROUP: "rg-ml",
  AML_WORKSPACE_NAME: "ws-ml",
  AML_REGION: "westeurope",
};

describe("loadSettings", () => {
  it("fills the defaults of CONTRACT 3 and 6", () => {
    const settings = loadSettings({ AzureWebJobsStorage: STORAGE });
    expect(settings).toEqual({
      AzureWebJobsStorage: STORAGE,
      AML_TOKEN_SCOPE: "https://management.azure.com/.default",
      AML_TOKEN_HOSTS: ["*.api.azureml.ms"],
      ALLOWED_ENDPOINT_HOSTS: ["*.api.azureml.ms"],
      ALLOWED_DATASTORE_HOSTS: ["*.blob.core.windows.net"],
      DATASTORE_CONNECTION_SETTINGS: [],
      ALLOWED_NOTIFY_HOSTS: ["*.logic.azure.com"],
      RUN_FOLLOW_HOURS: 72,
      SCHEDULER_TICK: "0 * * * * *",
      SUBMIT_CONCURRENCY: 100,
      BLOB_EVENTS_QUEUE: "blob-events",
      AML_ARM_BASE_URL: "https://management.azure.com",
      AML_ARM_TOKEN_SCOPE: "https://management.azure.com/.default",
      AML_INVOKE_TOKEN_SCOPE: "https://ml.azure.com/.default",
      AML_INVOKE_TOKEN_HOSTS: ["*.inference.ml.azure.com"],
    });
  });

  it("treats blank values as unset", () => {
    const settings = loadSettings({ AzureWebJobsStorage: STORAGE, SCHEDULER_TICK: "  ", AML_REGION: "" });
    expect(settings.SCHEDULER_TICK).toBe("0 * * * * *");
    expect(settings.AML_REGION).toBeUndefined();
  });

  it("reads every setting given", () => {
    const settings = loadSettings({
      AzureWebJobsStorage:
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
      ...WORKSPACE,
      AML_PIPELINES_BASE_URL: "https://pipelines.example.test",
      AML_TOKEN_SCOPE: "https://ml.azure.com/.default",
      AML_TOKEN_HOSTS: "*.api.azureml.ms, Pipelines.Example.Test",
      ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms,127.0.0.1,pipelines.example.test",
      SCHEDULER_TICK: "*/10 * * * * *",
    });
    expect(settings).toMatchObject({
      ...WORKSPACE,
      AML_PIPELINES_BASE_URL: "https://pipelines.example.test",
      AML_TOKEN_SCOPE: "https://ml.azure.com/.default",
      AML_TOKEN_HOSTS: ["*.api.azureml.ms", "pipelines.example.test"],
      ALLOWED_ENDPOINT_HOSTS: ["*.api.azureml.ms", "127.0.0.1", "pipelines.example.test"],
      SCHEDULER_TICK: "*/10 * * * * *",
    });
  });

  it("accepts identity-based storage instead of a connection string", () => {
    const settings = loadSettings({ AzureWebJobsStorage__accountName: "mystorageacct" });
    expect(settings.AzureWebJobsStorage).toBeUndefined();
    expect(settings.AzureWebJobsStorage__accountName).toBe("mystorageacct");
  });

  it("names AzureWebJobsStorage when no storage is configured", () => {
    expect(settingsError({})).toMatch(/AzureWebJobsStorage is required/);
  });

  it("names a workspace setting that is missing while the others are set", () => {
    for (const name of ["AML_SUBSCRIPTION_ID", "AML_RESOURCE_GROUP", "AML_WORKSPACE_NAME"] as const) {
      const message = settingsError({ AzureWebJobsStorage: STORAGE, ...WORKSPACE, [name]: undefined });
      expect(message).toContain(`${name} is required`);
    }
    expect(settingsError({ AzureWebJobsStorage: STORAGE, ...WORKSPACE, AML_REGION: undefined })).toContain(
      "AML_REGION is required",
    );
    const withBaseUrl = loadSettings({
      AzureWebJobsStorage: STORAGE,
      ...WORKSPACE,
      AML_REGION: undefined,
      AML_PIPELINES_BASE_URL: "https://pipelines.api.azureml.ms/proxy",
    });
    expect(withBaseUrl.AML_REGION).toBeUndefined();
  });

  const malformed: [string, string][] = [
    ["AzureWebJobsStorage", "not a connection string"],
    ["AzureWebJobsStorage__accountName", "Not_An_Account"],
    ["AzureWebJobsStorage__tableServiceUri", "tables here"],
    ["AzureWebJobsStorage__blobServiceUri", "blobs here"],
    ["AzureWebJobsStorage__queueServiceUri", "queues here"],
    ["AML_SUBSCRIPTION_ID", "my-subscription"],
    ["AML_RESOURCE_GROUP", "rg with spaces"],
    ["AML_WORKSPACE_NAME", "w"],
    ["AML_REGION", "West Europe"],
    ["AML_PIPELINES_BASE_URL", "ftp://pipelines.example.test"],
    ["AML_TOKEN_HOSTS", "https://api.azureml.ms"],
    ["ALLOWED_ENDPOINT_HOSTS", "*.api.azureml.ms:443"],
    ["SCHEDULER_TICK", "* * * * *"],
    ["SCHEDULER_TICK", "0 * * 32 * *"],
    ["SUBMIT_CONCURRENCY", "0"],
    ["SUBMIT_CONCURRENCY", "1001"],
    ["SUBMIT_CONCURRENCY", "12.5"],
    ["SUBMIT_CONCURRENCY", "1e2"],
    ["SUBMIT_CONCURRENCY", "ten"],
  ];
  it.each(malformed)("names %s when it is malformed (%s)", (name, value) => {
    const message = settingsError({ AzureWebJobsStorage: STORAGE, ...WORKSPACE, [name]: value });
    expect(message).toMatch(new RegExp(`(^|[: ])${name} must`));
  });

  it("reads SUBMIT_CONCURRENCY as a whole number from 1 to 1000, and says what it takes", () => {
    expect(
      loadSettings({ AzureWebJobsStorage: STORAGE, SUBMIT_CONCURRENCY: " 32 " }).SUBMIT_CONCURRENCY,
    ).toBe(32);
    expect(loadSettings({ AzureWebJobsStorage: STORAGE, SUBMIT_CONCURRENCY: "" }).SUBMIT_CONCURRENCY).toBe(
      100,
    );
    expect(
      loadSettings({ AzureWebJobsStorage: STORAGE, SUBMIT_CONCURRENCY: "1000" }).SUBMIT_CONCURRENCY,
    ).toBe(1000);
    expect(settingsError({ AzureWebJobsStorage: STORAGE, SUBMIT_CONCURRENCY: "-3" })).toBe(
      "Invalid settings: SUBMIT_CONCURRENCY must be a whole number from 1 to 1000; leave it unset for 100",
    );
  });

  it("does not repeat a secret in its message", () => {
    const message = settingsError({ AzureWebJobsStorage: "AccountKey=c2VjcmV0" });
    expect(message).toContain("AzureWebJobsStorage must be a storage connection string");
    expect(message).not.toContain("c2VjcmV0");
  });
});

describe("identity-based storage by service URIs", () => {
  const uris = {
    AzureWebJobsStorage__tableServiceUri: "https://acct.table.core.windows.net",
    AzureWebJobsStorage__queueServiceUri: "https://acct.queue.core.windows.net",
    AzureWebJobsStorage__blobServiceUri: "https://acct.blob.core.windows.net",
  };

  it("accepts the three service URIs without an account name", () => {
    expect(loadSettings(uris).AzureWebJobsStorage__queueServiceUri).toBe(
      "https://acct.queue.core.windows.net",
    );
  });

  it.each(Object.keys(uris))("names %s when it is the one missing", (name) => {
    expect(settingsError({ ...uris, [name]: undefined })).toContain(`${name} is required`);
  });
});
