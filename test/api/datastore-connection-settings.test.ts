import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_DATASTORE_NAME } from "../../src/datastore/local-datastore.js";
import { noTokenCredential } from "../support/firing-stack.js";
import { startDatastoreApi, type DatastoreApi } from "../support/datastore-api.js";
import { testStorageConnectionString } from "../support/storage.js";

/**
 * Issue 11, hole 2: `connectionStringSetting` may name only the app settings DATASTORE_CONNECTION_SETTINGS lists,
 * never the service's own storage, and the 400 says nothing about which settings exist (CONTRACT 4).
 */

/** Set in this process, and so an app setting as far as the service can tell. */
const LISTED = "DATASTORE_ACCESS_TEST_STORAGE";
const UNLISTED_BUT_SET = "DATASTORE_ACCESS_TEST_UNLISTED";
process.env[LISTED] = testStorageConnectionString();
process.env[UNLISTED_BUT_SET] = testStorageConnectionString();

let api: DatastoreApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function startApi(
  settings: Record<string, string>,
  options: { allowLocalDatastore?: boolean } = {},
): Promise<DatastoreApi["call"]> {
  api = await startDatastoreApi(settings, {
    credential: noTokenCredential,
    log: () => undefined,
    ...options,
  });
  return api.call;
}

describe("connectionStringSetting (CONTRACT 4, datastore row)", () => {
  const refusedNames = [
    ["a setting nobody set", `NOT_SET_${randomBytes(4).toString("hex").toUpperCase()}`],
    ["a setting that is set but not listed", UNLISTED_BUT_SET],
    ["PATH, set in every process", "PATH"],
    ["the service's own storage", "AzureWebJobsStorage"],
    ["its identity-based form", "AzureWebJobsStorage__blobServiceUri"],
    ["its name in another case", "azurewebjobsstorage"],
  ];

  it("answers every name it refuses with one and the same 400, whether the setting exists or not", async () => {
    const call = await startApi({
      DATASTORE_CONNECTION_SETTINGS: LISTED,
      [LISTED]: testStorageConnectionString(),
    });
    const answers: unknown[] = [];
    for (const [, name] of refusedNames) {
      const response = await call("PUT", "/datastores/landing", {
        connectionStringSetting: name,
        containerName: "landing",
      });
      expect(response.status, name).toBe(400);
      answers.push(await response.json());
    }
    expect(answers[0]).toMatchObject({
      status: 400,
      errors: [
        {
          path: "connectionStringSetting",
          message: `must name an app setting listed in DATASTORE_CONNECTION_SETTINGS: ${LISTED}`,
        },
      ],
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect((await call("GET", "/datastores/landing")).status).toBe(404);
  });

  it("takes a listed setting", async () => {
    const call = await startApi({
      DATASTORE_CONNECTION_SETTINGS: LISTED,
      [LISTED]: testStorageConnectionString(),
    });
    const response = await call("PUT", "/datastores/landing", {
      connectionStringSetting: LISTED,
      containerName: "landing",
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: "landing", connectionStringSetting: LISTED });
  });

  it("takes none by default, saying so the same way for every name", async () => {
    const call = await startApi({});
    for (const name of [LISTED, "AzureWebJobsStorage", "NOT_SET_ANYWHERE"]) {
      const response = await call("PUT", "/datastores/landing", {
        connectionStringSetting: name,
        containerName: "landing",
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: unknown }).errors).toEqual([
        {
          path: "connectionStringSetting",
          message: "must name an app setting listed in DATASTORE_CONNECTION_SETTINGS, which lists none",
        },
      ]);
    }
  });

  it("lets the local host register its own workspaceblobstore on its storage, and nothing else there", async () => {
    const call = await startApi({}, { allowLocalDatastore: true });
    const own = await call("PUT", `/datastores/${LOCAL_DATASTORE_NAME}`, {
      connectionStringSetting: "AzureWebJobsStorage",
      containerName: LOCAL_DATASTORE_NAME,
    });
    expect(own.status).toBe(201);
    for (const [name, containerName] of [
      ["elsewhere", LOCAL_DATASTORE_NAME],
      [LOCAL_DATASTORE_NAME, "azure-webjobs-hosts"],
    ] as const) {
      const response = await call("PUT", `/datastores/${name}`, {
        connectionStringSetting: "AzureWebJobsStorage",
        containerName,
      });
      expect(response.status, `${name} on ${containerName}`).toBe(400);
    }
  });

  it("does not let the Azure app register workspaceblobstore on its own storage", async () => {
    const call = await startApi({});
    const response = await call("PUT", `/datastores/${LOCAL_DATASTORE_NAME}`, {
      connectionStringSetting: "AzureWebJobsStorage",
      containerName: LOCAL_DATASTORE_NAME,
    });
    expect(response.status).toBe(400);
  });
});
