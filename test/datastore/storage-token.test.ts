import { randomBytes } from "node:crypto";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkFolder } from "../../src/datastore/folder-check.js";
import { folderCheckDependencies } from "../../src/host/folder-check-wiring.js";
import type { Services } from "../../src/api/services.js";
import { startDatastoreApi, type DatastoreApi } from "../support/datastore-api.js";
import { testStorageConnectionString } from "../support/storage.js";
import { acceptingAnyCertificate, startTlsRecorder, type TlsRecorder } from "../support/tls-recorder.js";

/**
 * Issue 11, hole 1: an `accountUrl` datastore is read with the app's managed-identity token for
 * https://storage.azure.com, which opens every account the identity can read. The token must go to no host but
 * an allowed Blob endpoint (CONTRACT 4, 6), whether the row comes through PUT /datastores or was stored before.
 */

const TOKEN = `storage-token-${randomBytes(8).toString("hex")}`;

/** Hands out TOKEN and records every scope it was asked for. */
function recordingCredential(): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: (scope: string | string[], _options?: GetTokenOptions): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

let recorder: TlsRecorder;
let credential: ReturnType<typeof recordingCredential>;
let api: DatastoreApi;
let services: Services;
let logs: string[];

beforeEach(async () => {
  recorder = await startTlsRecorder();
  credential = recordingCredential();
  logs = [];
  api = await startDatastoreApi(
    {},
    { credential, allowLoopbackEndpoints: true, log: (line) => logs.push(line) },
  );
  services = api.services;
});

afterEach(async () => {
  await api.close();
  await recorder.close();
});

function call(method: string, route: string, body?: unknown): Promise<Response> {
  return api.call(method, route, body);
}

/** A change-based schedule on `datastoreName`, created through the API. */
async function watch(datastoreName: string): Promise<string> {
  const created = await call("POST", "/schedules", {
    name: `watch-${randomBytes(4).toString("hex")}`,
    experimentName: "Uploads",
    target: { endpointUrl: "http://127.0.0.1:9/submit" },
    trigger: { type: "datastore", datastoreName, dataPathParameterName: "file" },
  });
  expect(created.status).toBe(201);
  return String(((await created.json()) as { id: string }).id);
}

describe("the storage token of accountUrl datastores (CONTRACT 4, 6)", () => {
  it("reaches the recorder when a client is pointed at it unguarded: the recorder sees what a leak would be", async () => {
    const exists = await acceptingAnyCertificate(() =>
      new BlobServiceClient(recorder.origin, credential)
        .getContainerClient("landing")
        .exists()
        .then(
          () => "answered",
          () => "refused",
        ),
    );
    expect(exists).toBe("refused");
    expect(credential.scopes).toEqual(["https://storage.azure.com/.default"]);
    expect(recorder.requests.map((request) => request.headers.authorization)).toContain(`Bearer ${TOKEN}`);
  });

  it.each([
    ["the recorder itself", () => recorder.origin],
    ["loopback without a port", () => "https://127.0.0.1"],
    ["localhost", () => "https://localhost"],
    ["IPv6 loopback", () => "https://[::1]"],
    ["any other host", () => "https://attacker.example"],
    ["an allowed name as a prefix", () => "https://acct.blob.core.windows.net.attacker.example"],
    ["an allowed host with a port", () => "https://acct.blob.core.windows.net:8443"],
    ["an allowed host with a path", () => "https://acct.blob.core.windows.net/landing"],
    ["an allowed host with a query", () => "https://acct.blob.core.windows.net/?sv=2024&sig=x"],
    ["an allowed host with an empty query", () => "https://acct.blob.core.windows.net?"],
    ["an allowed host with a fragment", () => "https://acct.blob.core.windows.net#x"],
    ["an allowed host with credentials", () => "https://user:pass@acct.blob.core.windows.net"],
    ["an allowed host over http", () => "http://acct.blob.core.windows.net"],
  ])("PUT refuses %s as accountUrl with a 400 on accountUrl, and registers nothing", async (_case, url) => {
    const response = await call("PUT", "/datastores/landing", {
      accountUrl: url(),
      containerName: "landing",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((issue) => issue.path)).toEqual(["accountUrl"]);
    expect((await call("GET", "/datastores/landing")).status).toBe(404);
    expect(recorder.connections).toBe(0);
  });

  it("PUT takes a Blob endpoint of the default suffix", async () => {
    const response = await call("PUT", "/datastores/landing", {
      accountUrl: "https://mystorageaccount.blob.core.windows.net",
      containerName: "landing",
    });
    expect(response.status).toBe(201);
  });

  it("refuses at check time a row stored before the rules: no token is asked for and nothing reaches the host", async () => {
    await services.datastores.registry.put(
      "legacy",
      { accountUrl: recorder.origin, containerName: "landing" },
      new Date(),
    );
    const scheduleId = await watch("legacy");

    const runs = await acceptingAnyCertificate(() =>
      checkFolder(folderCheckDependencies(services), scheduleId, new Date()),
    );

    expect(credential.scopes).toEqual([]);
    expect(recorder.requests).toEqual([]);
    expect(recorder.connections).toBe(0);
    expect(runs).toEqual([]);
    expect(logs).toEqual([
      expect.stringMatching(
        new RegExp(
          `^schedule ${scheduleId}: folder not checked: datastore legacy is refused, nothing was sent: its accountUrl`,
        ),
      ),
    ]);
  });
});

describe("a connection-string row on the service's own storage, stored before the rules", () => {
  let container: ContainerClient;
  beforeEach(async () => {
    container = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(
      `own-${randomBytes(5).toString("hex")}`,
    );
    await container.create();
  });
  afterEach(async () => {
    await container.deleteIfExists();
  });

  it("lists nothing, so that no blob name of the service's storage reaches a run", async () => {
    await services.datastores.registry.put(
      "backdoor",
      { connectionStringSetting: "AzureWebJobsStorage", containerName: container.containerName },
      new Date(),
    );
    const scheduleId = await watch("backdoor");
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    await container.getBlockBlobClient("state-secret-name.json").upload("{}", 2);

    const runs = await checkFolder(folderCheckDependencies(services), scheduleId, new Date());

    expect(runs).toEqual([]);
    expect((await services.runs.listForSchedule(scheduleId, 10)).items).toEqual([]);
    expect(logs.join("\n")).toMatch(
      /datastore backdoor is refused, nothing was sent: its connectionStringSetting/,
    );
  });
});
