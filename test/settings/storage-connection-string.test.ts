import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openDatastoreContainer } from "../../src/datastore/folder-listing.js";
import { loadSettings, SettingsError } from "../../src/settings/settings.js";
import {
  DEVELOPMENT_ACCOUNT,
  parseStorageConnectionString,
} from "../../src/settings/storage-connection-string.js";
import { storageAccessFromSettings } from "../../src/state/storage-clients.js";
import { settingsError } from "./settings-error.js";

/**
 * Issue 11, hole 7: connection strings are parsed as the SDKs do, and one that would end in an SDK stack trace
 * stops the start with a message naming AzureWebJobsStorage, never repeating the value.
 */

const KEY = "a2V5a2V5a2V5a2V5"; // base64 of "keykeykeykey"

function storageError(value: string): string {
  return settingsError({ AzureWebJobsStorage: value });
}

describe("AzureWebJobsStorage connection strings", () => {
  it.each([
    ["AccountName alone", "AccountName=acct", "needs AccountName with AccountKey, or SharedAccessSignature"],
    ["a malformed AccountName", "AccountName=My_Account;AccountKey=a2V5", "not a storage account name"],
    [
      "TableEndpoint that is no URL",
      `AccountName=acct;AccountKey=${KEY};TableEndpoint=notaurl`,
      "has a TableEndpoint that must be an absolute https URL",
    ],
    [
      "an AccountKey that is not base64",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=not base64!;EndpointSuffix=core.windows.net",
      "has an AccountKey that is not base64",
    ],
    [
      "an AccountKey of the wrong length",
      "AccountName=acct;AccountKey=a2V",
      "has an AccountKey that is not base64",
    ],
    [
      "a key without AccountName",
      `AccountKey=${KEY};BlobEndpoint=https://a.blob.core.windows.net`,
      "AccountKey without AccountName",
    ],
    [
      "both a key and a SAS",
      `AccountName=acct;AccountKey=${KEY};SharedAccessSignature=sv=1&sig=2`,
      "both AccountKey and SharedAccessSignature",
    ],
    [
      "a SAS without a table endpoint",
      "BlobEndpoint=https://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net;SharedAccessSignature=sv=1",
      "needs TableEndpoint",
    ],
    [
      "http to a real account",
      `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY}`,
      "http is allowed only for loopback endpoints",
    ],
    [
      "an http endpoint off loopback",
      `AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://acct.blob.core.windows.net`,
      "plain http only for loopback hosts",
    ],
    [
      "an endpoint with a query",
      `AccountName=acct;AccountKey=${KEY};QueueEndpoint=https://acct.queue.core.windows.net/?sv=1`,
      "must not have a query string",
    ],
    [
      "a protocol that is neither",
      `DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey=${KEY}`,
      "DefaultEndpointsProtocol other than https or http",
    ],
    [
      "a malformed EndpointSuffix",
      `AccountName=acct;AccountKey=${KEY};EndpointSuffix=core windows`,
      "EndpointSuffix that is not a DNS suffix",
    ],
    ["a misspelt key", `AccountName=acct;AccountKye=${KEY}`, "has an unknown key AccountKye"],
    ["a key given twice", `AccountName=acct;accountname=other;AccountKey=${KEY}`, "gives AccountName twice"],
    ["an empty value", `AccountName=;AccountKey=${KEY}`, "has an empty AccountName"],
    ["a part without =", `AccountName=acct;${KEY}`, "has a part that is not Key=Value"],
    [
      "development storage with more",
      "UseDevelopmentStorage=true;AccountName=acct",
      "UseDevelopmentStorage=true alone",
    ],
    ["development storage turned off", "UseDevelopmentStorage=false", "UseDevelopmentStorage=true alone"],
  ])("refuses %s, naming AzureWebJobsStorage", (_case, value, reason) => {
    const message = storageError(value);
    expect(message).toMatch(/^Invalid settings: AzureWebJobsStorage must be a storage connection string/);
    expect(message).toContain(reason);
  });

  it("never repeats a key, a SAS or an unknown key that could be part of one", () => {
    const secrets = ["c2VjcmV0c2VjcmV0c2VjcmV0", "sig=c2VjcmV0"];
    for (const value of [
      `AccountName=acct;AccountKey=${secrets[0]}!`,
      `${secrets[0]}==`,
      `AccountKey=${secrets[0]}`,
      `BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=${secrets[1]}`,
    ]) {
      const message = storageError(value);
      for (const secret of secrets) expect(message).not.toContain(secret);
    }
  });

  it("derives the endpoints as the SDKs do, from the account and the suffix", () => {
    const parsed = parseStorageConnectionString(
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.chinacloudapi.cn`,
      ["blob", "queue", "table"],
    );
    expect(parsed).toEqual({
      ok: true,
      connection: {
        endpoints: {
          blob: "https://acct.blob.core.chinacloudapi.cn",
          queue: "https://acct.queue.core.chinacloudapi.cn",
          table: "https://acct.table.core.chinacloudapi.cn",
        },
        credential: { kind: "sharedKey", accountName: "acct", accountKey: KEY },
      },
    });
  });

  it("takes keys in any case, explicit endpoints over derived ones, and a trailing ; or /", () => {
    const parsed = parseStorageConnectionString(
      `accountname=acct; ACCOUNTKEY=${KEY}; BlobEndpoint=https://files.example.net/;`,
      ["blob", "queue", "table"],
    );
    expect(parsed.ok && parsed.connection.endpoints).toEqual({
      blob: "https://files.example.net",
      queue: "https://acct.queue.core.windows.net",
      table: "https://acct.table.core.windows.net",
    });
  });

  it("reads a SAS connection string as the portal gives it", () => {
    const text =
      "BlobEndpoint=https://acct.blob.core.windows.net/;QueueEndpoint=https://acct.queue.core.windows.net/;" +
      "TableEndpoint=https://acct.table.core.windows.net/;SharedAccessSignature=sv=2024-11-04&ss=bqt&sig=abc%3D";
    const access = storageAccessFromSettings(loadSettings({ AzureWebJobsStorage: text }));
    expect(access.queueClient("runs").url).toBe(
      "https://acct.queue.core.windows.net/runs?sv=2024-11-04&ss=bqt&sig=abc%3D",
    );
    expect(access.blobService().url).toBe(
      "https://acct.blob.core.windows.net/?sv=2024-11-04&ss=bqt&sig=abc%3D",
    );
    expect(access.tableClient("schedules").url).toBe("https://acct.table.core.windows.net");
  });

  it("reads UseDevelopmentStorage=true as Azurite's well-known account", () => {
    expect(parseStorageConnectionString("usedevelopmentstorage=TRUE", ["table"])).toEqual({
      ok: true,
      connection: {
        endpoints: DEVELOPMENT_ACCOUNT.endpoints,
        credential: {
          kind: "sharedKey",
          accountName: DEVELOPMENT_ACCOUNT.name,
          accountKey: DEVELOPMENT_ACCOUNT.key,
        },
      },
    });
  });
});

