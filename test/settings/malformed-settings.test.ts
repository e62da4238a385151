import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/settings/settings.js";
import { settingsError } from "./settings-error.js";
import { hostPatternProblem, tokenScopeProblem, urlProblem } from "../../src/settings/setting-rules.js";

/** Issue 11, hole 7: a malformed setting stops the service at start with a message that names it (CONTRACT 6). */

const STORAGE = "UseDevelopmentStorage=true";
const WORKSPACE = {
  AML_SUBSCRIPTION_ID: "00000000-1111-2222-3333-444444444444",
  AML_RESOURCE_GROUP: "rg-ml",
  AML_WORKSPACE_NAME: "ws-ml",
};

describe("URL settings, checked by parts", () => {
  const base = (url: string) => ({ AzureWebJobsStorage: STORAGE, ...WORKSPACE, AML_PIPELINES_BASE_URL: url });

  it.each([
    ["a query", "https://westeurope.api.azureml.ms/?x=1", "must not have a query string"],
    ["an empty query", "https://westeurope.api.azureml.ms?", "must not have a query string"],
    ["a fragment", "https://westeurope.api.azureml.ms/#top", "must not have a fragment"],
    [
      "credentials",
      "https://user:pass@westeurope.api.azureml.ms",
      "must not contain a user name or password",
    ],
    [
      "a user name alone",
      "https://user@westeurope.api.azureml.ms",
      "must not contain a user name or password",
    ],
    ["plain http to a real host", "http://westeurope.api.azureml.ms", "plain http only for loopback hosts"],
    ["no scheme", "westeurope.api.azureml.ms", "must be an absolute https URL"],
    ["another scheme", "ftp://westeurope.api.azureml.ms", "must be an absolute https URL"],
  ])("AML_PIPELINES_BASE_URL with %s stops the start, naming it", (_case, url, reason) => {
    const message = settingsError(base(url));
    expect(message).toMatch(/^Invalid settings: AML_PIPELINES_BASE_URL must/);
    expect(message).toContain(reason);
  });

  it("keeps a base URL's path, and plain http to loopback (the local sandbox)", () => {
    expect(loadSettings(base("https://westeurope.api.azureml.ms/proxy/")).AML_PIPELINES_BASE_URL).toBe(
      "https://westeurope.api.azureml.ms/proxy/",
    );
    expect(loadSettings(base("http://127.0.0.1:7071/api/sandbox")).AML_PIPELINES_BASE_URL).toBe(
      "http://127.0.0.1:7071/api/sandbox",
    );
  });

  it.each([
    ["plain http", "http://acct.table.core.windows.net"],
    ["loopback, where no token goes", "https://127.0.0.1:10002/devstoreaccount1"],
    ["a query (a SAS)", "https://acct.table.core.windows.net/?sv=1"],
    ["credentials", "https://u:p@acct.table.core.windows.net"],
  ])("an identity-based service URI with %s stops the start, naming it", (_case, url) => {
    expect(
      settingsError({ AzureWebJobsStorage__accountName: "acct", AzureWebJobsStorage__tableServiceUri: url }),
    ).toMatch(/^Invalid settings: AzureWebJobsStorage__tableServiceUri must/);
  });

  it("answers each part of urlProblem alone", () => {
    const rule = { example: "https://x.example", allowPath: false, allowLoopbackHttp: false };
    expect(urlProblem("https://x.example", rule)).toBeUndefined();
    expect(urlProblem("https://x.example/", rule)).toBeUndefined();
    expect(urlProblem("https://x.example/a", rule)).toBe("must not have a path");
    expect(urlProblem("http://localhost:1", rule)).toBe(
      "must be an absolute https URL such as https://x.example",
    );
    expect(urlProblem("https://localhost:1", rule)).toBe(
      "must not be a loopback host: no token is sent to loopback",
    );
  });
});

