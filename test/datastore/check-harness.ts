import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import type { DatastoreRecord } from "../../src/datastore/datastore-record.js";
import { TableDatastoreRegistry } from "../../src/datastore/datastore-registry.js";
import type { FolderListing } from "../../src/datastore/folder-changes.js";
import { checkFolder, type FolderCheckDependencies } from "../../src/datastore/folder-check.js";
import { TableFolderCursorStore } from "../../src/datastore/folder-cursor-store.js";
import {
  listFolder,
  openDatastoreContainer,
  type DatastoreConnection,
} from "../../src/datastore/folder-listing.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { newScheduleRun } from "../../src/submit/new-run.js";
import { forEachConcurrently } from "../../src/concurrency.js";
import { createFiringStack, noTokenCredential, type FiringStack } from "../support/firing-stack.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/** The connection string reaches the check only through this app setting, as in Azure. */
const SETTING = "FOLDER_CHECK_TEST_STORAGE";

/** A change-based schedule's whole path over the test Azurite: a container, the registry, cursors, runs. */
export interface CheckHarness {
  stack: FiringStack;
  endpoint: ScriptedEndpoint;
  container: ContainerClient;
  datastore: DatastoreRecord;
  registry: TableDatastoreRegistry;
  cursors: TableFolderCursorStore;
  deps: FolderCheckDependencies;
  /** How the harness's own checks open its datastore (its app setting is allowed). */
  connection: DatastoreConnection;
  /** Creates a datastore schedule at `createdAt` (default: now) on this harness's datastore. */
  watch(
    trigger: Record<string, unknown>,
    createdAt?: Date,
    status?: "Active" | "Disabled",
  ): Promise<ScheduleRecord>;
  check(schedule: ScheduleRecord, deps?: FolderCheckDependencies): Promise<RunRecord[]>;
  /** Uploads blobs, `concurrency` at a time; content is random unless given. */
  upload(names: readonly string[], options?: { concurrency?: number; content?: string }): Promise<void>;
  runsOf(schedule: ScheduleRecord): Promise<RunRecord[]>;
  close(): Promise<void>;
}

export async function createCheckHarness(options: { pageSize?: number } = {}): Promise<CheckHarness> {
  const connectionString = testStorageConnectionString();
  process.env[SETTING] = connectionString;
  const prefix = uniqueStoragePrefix();
  const stack = await createFiringStack();
  const endpoint = await startScriptedEndpoint([{ status: 200 }]);
  const table = (name: string) =>
    TableClient.fromConnectionString(connectionString, `${prefix}${name}`, { allowInsecureConnection: true });
  const registry = new TableDatastoreRegistry(table("datastores"));
  const cursors = new TableFolderCursorStore(table("cursors"));
  await Promise.all([registry.ensureCreated(), cursors.ensureCreated()]);
  const containerName = `${prefix}-data`;
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  await container.create();
  const { record: datastore } = await registry.put(
    `ds_${prefix}`,
    { connectionStringSetting: SETTING, containerName },
    new Date(),
  );
  const targeting = {
    workspace: NO_WORKSPACE,
    endpoints: { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true },
  };
  const connection: DatastoreConnection = {
    credential: noTokenCredential,
    appSetting: (name: string) => process.env[name],
    policy: { allowedHosts: ["*.blob.core.windows.net"], connectionSettings: [SETTING] },
  };
  const deps: FolderCheckDependencies = {
    schedules: stack.schedules,
    runs: stack.runs,
    queue: stack.queue,
    datastores: registry,
    cursors,
    newRun: (schedule, input, now) => newScheduleRun(schedule, input, now, targeting),
    listFolder: (record, folder): Promise<FolderListing> =>
      listFolder(openDatastoreContainer(record, connection), folder, options.pageSize),
    log: (line) => stack.logs.push(line),
  };
  return {
    stack,
    endpoint,
    container,
    datastore,
    registry,
    cursors,
    deps,
    connection,
    watch: (trigger, createdAt = new Date(), status = "Active") =>
      stack.createSchedule(
        {
          name: `watch-${randomBytes(4).toString("hex")}`,
          status,
          target: { endpointUrl: `${endpoint.url}/submit` },
          experimentName: "Uploads",
          trigger: { type: "datastore", datastoreName: datastore.name, ...trigger },
        },
        createdAt,
      ),
    check: (schedule, otherDeps = deps) => checkFolder(otherDeps, schedule.id, new Date()),
    upload: (names, { concurrency = 32, content } = {}) =>
      forEachConcurrently(names, concurrency, async (name) => {
        const body = content ?? randomBytes(8).toString("hex");
        await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
      }),
    runsOf: async (schedule) => (await stack.runs.listForSchedule(schedule.id, 1000)).items,
    close: async () => {
      await endpoint.close();
      await container.deleteIfExists();
    },
  };
}

/** Waits until the wall clock enters a new second, so that what was uploaded before is in an earlier second. */
export async function nextSecond(): Promise<void> {
  const wait = 1000 - (Date.now() % 1000) + 20;
  await new Promise((resolve) => setTimeout(resolve, wait));
}

/** `path@etag` of each run's changed blob, sorted. */
export function changedBlobsOf(runs: readonly RunRecord[]): string[] {
  return runs.map((run) => `${run.changedBlob?.path}@${run.changedBlob?.etag}`).sort();
}