/** Pieces that connection strings are made of, right and wrong. */
const CONNECTION_STRING_PARTS = [
  "DefaultEndpointsProtocol=https",
  "DefaultEndpointsProtocol=http",
  "DefaultEndpointsProtocol=ftp",
  "AccountName=acct",
  "AccountName=devstoreaccount1",
  "AccountName=Bad_Name",
  `AccountKey=${KEY}`,
  "AccountKey=not base64",
  "AccountKey=a2V",
  "EndpointSuffix=core.windows.net",
  "EndpointSuffix=core.chinacloudapi.cn",
  "EndpointSuffix=nodots",
  "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1",
  "BlobEndpoint=https://files.example.net/",
  "BlobEndpoint=notaurl",
  "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1",
  "QueueEndpoint=https://[::1]:10001/acct",
  "TableEndpoint=http://localhost:10002/devstoreaccount1",
  "TableEndpoint=https://tables.example.net",
  "TableEndpoint=https://acct.table.core.windows.net/?x",
  "SharedAccessSignature=sv=2024-11-04&sig=abc%3D",
  "SharedAccessSignature=?sv=1",
  "UseDevelopmentStorage=true",
  "FileEndpoint=https://acct.file.core.windows.net",
  "",
  " ",
];

describe("a connection string loadSettings accepts", () => {
  it("never fails later, in the clients of the state storage or of a datastore", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.shuffledSubarray(CONNECTION_STRING_PARTS, { maxLength: 7 }), (parts) => {
        const text = parts.join(";");
        let settings;
        try {
          settings = loadSettings({
            AzureWebJobsStorage: text,
            DATASTORE_CONNECTION_SETTINGS: "DATA",
            DATA: text,
          });
        } catch (error) {
          expect(error).toBeInstanceOf(SettingsError);
          return;
        }
        accepted += 1;
        const access = storageAccessFromSettings(settings);
        access.tableService();
        access.tableClient("schedules");
        access.queueClient("runs");
        access.blobService().getContainerClient("c");
        openDatastoreContainer(
          { name: "d", connectionStringSetting: "DATA", containerName: "c", createdAt: "", updatedAt: "" },
          {
            credential: { getToken: () => Promise.resolve(null) },
            appSetting: () => text,
            policy: { allowedHosts: settings.ALLOWED_DATASTORE_HOSTS, connectionSettings: ["DATA"] },
          },
        );
      }),
      { numRuns: 3000, seed: 20261121 },
    );
    expect(accepted).toBeGreaterThan(40);
  });
});
