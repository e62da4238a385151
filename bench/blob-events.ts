import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { fireBlobCreatedEvents } from "../src/datastore/blob-event-firing.js";
import { blobCreatedEventOf, listingEtag, readBlobEventMessage } from "../src/datastore/blob-events.js";
import { checkFolder } from "../src/datastore/folder-check.js";
import { forEachConcurrently } from "../src/concurrency.js";
import { blobEventDependencies } from "../src/host/blob-event-wiring.js";
import { createServices } from "../src/host/create-services.js";
import { folderCheckDependencies } from "../src/host/folder-check-wiring.js";
import { startEmbeddedAzurite } from "../src/host/local/embedded-azurite.js";
import { startLocalHttpServer, type LocalHttpServer } from "../src/host/local/http-server.js";
import { loadQueueHostOptions, startQueueRunner } from "../src/host/local/queue-runner.js";
import { resolvedQueueName, type HttpTriggerSpec, type QueueTriggerSpec } from "../src/host/trigger-list.js";
import { allTriggers } from "../src/host/triggers.js";
import { loadSettings } from "../src/settings/settings.js";
import { encodeQueueMessage } from "../src/state/queue-message.js";
import { RecordingCredential, startLoopbackEndpoint } from "../test/submit/loopback-endpoint.js";
import { seed } from "./datastore.js";
import { benchSize, type BenchFigure, type BenchSuite } from "./harness.js";

/**
 * detection "events" beside "poll" on the same changes (CONTRACT 2.3): for a folder of 2,000 blobs and one as
 * large as five minutes of seeding allow (up to 100,000; Azurite writes about 100 blobs/s here, so 20,000 and
 * 100,000 would not fit), 100 new blobs fired by their BlobCreated events (storage
 * requests and wall time per change) and by one polling check of the folder; then, on the smaller folder, seconds
 * from each upload to its pipeline POST with the queue workers running, the event enqueued right after the upload
 * as Event Grid's queue delivery would (Event Grid's own delay is not part of it). Requests are counted by a
 * loopback proxy in front of the embedded Azurite, so every table, queue and blob request is seen.
 */
const SMALL_FOLDER = benchSize(2_000, 40);
const LARGE_FOLDER = benchSize(100_000, 120);
/** What the 2-core machine allows for seeding the large folder; the figures say which size it reached. */
const SEEDING_BUDGET_MS = benchSize(5 * 60_000, 30_000);
const SEED_CHUNK = benchSize(5_000, 40);
const CHANGES = benchSize(100, 10);
const EVENT_CONCURRENCY = 8;
const SETTING = "BENCH_DATASTORE_STORAGE";

export const blobEventsSuite: BenchSuite = {
  name: "blob-events",
  async run(): Promise<BenchFigure[]> {
    const azurite = await startEmbeddedAzurite();
    const proxies = await Promise.all(
      [azurite.ports.blob, azurite.ports.queue, azurite.ports.table].map((port) => countingProxy(port)),
    );
    try {
      const [blob, queue, table] = proxies as [CountingProxy, CountingProxy, CountingProxy];
      const counted = azurite.connectionString
        .replace(`:${azurite.ports.blob}/`, `:${blob.port}/`)
        .replace(`:${azurite.ports.queue}/`, `:${queue.port}/`)
        .replace(`:${azurite.ports.table}/`, `:${table.port}/`);
      const requests = () => proxies.reduce((sum, proxy) => sum + proxy.count, 0);
      return await measure(azurite.connectionString, counted, requests);
    } finally {
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await azurite.stop();
    }
  },
};

