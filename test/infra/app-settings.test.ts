import { describe, expect, it } from "vitest";
import { QUEUE_CONNECTION_SETTING } from "../../src/host/azure-registration.js";
import { allTriggers } from "../../src/host/triggers.js";
import { loadSettings, settingsSchema } from "../../src/settings/settings.js";
import { storageServiceUrisFromSettings } from "../../src/state/storage-clients.js";
import {
  appSettings,
  bicepParams,
  evaluateBicep,
  moduleUses,
  readBicep,
  stringLiteral,
  type AppSetting,
} from "./bicep-source.js";

const functionAppBicep = readBicep("modules/function-app.bicep");
const mainBicep = readBicep("main.bicep");
const settingsInBicep = appSettings(functionAppBicep);
const namesInBicep = settingsInBicep.map((setting) => setting.name);
const settingsReadByCode = Object.keys(settingsSchema.shape);

/** Settings the code reads that the infrastructure leaves unset on purpose, each with the reason. */
const OPTIONAL_NOT_SET_BY_INFRA: Record<string, string> = {
  // A connection string carries the account key; the infra sets identity-based AzureWebJobsStorage__* instead
  // and the storage account refuses shared keys.
  AzureWebJobsStorage: "identity-based storage instead of a connection string",
};

/** App settings the Bicep sets that the platform reads, not the code's settings schema. */
const PLATFORM_SETTINGS: Record<string, string> = {
  // The Functions host: which credential an identity-based connection uses (the code always uses
  // DefaultAzureCredential with __clientId).
  AzureWebJobsStorage__credential: "Functions host",
  // @azure/identity: DefaultAzureCredential selects the user-assigned identity by it.
  AZURE_CLIENT_ID: "@azure/identity",
  // The Functions host's Application Insights telemetry, with a managed identity token.
  APPLICATIONINSIGHTS_CONNECTION_STRING: "Functions host",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Functions host",
};

/**
 * Flex Consumption takes the runtime from `functionAppConfig` and rejects these app settings
 * (https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations).
 */
const REJECTED_BY_FLEX_CONSUMPTION = [
  "FUNCTIONS_EXTENSION_VERSION",
  "FUNCTIONS_WORKER_RUNTIME",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTSHARE",
];

const noServices = () => Promise.reject(new Error("no services in this test"));

