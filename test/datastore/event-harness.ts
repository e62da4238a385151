import { randomUUID } from "node:crypto";
import http from "node:http";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, ContainerSASPermissions, type ContainerClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import type { Services } from "../../src/api/services.js";
import { blobCreatedEventOf, listingEtag, type CommittedBlob } from "../../src/datastore/blob-events.js";
import { checkFolder } from "../../src/datastore/folder-check.js";
import { forEachConcurrently } from "../../src/concurrency.js";
import { createServices, TABLE_NAMES } from "../../src/host/create-services.js";
import { folderCheckDependencies } from "../../src/host/folder-check-wiring.js";
import { startLocalHttpServer, type LocalHttpServer } from "../../src/host/local/http-server.js";
import {
  loadQueueHostOptions,
  startQueueRunner,
  type RunningQueues,
} from "../../src/host/local/queue-runner.js";
import {
  resolvedQueueName,
  type HttpTriggerSpec,
  type QueueTriggerSpec,
} from "../../src/host/trigger-list.js";
import { allTriggers } from "../../src/host/triggers.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import { loadSettings } from "../../src/settings/settings.js";
import { encodeQueueMessage } from "../../src/state/queue-message.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/** The connection string reaches the datastore only through this app setting, as in Azure. */
const SETTING = "BLOB_EVENT_TEST_STORAGE";
export const DATASTORE = "landing";

/** An uploaded blob, with the properties storage gave it. */
export interface UploadedBlob extends CommittedBlob {
  /** As the listing gives it (unquoted), the form of a run's changedBlob.etag. */
  etag: string;
}

/**
 * Events mode over the one trigger list both hosts serve, on the test Azurite: schedules are created through the
 * HTTP API (so activations list their folder and record their watch), events go through the real
 * BLOB_EVENTS_QUEUE and the local queue runner with the app's host.json, and runs land in the real run table.
 */
export interface EventHarness {
  services: Services;
  container: ContainerClient;
  /** BLOB_EVENTS_QUEUE of this harness, and its poison queue. */
  eventsQueue: QueueClient;
  poisonQueue: QueueClient;
  /** What the handlers and the queue runner logged. */
  logs: string[];
  call(method: string, route: string, body?: unknown): Promise<Response>;
  /** Creates an Active events-mode schedule on `folder` of the datastore; answers its id. */
  watch(folder: string, trigger?: Record<string, unknown>): Promise<string>;
  /** Uploads `content` to `name`; answers the blob's real properties. */
  upload(name: string, content?: string): Promise<UploadedBlob>;
  /** A BlobCreated event in the Event Grid schema made of a blob's real properties. */
  eventOf(blob: UploadedBlob, options?: { api?: string; contentLength?: number }): Record<string, unknown>;
  /** Puts a message on BLOB_EVENTS_QUEUE: base64 of its JSON (as Event Grid writes it), or the JSON text itself. */
  send(value: unknown, encoding?: "base64" | "json"): Promise<void>;
  /** Runs the queue trigger of BLOB_EVENTS_QUEUE, as the local host does. */
  startWorker(): Promise<void>;
  /** A reconciliation of the schedule (its due folder check), as of now. */
  reconcile(scheduleId: string): Promise<RunRecord[]>;
  runsOf(scheduleId: string): Promise<RunRecord[]>;
  /** Waits until the schedule has `count` runs (or the time is up), then a moment for any extra one to show. */
  settledRunsOf(scheduleId: string, count: number, timeoutMs?: number): Promise<RunRecord[]>;
  /** Waits until the poison queue holds `count` messages. */
  poisonedMessages(count: number, timeoutMs?: number): Promise<string[]>;
  /** The row keys of the schedule's cursor partition (cursor, baselines). */
  cursorRowsOf(scheduleId: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function createEventHarness(): Promise<EventHarness> {
  const connectionString = testStorageConnectionString();
  const prefix = uniqueStoragePrefix();
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const services = await createServices(
    loadSettings({
      AzureWebJobsStorage: connectionString,
      ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms",
      DATASTORE_CONNECTION_SETTINGS: SETTING,
      [SETTING]: connectionString,
      BLOB_EVENTS_QUEUE: `${prefix}-events`,
    }),
    {
      storagePrefix: prefix,
      allowLoopbackEndpoints: true,
      appSettings: { [SETTING]: connectionString },
      log,
    },
  );
  const triggers = allTriggers(() => Promise.resolve(services));
  const server: LocalHttpServer = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    routePrefix: "api",
    triggers: triggers.filter((trigger): trigger is HttpTriggerSpec => trigger.kind === "http"),
    logHandler: (level, ...args) => log(`${level}: ${args.map(String).join(" ")}`),
  });
  const containerName = `${prefix}-data`;
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  await container.create();
  await services.datastores.registry.put(
    DATASTORE,
    { connectionStringSetting: SETTING, containerName },
    new Date(),
  );
  const eventsQueue = new QueueClient(connectionString, services.settings.BLOB_EVENTS_QUEUE);
  const poisonQueue = new QueueClient(connectionString, `${services.settings.BLOB_EVENTS_QUEUE}-poison`);
  const cursorTable = TableClient.fromConnectionString(
    connectionString,
    `${prefix}${TABLE_NAMES.folderCursors}`,
    {
      allowInsecureConnection: true,
    },
  );
  let worker: RunningQueues | undefined;