describe("token scopes", () => {
  it.each([
    "not a scope",
    "https://management.azure.com",
    "https://management.azure.com/",
    "management.azure.com/.default",
    "http://management.azure.com/.default",
    "https://management.azure.com/.default?x",
    "https://u@management.azure.com/.default",
    "https:///.default",
  ])("AML_TOKEN_SCOPE=%j stops the start, naming it", (scope) => {
    expect(settingsError({ AzureWebJobsStorage: STORAGE, AML_TOKEN_SCOPE: scope })).toMatch(
      /^Invalid settings: AML_TOKEN_SCOPE must be a scope URI ending in \/\.default/,
    );
  });

  it.each([
    "https://management.azure.com/.default",
    "https://ml.azure.com/.default",
    "https://management.chinacloudapi.cn/.default",
    "https://management.usgovcloudapi.net/.default",
    "api://00000000-1111-2222-3333-444444444444/.default",
  ])("takes %s", (scope) => {
    expect(tokenScopeProblem(scope)).toBeUndefined();
    expect(loadSettings({ AzureWebJobsStorage: STORAGE, AML_TOKEN_SCOPE: scope }).AML_TOKEN_SCOPE).toBe(
      scope,
    );
  });
});

describe("host lists", () => {
  it.each([
    ["AML_TOKEN_HOSTS", "*.com", "a wildcard over a whole top-level domain"],
    ["AML_TOKEN_HOSTS", ",,,", "must name at least one host pattern"],
    ["AML_TOKEN_HOSTS", "*.api.azureml.ms,*", "must list host names"],
    ["AML_TOKEN_HOSTS", "127.0.0.1", "a loopback host: no token is sent to loopback"],
    ["AML_TOKEN_HOSTS", "localhost", "a loopback host"],
    ["AML_TOKEN_HOSTS", "*.0.0.1", "a wildcard never matches an IP address"],
    ["ALLOWED_ENDPOINT_HOSTS", "*.ms", "a wildcard over a whole top-level domain"],
    ["ALLOWED_ENDPOINT_HOSTS", " , ", "must name at least one host pattern"],
    ["ALLOWED_ENDPOINT_HOSTS", "a..b.example", "must list host names"],
    ["ALLOWED_DATASTORE_HOSTS", "*.net", "a wildcard over a whole top-level domain"],
    ["ALLOWED_DATASTORE_HOSTS", ",", "must name at least one host pattern"],
    ["ALLOWED_DATASTORE_HOSTS", "localhost", "a loopback host"],
    ["ALLOWED_DATASTORE_HOSTS", "https://acct.blob.core.windows.net", "must list host names"],
    ["ALLOWED_NOTIFY_HOSTS", "*.com", "a wildcard over a whole top-level domain"],
    ["ALLOWED_NOTIFY_HOSTS", ",", "must name at least one host pattern"],
    ["ALLOWED_NOTIFY_HOSTS", "https://prod-1.westeurope.logic.azure.com", "must list host names"],
  ])("%s=%j stops the start, naming it", (name, value, reason) => {
    const message = settingsError({ AzureWebJobsStorage: STORAGE, [name]: value });
    expect(message).toMatch(new RegExp(`^Invalid settings: ${name} must`));
    expect(message).toContain(reason);
  });

  it("allows loopback in ALLOWED_ENDPOINT_HOSTS, which sends no token", () => {
    expect(
      loadSettings({ AzureWebJobsStorage: STORAGE, ALLOWED_ENDPOINT_HOSTS: "127.0.0.1" })
        .ALLOWED_ENDPOINT_HOSTS,
    ).toEqual(["127.0.0.1"]);
    expect(hostPatternProblem("127.0.0.1", { receivesToken: false })).toBeUndefined();
  });
});