describe("the Function App's app settings in infra/modules/function-app.bicep", () => {
  it("are parsed from the Bicep text", () => {
    expect(namesInBicep.length).toBeGreaterThan(10);
    expect(new Set(namesInBicep).size).toBe(namesInBicep.length);
  });

  it("set every setting the code reads, or it is listed as optional with a reason", () => {
    const missing = settingsReadByCode.filter(
      (name) => !namesInBicep.includes(name) && !(name in OPTIONAL_NOT_SET_BY_INFRA),
    );
    expect(missing).toEqual([]);
    for (const name of Object.keys(OPTIONAL_NOT_SET_BY_INFRA)) {
      expect(settingsReadByCode, `${name} is listed as optional but the code does not read it`).toContain(
        name,
      );
      expect(namesInBicep, `${name} is listed as not set by infra but is set`).not.toContain(name);
    }
  });

  it("are all read by the code or by the platform", () => {
    const unread = namesInBicep.filter(
      (name) => !settingsReadByCode.includes(name) && !(name in PLATFORM_SETTINGS),
    );
    expect(unread).toEqual([]);
    for (const name of Object.keys(PLATFORM_SETTINGS)) expect(namesInBicep).toContain(name);
  });

  it("set none that Flex Consumption rejects", () => {
    expect(namesInBicep.filter((name) => REJECTED_BY_FLEX_CONSUMPTION.includes(name))).toEqual([]);
  });

  it("give each timer its schedule setting and the queue triggers an identity-based connection", () => {
    const specs = allTriggers(noServices);
    const timerSettings = specs.flatMap((spec) => (spec.kind === "timer" ? [spec.scheduleSetting] : []));
    expect(timerSettings.length).toBeGreaterThan(0);
    for (const setting of timerSettings) expect(namesInBicep).toContain(setting);
    // A queue named `%SETTING%` is resolved from that app setting by the host, which fails to index it without.
    const queueSettings = specs.flatMap((spec) =>
      spec.kind === "queue"
        ? [/^%(\w+)%$/.exec(spec.queueName)?.[1]].filter((name) => name !== undefined)
        : [],
    );
    expect(queueSettings).toEqual(["BLOB_EVENTS_QUEUE"]);
    for (const setting of queueSettings) expect(namesInBicep).toContain(setting);
    expect(namesInBicep).toEqual(
      expect.arrayContaining([
        `${QUEUE_CONNECTION_SETTING}__queueServiceUri`,
        `${QUEUE_CONNECTION_SETTING}__credential`,
        `${QUEUE_CONNECTION_SETTING}__clientId`,
      ]),
    );
    expect(valueOf("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(valueOf("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe(
      "'ClientId=${identityClientId};Authorization=AAD'",
    );
  });

  it("default to what the code itself defaults to", () => {
    const defaults = Object.fromEntries(
      settingsInBicep.flatMap((setting) => {
        const value = mainDefaultOf(setting);
        return value === undefined ? [] : [[setting.name, value]];
      }),
    );
    // Every setting of CONTRACT 6 with a default in the code has one in main.bicep.
    expect(Object.keys(defaults).sort()).toEqual(
      [
        "ALLOWED_DATASTORE_HOSTS",
        "ALLOWED_ENDPOINT_HOSTS",
        "ALLOWED_NOTIFY_HOSTS",
        "AML_PIPELINES_BASE_URL",
        "DATASTORE_CONNECTION_SETTINGS",
        "AML_TOKEN_HOSTS",
        "AML_TOKEN_SCOPE",
        "RUN_FOLLOW_HOURS",
        "SCHEDULER_TICK",
        "SUBMIT_CONCURRENCY",
        "BLOB_EVENTS_QUEUE",
        "AML_ARM_BASE_URL",
        "AML_ARM_TOKEN_SCOPE",
        "AML_INVOKE_TOKEN_SCOPE",
        "AML_INVOKE_TOKEN_HOSTS",
      ].sort(),
    );
    const storage = { AzureWebJobsStorage__accountName: "stexample" };
    expect(loadSettings({ ...storage, ...defaults })).toEqual(loadSettings(storage));
  });
});

describe("the app settings as Azure would set them", () => {
  const deployment = {
    storageAccountName: "stexample",
    "environment().suffixes.storage": "core.windows.net",
    identityClientId: "11111111-2222-3333-4444-555555555555",
    applicationInsightsConnectionString: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
    amlSubscriptionId: "",
    amlResourceGroup: "",
    amlWorkspaceName: "",
    amlRegion: "",
    amlPipelinesBaseUrl: "",
    amlTokenScope: "https://management.azure.com/.default",
    amlTokenHosts: "*.api.azureml.ms",
    allowedEndpointHosts: "*.api.azureml.ms",
    allowedDatastoreHosts: "*.blob.core.windows.net",
    datastoreConnectionSettings: "",
    allowedNotifyHosts: "*.logic.azure.com",
    schedulerTick: "0 * * * * *",
    submitConcurrency: "100",
    runFollowHours: "72",
    blobEventsQueue: "blob-events",
    amlArmBaseUrl: "https://management.azure.com",
    amlArmTokenScope: "https://management.azure.com/.default",
    amlInvokeTokenScope: "https://ml.azure.com/.default",
    amlInvokeTokenHosts: "*.inference.ml.azure.com",
  };
  const environment = (values: Record<string, string>) =>
    Object.fromEntries(
      settingsInBicep.map((setting) => [
        setting.name,
        evaluateBicep(functionAppBicep, setting.value, values),
      ]),
    );

  it("start the app without a workspace, with identity-based storage on the account's endpoints", () => {
    const settings = loadSettings(environment(deployment));
    expect(settings.AzureWebJobsStorage).toBeUndefined();
    expect(settings.AzureWebJobsStorage__clientId).toBe(deployment.identityClientId);
    expect(settings.AML_WORKSPACE_NAME).toBeUndefined();
    expect(storageServiceUrisFromSettings(settings)).toEqual({
      table: "https://stexample.table.core.windows.net",
      queue: "https://stexample.queue.core.windows.net",
      blob: "https://stexample.blob.core.windows.net",
    });
  });

  it("start the app with the workspace main.bicep derives from its resource id", () => {
    const settings = loadSettings(
      environment({
        ...deployment,
        amlSubscriptionId: "00000000-1111-2222-3333-444444444444",
        amlResourceGroup: "rg-ml",
        amlWorkspaceName: "ws-ml",
        amlRegion: "westeurope",
      }),
    );
    expect(settings).toMatchObject({
      AML_SUBSCRIPTION_ID: "00000000-1111-2222-3333-444444444444",
      AML_RESOURCE_GROUP: "rg-ml",
      AML_WORKSPACE_NAME: "ws-ml",
      AML_REGION: "westeurope",
    });
  });
});

function valueOf(name: string): string | undefined {
  return settingsInBicep.find((setting) => setting.name === name)?.value;
}

/**
 * Follows an app setting whose value is a parameter of function-app.bicep to the main.bicep parameter passed
 * to it, and returns that parameter's literal default.
 */
function mainDefaultOf(setting: AppSetting): string | undefined {
  if (!/^\w+$/.test(setting.value)) return undefined;
  const functionAppModule = moduleUses(mainBicep).find((use) => use.path === "modules/function-app.bicep");
  const passed = functionAppModule?.params.get(setting.value);
  if (passed === undefined || !/^\w+$/.test(passed)) return undefined;
  const param = bicepParams(mainBicep).find((candidate) => candidate.name === passed);
  return stringLiteral(param?.defaultValue);
}