async function measure(direct: string, counted: string, requests: () => number): Promise<BenchFigure[]> {
  const endpoint = await startLoopbackEndpoint([{ status: 200, json: { Id: "bench-run" } }]);
  const services = await createServices(
    loadSettings({
      AzureWebJobsStorage: counted,
      ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms",
      DATASTORE_CONNECTION_SETTINGS: SETTING,
      [SETTING]: counted,
    }),
    {
      // No prefix: the queue workers of uploadToPost listen on the trigger list's own queue names.
      allowLoopbackEndpoints: true,
      credential: new RecordingCredential("bench-token"),
      appSettings: { [SETTING]: counted },
      log: () => undefined,
    },
  );
  const triggers = allTriggers(() => Promise.resolve(services));
  const server: LocalHttpServer = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    routePrefix: "api",
    triggers: triggers.filter((trigger): trigger is HttpTriggerSpec => trigger.kind === "http"),
    logHandler: () => undefined,
  });
  const container = BlobServiceClient.fromConnectionString(direct).getContainerClient("landing");
  await container.create();
  // The changes are written through the datastore's own endpoint (the counting proxy), so that their events'
  // data.url names the account the datastore is registered with, as Event Grid's would; seeding goes direct.
  const changesContainer = BlobServiceClient.fromConnectionString(counted).getContainerClient("landing");
  await services.datastores.registry.put(
    "landing",
    { connectionStringSetting: SETTING, containerName: "landing" },
    new Date(),
  );
  const create = async (folder: string, trigger: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/schedules`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        name: `bench-${randomUUID().slice(0, 8)}`,
        experimentName: "Bench",
        target: { endpointUrl: endpoint.url().toString() },
        trigger: {
          type: "datastore",
          datastoreName: "landing",
          pathOnDatastore: folder,
          dataPathParameterName: "input_datapath",
          ...trigger,
        },
      }),
    });
    if (response.status !== 201)
      throw new Error(`create answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  };
  const figures: BenchFigure[] = [];
  try {
    await seedFolder(container, "small/", SMALL_FOLDER);
    const seedingStarted = performance.now();
    let largeSize = 0;
    while (largeSize < LARGE_FOLDER && performance.now() - seedingStarted < SEEDING_BUDGET_MS) {
      await seedFolder(container, "large/", SEED_CHUNK, largeSize);
      largeSize += SEED_CHUNK;
    }
    const sized: { label: string; folder: string; blobs: number }[] = [
      { label: `${SMALL_FOLDER}`, folder: "small", blobs: SMALL_FOLDER },
      { label: `${largeSize}`, folder: "large", blobs: largeSize },
    ];
    const perChange: Record<string, { requests: number; ms: number; pollRequests: number; pollMs: number }> =
      {};
    progress(
      `seeded ${SMALL_FOLDER} blobs, then ${largeSize} in ${Math.round((performance.now() - seedingStarted) / 1000)} s`,
    );
    for (const { label, folder, blobs } of sized) {
      const eventsSchedule = await create(folder, { detection: "events" });
      const pollSchedule = await create(folder, { pollingIntervalMinutes: 1 });
      const changed = await uploadChanges(changesContainer, `${folder}/changed-`, CHANGES);
      const events = changed.flatMap((blob) => readBlobEventMessage(blob.event).events);
      const deps = blobEventDependencies(services);
      let fired = 0;
      const before = requests();
      const started = performance.now();
      // One event per message, as Event Grid's queue delivery writes them.
      await forEachConcurrently(events, EVENT_CONCURRENCY, async (event) => {
        // Read the count after the await: `fired += await ...` would read it before, and concurrent tasks lose counts.
        const { runs } = await fireBlobCreatedEvents(deps, [event], new Date());
        fired += runs.length;
      });
      const eventsMs = performance.now() - started;
      const eventRequests = requests() - before;
      if (fired !== CHANGES) throw new Error(`events fired ${fired} runs in ${blobs} blobs, not ${CHANGES}`);

      const pollBefore = requests();
      const pollStarted = performance.now();
      const polled = await checkFolder(
        folderCheckDependencies(services),
        pollSchedule,
        new Date(Date.now() + 120_000),
      );
      const pollMs = performance.now() - pollStarted;
      const pollRequests = requests() - pollBefore;
      if (polled.length !== CHANGES) throw new Error(`a check fired ${polled.length} runs in ${blobs} blobs`);
      progress(
        `${blobs} blobs: events ${eventRequests} requests, poll ${pollRequests} requests for ${CHANGES} changes`,
      );
      perChange[label] = {
        requests: eventRequests / CHANGES,
        ms: eventsMs / CHANGES,
        pollRequests: pollRequests / CHANGES,
        pollMs: pollMs / CHANGES,
      };
      void eventsSchedule;
    }
    const [small, large] = sized.map(({ label }) => perChange[label]!);
    const largeLabel = sized[1]!.label;
    figures.push(
      {
        name: `events: storage requests per change, ${SMALL_FOLDER} blobs`,
        value: small!.requests,
        unit: "requests",
      },
      {
        name: `events: storage requests per change, ${largeLabel} blobs (vs ${SMALL_FOLDER})`,
        value: large!.requests,
        unit: "requests",
        ratio: large!.requests / small!.requests,
        goal: "<= 1.2",
      },
      { name: `events: wall time per change, ${SMALL_FOLDER} blobs`, value: small!.ms, unit: "ms" },
      {
        name: `events: wall time per change, ${largeLabel} blobs (vs ${SMALL_FOLDER})`,
        value: large!.ms,
        unit: "ms",
        ratio: large!.ms / small!.ms,
        goal: "<= 1.2",
      },
      {
        name: `poll: storage requests per change, ${SMALL_FOLDER} blobs`,
        value: small!.pollRequests,
        unit: "requests",
      },
      {
        name: `poll: storage requests per change, ${largeLabel} blobs`,
        value: large!.pollRequests,
        unit: "requests",
      },
      { name: `poll: wall time per change, ${SMALL_FOLDER} blobs`, value: small!.pollMs, unit: "ms" },
      { name: `poll: wall time per change, ${largeLabel} blobs`, value: large!.pollMs, unit: "ms" },
    );
    figures.push(...(await uploadToPost(direct, services, triggers, changesContainer, endpoint, create)));
  } finally {
    await server.close();
    await endpoint.close();
  }
  return figures;
}