describe("settings that must agree", () => {
  it("names the pipelines base URL when the endpoint rules or the token hosts do not cover its host", () => {
    const message = settingsError({
      AzureWebJobsStorage: STORAGE,
      ...WORKSPACE,
      AML_PIPELINES_BASE_URL: "https://chinaeast2.api.ml.azure.cn",
      AML_TOKEN_HOSTS: "*.api.ml.azure.cn",
    });
    expect(message).toBe(
      "Invalid settings: AML_PIPELINES_BASE_URL must point at a host ALLOWED_ENDPOINT_HOSTS allows: chinaeast2.api.ml.azure.cn does not match *.api.azureml.ms; add it to ALLOWED_ENDPOINT_HOSTS",
    );
    expect(
      settingsError({
        AzureWebJobsStorage: STORAGE,
        ...WORKSPACE,
        AML_REGION: "westeurope",
        AML_TOKEN_HOSTS: "*.api.ml.azure.cn",
      }),
    ).toContain("AML_REGION must point at a host AML_TOKEN_HOSTS allows: westeurope.api.azureml.ms");
  });
});

describe("datastore settings", () => {
  it.each([
    ["AzureWebJobsStorage"],
    ["azurewebjobsstorage"],
    ["AzureWebJobsStorage__blobServiceUri"],
    ["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"],
  ])("DATASTORE_CONNECTION_SETTINGS may not name the service's own storage (%s)", (name) => {
    expect(
      settingsError({
        AzureWebJobsStorage: STORAGE,
        DATASTORE_CONNECTION_SETTINGS: `DATA_STORAGE,${name}`,
        DATA_STORAGE: STORAGE,
      }),
    ).toBe(
      `Invalid settings: DATASTORE_CONNECTION_SETTINGS names ${name}, a storage setting of the service itself, which no datastore may read`,
    );
  });

  it("names a listed setting that is not set, or holds no connection string, without its value", () => {
    expect(
      settingsError({ AzureWebJobsStorage: STORAGE, DATASTORE_CONNECTION_SETTINGS: "DATA_STORAGE" }),
    ).toBe("Invalid settings: DATA_STORAGE is required: DATASTORE_CONNECTION_SETTINGS names it");
    const message = settingsError({
      AzureWebJobsStorage: STORAGE,
      DATASTORE_CONNECTION_SETTINGS: "DATA_STORAGE",
      DATA_STORAGE: "AccountKey=c2VjcmV0",
    });
    expect(message).toMatch(/^Invalid settings: DATA_STORAGE must be a storage connection string/);
    expect(message).not.toContain("c2VjcmV0");
  });

  it.each([",,", "DATA STORAGE", "DATA_STORAGE;OTHER"])(
    "DATASTORE_CONNECTION_SETTINGS=%j stops the start",
    (value) => {
      expect(settingsError({ AzureWebJobsStorage: STORAGE, DATASTORE_CONNECTION_SETTINGS: value })).toMatch(
        /^Invalid settings: DATASTORE_CONNECTION_SETTINGS must/,
      );
    },
  );

  it("reads the listed names, none by default", () => {
    expect(loadSettings({ AzureWebJobsStorage: STORAGE }).DATASTORE_CONNECTION_SETTINGS).toEqual([]);
    expect(
      loadSettings({
        AzureWebJobsStorage: STORAGE,
        DATASTORE_CONNECTION_SETTINGS: " DATA_STORAGE , LANDING_STORAGE ",
        DATA_STORAGE: STORAGE,
        LANDING_STORAGE:
          "BlobEndpoint=https://landing.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&sig=x",
      }).DATASTORE_CONNECTION_SETTINGS,
    ).toEqual(["DATA_STORAGE", "LANDING_STORAGE"]);
  });
});

describe("AzureWebJobsStorage__clientId", () => {
  it("must be a managed identity's client id", () => {
    expect(
      settingsError({
        AzureWebJobsStorage__accountName: "acct",
        AzureWebJobsStorage__clientId: "my-identity",
      }),
    ).toBe(
      "Invalid settings: AzureWebJobsStorage__clientId must be the client id (a GUID) of a managed identity",
    );
  });
});
