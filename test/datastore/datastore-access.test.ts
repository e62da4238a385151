import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import {
  accountUrlShapeProblem,
  datastoreAccessProblem,
  type DatastoreAccessPolicy,
} from "../../src/datastore/datastore-access.js";
import type { DatastoreRecord } from "../../src/datastore/datastore-record.js";
import { DatastoreConfigurationError, openDatastoreContainer } from "../../src/datastore/folder-listing.js";
import { loadSettings } from "../../src/settings/settings.js";

const PUBLIC: DatastoreAccessPolicy = { allowedHosts: ["*.blob.core.windows.net"], connectionSettings: [] };

const datastore = (fields: Partial<DatastoreRecord>): DatastoreRecord => ({
  name: "landing",
  containerName: "landing",
  createdAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
  ...fields,
});

describe("accountUrlShapeProblem", () => {
  it.each([
    "https://acct.blob.core.windows.net",
    "https://acct.blob.core.windows.net/",
    "https://ACCT.Blob.Core.Windows.Net",
  ])("takes %s", (url) => {
    expect(accountUrlShapeProblem(url)).toBeUndefined();
  });

  it.each([
    "acct.blob.core.windows.net",
    "http://acct.blob.core.windows.net",
    "ftp://acct.blob.core.windows.net",
    "https://acct.blob.core.windows.net:443",
    "https://acct.blob.core.windows.net/c",
    "https://acct.blob.core.windows.net/?",
    "https://acct.blob.core.windows.net#",
    "https://@acct.blob.core.windows.net",
    "https://u:p@acct.blob.core.windows.net",
  ])("refuses %s", (url) => {
    expect(accountUrlShapeProblem(url)).toMatch(/^must be the Blob endpoint of a storage account/);
  });
});

describe("datastoreAccessProblem with the settings' policy", () => {
  it("allows accounts of the default suffix only, by default", () => {
    const settings = loadSettings({ AzureWebJobsStorage: "UseDevelopmentStorage=true" });
    const policy = { allowedHosts: settings.ALLOWED_DATASTORE_HOSTS, connectionSettings: [] };
    expect(
      datastoreAccessProblem(datastore({ accountUrl: "https://a1.blob.core.windows.net" }), policy),
    ).toBe(undefined);
    for (const host of [
      "blob.core.windows.net",
      "a1.blob.core.chinacloudapi.cn",
      "a1.table.core.windows.net",
    ]) {
      expect(datastoreAccessProblem(datastore({ accountUrl: `https://${host}` }), policy)).toEqual({
        path: "accountUrl",
        message: `host ${host} is not allowed; ALLOWED_DATASTORE_HOSTS is *.blob.core.windows.net`,
      });
    }
  });

  it.each([
    ["Azure China", "*.blob.core.chinacloudapi.cn", "https://acct.blob.core.chinacloudapi.cn"],
    ["Azure US Government", "*.blob.core.usgovcloudapi.net", "https://acct.blob.core.usgovcloudapi.net"],
    [
      "a private endpoint's name",
      "acct.privatelink.blob.core.windows.net",
      "https://acct.privatelink.blob.core.windows.net",
    ],
  ])("allows %s when ALLOWED_DATASTORE_HOSTS names it", (_cloud, hosts, accountUrl) => {
    const settings = loadSettings({
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      ALLOWED_DATASTORE_HOSTS: hosts,
    });
    const policy = { allowedHosts: settings.ALLOWED_DATASTORE_HOSTS, connectionSettings: [] };
    expect(datastoreAccessProblem(datastore({ accountUrl }), policy)).toBeUndefined();
    expect(
      datastoreAccessProblem(datastore({ accountUrl: "https://acct.blob.core.windows.net" }), policy)?.path,
    ).toBe("accountUrl");
  });

  it("never allows a loopback host, even when the list names it", () => {
    const policy = { allowedHosts: ["127.0.0.1", "localhost"], connectionSettings: [] };
    for (const accountUrl of ["https://127.0.0.1", "https://localhost", "https://127.1.2.3"]) {
      expect(datastoreAccessProblem(datastore({ accountUrl }), policy)?.message).toMatch(/loopback/);
    }
  });

  it("allows the one own-storage registration of the local host exactly, and nothing like it", () => {
    const own = {
      name: "workspaceblobstore",
      connectionStringSetting: "AzureWebJobsStorage",
      containerName: "workspaceblobstore",
    };
    const policy = { ...PUBLIC, ownStorageDatastore: own };
    expect(datastoreAccessProblem(datastore(own), policy)).toBeUndefined();
    expect(datastoreAccessProblem(datastore({ ...own, name: "other" }), policy)?.path).toBe(
      "connectionStringSetting",
    );
    expect(
      datastoreAccessProblem(datastore({ ...own, containerName: "azure-webjobs-hosts" }), policy)?.path,
    ).toBe("connectionStringSetting");
    expect(datastoreAccessProblem(datastore(own), PUBLIC)?.path).toBe("connectionStringSetting");
  });
});

describe("openDatastoreContainer", () => {
  it("refuses a disallowed row before building a client, so that no token is asked for", () => {
    const asked: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope): Promise<AccessToken> => {
        asked.push(String(scope));
        return Promise.reject(new Error("no token in this test"));
      },
    };
    const connection = { credential, appSetting: () => undefined, policy: PUBLIC };
    expect(() =>
      openDatastoreContainer(datastore({ accountUrl: "https://attacker.example" }), connection),
    ).toThrow(DatastoreConfigurationError);
    expect(() =>
      openDatastoreContainer(datastore({ connectionStringSetting: "AzureWebJobsStorage" }), connection),
    ).toThrow(/datastore landing is refused, nothing was sent: its connectionStringSetting/);
    expect(asked).toEqual([]);
  });

  it("opens an allowed account at its origin", () => {
    const connection = {
      credential: { getToken: () => Promise.resolve(null) },
      appSetting: () => undefined,
      policy: PUBLIC,
    };
    const container = openDatastoreContainer(
      datastore({ accountUrl: "https://acct.blob.core.windows.net/" }),
      connection,
    );
    expect(container.url).toBe("https://acct.blob.core.windows.net/landing");
  });

  it("names a listed setting that holds no connection string, without repeating its value", () => {
    const connection = {
      credential: { getToken: () => Promise.resolve(null) },
      appSetting: () => "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=secret-but-not-base64",
      policy: { ...PUBLIC, connectionSettings: ["DATA_STORAGE"] },
    };
    let message = "";
    try {
      openDatastoreContainer(datastore({ connectionStringSetting: "DATA_STORAGE" }), connection);
    } catch (error) {
      expect(error).toBeInstanceOf(DatastoreConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /^the app setting DATA_STORAGE of datastore landing must be a storage connection string/,
    );
    expect(message).toContain("AccountKey that is not base64");
    expect(message).not.toContain("secret-but-not-base64");
  });
});