interface ChangedBlob {
  name: string;
  uploadedAt: number;
  event: Record<string, unknown>;
}

async function uploadChanges(
  container: ContainerClient,
  prefix: string,
  count: number,
): Promise<ChangedBlob[]> {
  const blobs: ChangedBlob[] = [];
  await forEachConcurrently(
    Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(3, "0")}.csv`),
    8,
    async (name) => {
      blobs.push(await uploadOne(container, name));
    },
  );
  return blobs;
}

async function uploadOne(container: ContainerClient, name: string): Promise<ChangedBlob> {
  const content = `id,value\n1,${name}\n`;
  const client = container.getBlockBlobClient(name);
  const uploaded = await client.upload(content, content.length);
  const uploadedAt = performance.now();
  if (uploaded.etag === undefined || uploaded.lastModified === undefined)
    throw new Error(`no ETag for ${name}`);
  const event = blobCreatedEventOf(
    {
      url: client.url,
      name,
      containerName: container.containerName,
      accountName: container.accountName,
      etag: listingEtag(uploaded.etag),
      contentLength: content.length,
      lastModified: uploaded.lastModified,
    },
    { id: randomUUID() },
  );
  return { name, uploadedAt, event };
}

/** Seconds from each of 100 uploads to its POST, with the host's queue workers and host.json polling. */
async function uploadToPost(
  direct: string,
  services: Awaited<ReturnType<typeof createServices>>,
  triggers: ReturnType<typeof allTriggers>,
  container: ContainerClient,
  endpoint: Awaited<ReturnType<typeof startLoopbackEndpoint>>,
  create: (folder: string, trigger: Record<string, unknown>) => Promise<string>,
): Promise<BenchFigure[]> {
  await create("small", { detection: "events" });
  const queueSpecs = triggers
    .filter((spec): spec is QueueTriggerSpec => spec.kind === "queue")
    .map((spec) => ({ ...spec, queueName: resolvedQueueName(spec.queueName, services.settings) }));
  const postedAt = new Map<string, number>();
  const recorded = endpoint.received.length;
  const watcher = setInterval(() => {
    for (const request of endpoint.received.slice(recorded)) {
      const path = /"RelativePath":"([^"]+)"/.exec(request.body)?.[1];
      if (path !== undefined && !postedAt.has(path)) postedAt.set(path, performance.now());
    }
  }, 20);
  const worker = await startQueueRunner(queueSpecs, {
    queueClientFor: (name) => new QueueClient(direct, name),
    hostOptions: await loadQueueHostOptions("host.json"),
    log: () => undefined,
  });
  const eventsQueue = new QueueClient(direct, services.settings.BLOB_EVENTS_QUEUE);
  const uploaded: ChangedBlob[] = [];
  try {
    // Let the workers drain the runs the per-change figures left on the run queue first.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    for (let index = 0; index < CHANGES; index++) {
      const blob = await uploadOne(container, `small/latency-${String(index).padStart(3, "0")}.csv`);
      await eventsQueue.sendMessage(encodeQueueMessage(blob.event));
      uploaded.push(blob);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deadline = Date.now() + 60_000;
    while (uploaded.some((blob) => !postedAt.has(blob.name)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    clearInterval(watcher);
    await worker.stop();
  }
  const seconds = uploaded
    .map((blob) => ((postedAt.get(blob.name) ?? Number.POSITIVE_INFINITY) - blob.uploadedAt) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))] ?? Number.NaN;
  return [
    { name: `events: upload to POST, median of ${CHANGES}`, value: at(0.5), unit: "s", goal: "<= 5" },
    { name: `events: upload to POST, 95th percentile of ${CHANGES}`, value: at(0.95), unit: "s" },
  ];
}

async function seedFolder(
  container: ContainerClient,
  folder: string,
  count: number,
  from = 0,
): Promise<void> {
  await seed(
    container,
    Array.from({ length: count }, (_, index) => `${folder}b${String(from + index).padStart(6, "0")}.csv`),
  );
}

interface CountingProxy {
  port: number;
  count: number;
  close(): Promise<void>;
}

/** A loopback HTTP proxy to one Azurite port that counts the requests it forwards. */
async function countingProxy(targetPort: number): Promise<CountingProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: CountingProxy = { port: 0, count: 0, close: () => Promise.resolve() };
  const server = http.createServer((request, response) => {
    proxy.count++;
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: targetPort,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        answer.on("error", () => response.destroy());
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    // A reset on either side ends this request only, as a real proxy would; the client sees it and retries.
    upstream.on("error", () => response.destroy());
    request.on("error", () => upstream.destroy());
    response.on("error", () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () => {
    agent.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

function progress(line: string): void {
  process.stderr.write(`[blob-events bench] ${line}\n`);
}