  const call = (method: string, route: string, body: unknown = {}) => {
    const write = method !== "GET" && method !== "DELETE";
    return fetch(`${server.url}${route}`, {
      method,
      ...(write ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {}),
    });
  };
  const runsOf = async (scheduleId: string) => {
    const runs: RunRecord[] = [];
    let token: string | undefined;
    do {
      const page = await services.runs.listForSchedule(scheduleId, 1000, token);
      runs.push(...page.items);
      token = page.continuationToken;
    } while (token !== undefined);
    return runs;
  };
  const waitFor = async (condition: () => Promise<boolean>, timeoutMs: number, pollMs = 100) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, pollMs));
  };

  return {
    services,
    container,
    eventsQueue,
    poisonQueue,
    logs,
    call,
    async watch(folder, trigger = {}) {
      const response = await call("POST", "/schedules", {
        name: `watch-${randomUUID().slice(0, 8)}`,
        experimentName: "Uploads",
        target: { endpointUrl: "http://127.0.0.1:9/submit" },
        trigger: {
          type: "datastore",
          datastoreName: DATASTORE,
          pathOnDatastore: folder,
          detection: "events",
          dataPathParameterName: "input_datapath",
          ...trigger,
        },
      });
      if (response.status !== 201)
        throw new Error(`create answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    },
    async upload(name, content = randomUUID()) {
      const blob = container.getBlockBlobClient(name);
      const contentLength = Buffer.byteLength(content);
      // Put Blob answers the new ETag and Last-Modified: the blob's own, as its event would carry them.
      const uploaded = await blob.upload(content, contentLength);
      if (uploaded.etag === undefined || uploaded.lastModified === undefined) {
        throw new Error(`Put Blob of ${name} answered without ETag or Last-Modified`);
      }
      return {
        url: blob.url,
        name,
        containerName,
        accountName: container.accountName,
        etag: listingEtag(uploaded.etag),
        contentLength,
        lastModified: uploaded.lastModified,
      };
    },
    eventOf(blob, options = {}) {
      const contentLength = options.contentLength ?? blob.contentLength;
      return blobCreatedEventOf(
        { ...blob, contentLength },
        { id: randomUUID(), ...(options.api === undefined ? {} : { api: options.api }) },
      );
    },
    async send(value, encoding = "base64") {
      await eventsQueue.sendMessage(
        encoding === "base64" ? encodeQueueMessage(value) : JSON.stringify(value),
      );
    },
    async startWorker() {
      const spec = triggers.find(
        (trigger): trigger is QueueTriggerSpec =>
          trigger.kind === "queue" && trigger.name === "fireBlobEvents",
      );
      if (spec === undefined) throw new Error("no queue trigger fireBlobEvents in the trigger list");
      worker = await startQueueRunner(
        [{ ...spec, queueName: resolvedQueueName(spec.queueName, services.settings) }],
        {
          queueClientFor: (name) => new QueueClient(connectionString, name),
          hostOptions: { ...(await loadQueueHostOptions("host.json")), visibilityTimeoutSeconds: 1 },
          log,
        },
      );
    },
    reconcile: (scheduleId) => checkFolder(folderCheckDependencies(services), scheduleId, new Date()),
    runsOf,
    async settledRunsOf(scheduleId, count, timeoutMs = 20_000) {
      // Listing thousands of runs is itself load on storage: look less often when many are awaited.
      const pollMs = count > 1_000 ? 10_000 : count > 100 ? 2_000 : 100;
      await waitFor(async () => (await runsOf(scheduleId)).length >= count, timeoutMs, pollMs);
      // An extra run would come from a message still in flight: give the worker a few polls to show it.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return runsOf(scheduleId);
    },
    async poisonedMessages(count, timeoutMs = 20_000) {
      const texts = async () => {
        if (!(await poisonQueue.exists())) return [];
        const peeked = await poisonQueue.peekMessages({ numberOfMessages: 32 });
        return peeked.peekedMessageItems.map((item) => item.messageText);
      };
      await waitFor(async () => (await texts()).length >= count, timeoutMs);
      return texts();
    },
    async cursorRowsOf(scheduleId) {
      const rows: string[] = [];
      const entities = cursorTable.listEntities({
        queryOptions: { filter: `PartitionKey eq '${scheduleId}'`, select: ["RowKey"] },
      });
      for await (const entity of entities) rows.push(String(entity.rowKey));
      return rows.sort();
    },
    async close() {
      await worker?.stop();
      await server.close();
      await container.deleteIfExists();
    },
  };
}

/** Uploads many blobs at once, answering their properties in the order of `names`. */
export async function uploadAll(
  harness: EventHarness,
  names: readonly string[],
  concurrency = 32,
): Promise<UploadedBlob[]> {
  const blobs: UploadedBlob[] = new Array<UploadedBlob>(names.length);
  await forEachConcurrently(
    names.map((name, index) => ({ name, index })),
    concurrency,
    async ({ name, index }) => {
      blobs[index] = await harness.upload(name);
    },
  );
  return blobs;
}

/** `path@etag (detectedBy)` of each run's changed blob, sorted. */
export function firedChanges(runs: readonly RunRecord[]): string[] {
  return runs
    .map((run) => `${run.changedBlob?.path}@${run.changedBlob?.etag} (${run.changedBlob?.detectedBy})`)
    .sort();
}

export function change(blob: UploadedBlob, detectedBy: "event" | "listing" = "event"): string {
  return `${blob.name}@${blob.etag} (${detectedBy})`;
}

/**
 * Uploads many blobs with Put Blob over plain keep-alive HTTP and a container SAS, reading each blob's ETag and
 * Last-Modified from storage's answer: the SDK's per-request pipeline would make a burst's seeding the longest part
 * of its test. Answers the blobs in the order of `names`.
 */
export async function uploadFast(
  harness: EventHarness,
  names: readonly string[],
  concurrency = 32,
): Promise<UploadedBlob[]> {
  const { container } = harness;
  const sas = new URL(
    await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse("cw"),
      expiresOn: new Date(Date.now() + 3_600_000),
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const blobs: UploadedBlob[] = new Array<UploadedBlob>(names.length);
  try {
    await forEachConcurrently(
      names.map((name, index) => ({ name, index })),
      concurrency,
      async ({ name, index }) => {
        const content = randomUUID();
        const headers = await putBlob(sas, agent, name, content);
        const etag = headers.etag;
        const lastModified = headers["last-modified"];
        if (typeof etag !== "string" || typeof lastModified !== "string") {
          throw new Error(`Put Blob of ${name} answered without ETag or Last-Modified`);
        }
        blobs[index] = {
          url: container.getBlockBlobClient(name).url,
          name,
          containerName: container.containerName,
          accountName: container.accountName,
          etag: listingEtag(etag),
          contentLength: Buffer.byteLength(content),
          lastModified: new Date(lastModified),
        };
      },
    );
  } finally {
    agent.destroy();
  }
  return blobs;
}

function putBlob(
  sas: URL,
  agent: http.Agent,
  name: string,
  content: string,
): Promise<http.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: sas.hostname,
        port: sas.port,
        method: "PUT",
        path: `${sas.pathname}/${encodeURIComponent(name).replaceAll("%2F", "/")}${sas.search}`,
        agent,
        headers: { "x-ms-blob-type": "BlockBlob", "Content-Length": Buffer.byteLength(content) },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 201
            ? resolve(response.headers)
            : reject(new Error(`Put Blob ${name}: ${response.statusCode}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(content);
  });
}
