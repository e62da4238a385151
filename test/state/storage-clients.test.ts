import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError, type Settings } from "../../src/settings/settings.js";
import {
  isLoopbackHttp,
  storageAccessFromConnectionString,
  storageAccessFromSettings,
} from "../../src/state/storage-clients.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/** Never asked for a token: these tests only read the clients' URLs. */
const unusedCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.reject(new Error("no token in tests")),
};

describe("storageAccessFromSettings", () => {
  it("derives the public endpoints from the account name", () => {
    const settings = loadSettings({ AzureWebJobsStorage__accountName: "mystate" });
    const access = storageAccessFromSettings(settings, unusedCredential);

    expect(access.tableService().url).toBe("https://mystate.table.core.windows.net");
    expect(access.tableClient("schedules").url).toBe("https://mystate.table.core.windows.net");
    expect(access.tableClient("schedules").tableName).toBe("schedules");
    expect(access.queueClient("runs").url).toBe("https://mystate.queue.core.windows.net/runs");
    expect(access.blobService().url).toBe("https://mystate.blob.core.windows.net/");
  });

  it("prefers explicit service URIs", () => {
    const settings = loadSettings({
      AzureWebJobsStorage__accountName: "mystate",
      AzureWebJobsStorage__tableServiceUri: "https://tables.example.net/",
      AzureWebJobsStorage__queueServiceUri: "https://queues.example.net",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
    });
    const access = storageAccessFromSettings(settings, unusedCredential);

    expect(access.tableService().url).toBe("https://tables.example.net/");
    expect(access.queueClient("runs").url).toBe("https://queues.example.net/runs");
    expect(access.blobService().url).toBe("https://mystate.blob.core.windows.net/");
  });

  it("builds the default credential for a user-assigned identity without contacting anything", () => {
    const settings = loadSettings({
      AzureWebJobsStorage__accountName: "mystate",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
    });
    expect(storageAccessFromSettings(settings).tableService().url).toBe(
      "https://mystate.table.core.windows.net",
    );
  });

  it("names the endpoints that neither an account name nor a URI gives", () => {
    // loadSettings refuses this too; the factory must not rely on it.
    const settings: Settings = {
      ...loadSettings({ AzureWebJobsStorage__accountName: "mystate" }),
      AzureWebJobsStorage__accountName: undefined,
      AzureWebJobsStorage__tableServiceUri: "https://tables.example.net",
    };
    expect(() => storageAccessFromSettings(settings, unusedCredential)).toThrow(
      new SettingsError(
        "Invalid settings: AzureWebJobsStorage__queueServiceUri, AzureWebJobsStorage__blobServiceUri required when AzureWebJobsStorage__accountName is not set",
      ),
    );
  });

  it("uses the connection string when one is given", () => {
    const settings = loadSettings({
      AzureWebJobsStorage:
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
      AzureWebJobsStorage__accountName: "ignored",
    });
    const access = storageAccessFromSettings(settings, unusedCredential);

    expect(access.tableService().url).toBe("https://acct.table.core.windows.net");
    expect(access.queueClient("runs").url).toBe("https://acct.queue.core.windows.net/runs");
    expect(access.blobService().url).toBe("https://acct.blob.core.windows.net/");
  });
});

describe("storageAccessFromConnectionString", () => {
  it("understands UseDevelopmentStorage=true as Azurite's default ports", () => {
    const access = storageAccessFromConnectionString("UseDevelopmentStorage=true");
    expect(access.tableService().url).toBe("http://127.0.0.1:10002/devstoreaccount1");
    expect(access.queueClient("runs").url).toBe("http://127.0.0.1:10001/devstoreaccount1/runs");
    expect(access.blobService().url).toBe("http://127.0.0.1:10000/devstoreaccount1");
  });

  it("reaches the test Azurite's tables over loopback http", async () => {
    const access = storageAccessFromConnectionString(testStorageConnectionString());
    const name = `${uniqueStoragePrefix()}clients`;
    await access.tableService().createTable(name);
    const table = access.tableClient(name);
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: 1 });
    expect((await table.getEntity("p", "r")).value).toBe(1);
    expect(access.tableService().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
  });

  it("reaches the test Azurite's queues and blobs", async () => {
    const access = storageAccessFromConnectionString(testStorageConnectionString());
    const queue = access.queueClient(`${uniqueStoragePrefix()}queue`);
    await queue.create();
    await queue.sendMessage("hello");
    expect((await queue.receiveMessages()).receivedMessageItems[0]?.messageText).toBe("hello");
    const container = access.blobService().getContainerClient(`${uniqueStoragePrefix()}container`);
    await container.create();
    expect(await container.exists()).toBe(true);
  });
});

describe("isLoopbackHttp", () => {
  it("is true only for http on a loopback host", () => {
    expect(isLoopbackHttp("http://127.0.0.1:10002/devstoreaccount1")).toBe(true);
    expect(isLoopbackHttp("http://localhost:10002")).toBe(true);
    expect(isLoopbackHttp("http://[::1]:10002")).toBe(true);
    expect(isLoopbackHttp("https://127.0.0.1:10002")).toBe(false);
    expect(isLoopbackHttp("http://example.net")).toBe(false);
  });
});
