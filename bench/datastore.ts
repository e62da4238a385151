import type { ScheduleRecord } from "../src/schedules/record.js";
import { createSchedule } from "../src/schedule-management/schedule-service.js";
import { NO_WORKSPACE } from "../src/submit/endpoint-url.js";
import http from "node:http";
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import { BlobServiceClient, ContainerSASPermissions, type ContainerClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { TableDatastoreRegistry } from "../src/datastore/datastore-registry.js";
import { folderBaselines } from "../src/datastore/folder-baseline.js";
import { checkFolder, type FolderCheckDependencies } from "../src/datastore/folder-check.js";
import { cursorToEntity, TableFolderCursorStore } from "../src/datastore/folder-cursor-store.js";
import { listFolder, openDatastoreContainer } from "../src/datastore/folder-listing.js";
import { startEmbeddedAzurite } from "../src/host/local/embedded-azurite.js";
import { StorageRunQueue } from "../src/runs/run-queue.js";
import { TableRunStore } from "../src/runs/table-run-store.js";
import { newScheduleRun } from "../src/submit/new-run.js";
import { forEachConcurrently } from "../src/concurrency.js";
import { TableScheduleStore } from "../src/state/table-schedule-store.js";
import { benchSize, type BenchFigure, type BenchSuite } from "./harness.js";

/**
 * A folder check of 20,000 blobs (next to a subfolder of 5,000 that must not be listed) with 10 changed, and the
 * creation of a schedule on that folder (which lists it for its baseline), each beside a bare hierarchical listing
 * of the same folder on the same Azurite: wall time, table requests per check, and the state a schedule keeps.
 */
const FOLDER_BLOBS = benchSize(20_000, 100);
const SUBFOLDER_BLOBS = benchSize(5_000, 20);
/** Blobs of the folder written right before the creations. */
const FRESH_BLOBS = benchSize(2_000, 20);
const CHANGED_PER_CHECK = 10;
const CHECKS = benchSize(10, 2);
/** Rounds in which a bare listing is timed right before the check, alternating which goes first. */
const PAIRED_ROUNDS = benchSize(4, 1);
const SEED_CONCURRENCY = 32;

export const datastoreSuite: BenchSuite = {
  name: "datastore",
  async run(): Promise<BenchFigure[]> {
    const azurite = await startEmbeddedAzurite();
    try {
      return await measure(azurite.connectionString);
    } finally {
      await azurite.stop();
    }
  },
};

async function measure(connectionString: string): Promise<BenchFigure[]> {
  let tableRequests = 0;
  const counting: TableServiceClientOptions = {
    allowInsecureConnection: true,
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "countTableRequests",
          sendRequest: (request, next) => {
            tableRequests++;
            return next(request);
          },
        },
      },
    ],
  };
  const table = (name: string) =>
    TableClient.fromConnectionString(connectionString, `bench${name}`, counting);
  const schedules = new TableScheduleStore(table("schedules"), table("scheduledue"));
  const runs = new TableRunStore(table("runs"), table("unsettled"));
  const queue = new StorageRunQueue(
    new QueueClient(connectionString, "bench-runs"),
    new QueueClient(connectionString, "bench-runs-poison"),
  );
  const registry = new TableDatastoreRegistry(table("datastores"));
  const cursors = new TableFolderCursorStore(table("cursors"));
  await Promise.all([
    schedules.ensureCreated(),
    runs.ensureCreated(),
    queue.ensureCreated(),
    registry.ensureCreated(),
    cursors.ensureCreated(),
  ]);
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient("benchdata");
  await container.create();
  const seedStarted = performance.now();
  // The folder's last blobs are written last, so that the creations below find them within the watermark margin
  // and keep them in their baselines, as a schedule created right after an upload does.
  const folderBlobs = names("watched/f", FOLDER_BLOBS);
  await seed(container, [
    ...folderBlobs.slice(0, -FRESH_BLOBS),
    ...names("watched/sub/s", SUBFOLDER_BLOBS),
    ...folderBlobs.slice(-FRESH_BLOBS),
  ]);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const appSetting = (name: string) => (name === "BENCH_STORAGE" ? connectionString : undefined);
  const { record: datastore } = await registry.put(
    "benchstore",
    { connectionStringSetting: "BENCH_STORAGE", containerName: "benchdata" },
    new Date(),
  );
  const connection = {
    credential: { getToken: () => Promise.resolve(null) },
    appSetting,
    policy: { allowedHosts: ["*.blob.core.windows.net"], connectionSettings: ["BENCH_STORAGE"] },
  };
  const listWatched: FolderCheckDependencies["listFolder"] = (record, prefix) =>
    listFolder(openDatastoreContainer(record, connection), prefix);
  // These schedules poll: their activations record no event watch.
  const noEventWatches = { add: () => Promise.resolve() };
  const baselines = folderBaselines({
    datastores: registry,
    cursors,
    listFolder: listWatched,
    eventWatches: noEventWatches,
  });
  const create = (name: string) =>
    createSchedule(
      {
        store: schedules,
        settings: { ...NO_WORKSPACE, ALLOWED_ENDPOINT_HOSTS: [], ALLOWED_NOTIFY_HOSTS: [] },
        now: new Date(),
        allowLoopbackEndpoints: true,
        folderBaselines: baselines,
      },
      {
        name,
        experimentName: "Bench",
        target: { endpointUrl: "http://127.0.0.1:9/submit" },
        trigger: {
          type: "datastore",
          datastoreName: datastore.name,
          pathOnDatastore: "watched",
          dataPathParameterName: "file",
        },
      },
    );

  // Warm-up: the JIT and the connections. Then creations (each lists the folder for its baseline) beside bare
  // listings, alternating which goes first.
  const listedCount = await bareListing(container);
  if (listedCount !== FOLDER_BLOBS) throw new Error(`The bare listing saw ${listedCount} blobs`);
  const createMs: number[] = [];
  const bareBesideCreateMs: number[] = [];
  const requestsPerCreate: number[] = [];
  const createdSchedules: ScheduleRecord[] = [];
  for (let round = 0; round < PAIRED_ROUNDS; round++) {
    if (round % 2 === 0) bareBesideCreateMs.push(await timed(() => bareListing(container)));
    tableRequests = 0;
    createMs.push(await timed(async () => void createdSchedules.push(await create(`bench-watch-${round}`))));
    requestsPerCreate.push(tableRequests);
    if (round % 2 === 1) bareBesideCreateMs.push(await timed(() => bareListing(container)));
  }
  const schedule = createdSchedules[0];
  const baseline =
    schedule?.activationId === undefined
      ? undefined
      : await cursors.getBaseline(schedule.id, schedule.activationId);
  if (schedule === undefined || baseline === undefined) throw new Error("The creation saved no baseline");

  const deps: FolderCheckDependencies = {
    schedules,
    runs,
    queue,
    datastores: registry,
    cursors,
    newRun: (record, input, now) =>
      newScheduleRun(record, input, now, {
        workspace: NO_WORKSPACE,
        endpoints: { allowedHosts: [], allowLoopback: true },
      }),
    listFolder: listWatched,
    log: () => undefined,
  };

  // The schedule's first check takes its baseline up: it fires nothing of the seeded folder.
  const firstRuns = await checkFolder(deps, schedule.id, new Date());
  if (firstRuns.length !== 0) throw new Error(`The first check fired ${firstRuns.length} baseline blobs`);

  const checkMs: number[] = [];
  const bareMs: number[] = [];
  const requestsPerCheck: number[] = [];
  let created = 0;
  for (let round = 0; round < CHECKS; round++) {
    // Half overwrites of existing blobs, half new ones.
    const overwritten = Array.from(
      { length: CHANGED_PER_CHECK / 2 },
      (_, index) => `watched/f${String(round * 97 + index * 13).padStart(6, "0")}`,
    );
    const changed = [...overwritten, ...names(`watched/new-${round}-`, CHANGED_PER_CHECK / 2)];
    await upload(container, changed, CHANGED_PER_CHECK);
    const paired = round < PAIRED_ROUNDS;
    if (paired && round % 2 === 0) bareMs.push(await timed(() => bareListing(container)));
    tableRequests = 0;
    let made = 0;
    checkMs.push(
      await timed(async () => {
        made = (await checkFolder(deps, schedule.id, new Date())).length;
      }),
    );
    requestsPerCheck.push(tableRequests);
    if (made !== CHANGED_PER_CHECK)
      throw new Error(`Check ${round} made ${made} runs, not ${CHANGED_PER_CHECK}`);
    created += made;
    if (paired && round % 2 === 1) bareMs.push(await timed(() => bareListing(container)));
  }

  tableRequests = 0;
  const quietRuns = await checkFolder(deps, schedule.id, new Date());
  const quietRequests = tableRequests;
  if (quietRuns.length !== 0) throw new Error("A check without changes made runs");

  const cursorRows = await countRows(table("cursors"), schedule.id);
  const stored = await cursors.get(schedule.id);
  if (!stored) throw new Error("No cursor after the checks");
  const stateBytes = Buffer.byteLength(JSON.stringify(cursorToEntity(schedule.id, stored.cursor)));

  const pairedCheckMs = median(checkMs.slice(0, PAIRED_ROUNDS));
  const pairedBareMs = median(bareMs);
  const pairedCreateMs = median(createMs);
  const bareBesideCreate = median(bareBesideCreateMs);
  return [
    {
      name: `seeding ${FOLDER_BLOBS + SUBFOLDER_BLOBS} blobs (setup)`,
      value: (FOLDER_BLOBS + SUBFOLDER_BLOBS) / seedSeconds,
      unit: "blobs/s",
    },
    { name: `bare hierarchical listing of ${FOLDER_BLOBS} blobs (median)`, value: pairedBareMs, unit: "ms" },
    {
      name: `check of ${FOLDER_BLOBS} blobs, ${CHANGED_PER_CHECK} changed (median)`,
      value: pairedCheckMs,
      unit: "ms",
      ratio: pairedCheckMs / pairedBareMs,
      goal: "<= 1.2",
    },
    {
      name: `bare hierarchical listing beside the creates (median)`,
      value: bareBesideCreate,
      unit: "ms",
    },
    {
      name: `create of a schedule on ${FOLDER_BLOBS} blobs, baseline listed (median)`,
      value: pairedCreateMs,
      unit: "ms",
      ratio: pairedCreateMs / bareBesideCreate,
      goal: "<= 1.3",
    },
    {
      name: `table requests per create (max of ${PAIRED_ROUNDS})`,
      value: Math.max(...requestsPerCreate),
      unit: "requests",
      goal: "<= 6",
    },
    {
      name: `fingerprints in the first create's baseline (${FRESH_BLOBS} blobs just written)`,
      value: baseline.seen.length,
      unit: "fingerprints",
    },
    {
      name: `table requests per check, ${CHANGED_PER_CHECK} changed (max of ${CHECKS})`,
      value: Math.max(...requestsPerCheck),
      unit: "requests",
      goal: `<= ${2 * CHANGED_PER_CHECK + 5}`,
    },
    {
      name: "table requests per check, nothing changed",
      value: quietRequests,
      unit: "requests",
      goal: "<= 5",
    },
    {
      name: `runs created by ${CHECKS} checks`,
      value: created,
      unit: "runs",
      goal: `<= ${CHECKS * CHANGED_PER_CHECK}`,
    },
    {
      name: `state rows per schedule after ${CHECKS + 2} checks`,
      value: cursorRows,
      unit: "rows",
      goal: "<= 1",
    },
    {
      name: `state bytes per schedule after ${CHECKS + 2} checks`,
      value: stateBytes,
      unit: "bytes",
      goal: "<= 4096",
    },
  ];
}

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(6, "0")}`);
}

function upload(
  container: ContainerClient,
  blobNames: readonly string[],
  concurrency: number,
): Promise<void> {
  return forEachConcurrently(blobNames, concurrency, async (name) => {
    await container.getBlockBlobClient(name).upload("x", 1);
  });
}

/**
 * Put Blob over plain keep-alive HTTP with a container SAS: the SDK's per-request pipeline would make seeding
 * take several times longer than everything measured.
 */
export async function seed(container: ContainerClient, blobNames: readonly string[]): Promise<void> {
  const sas = new URL(
    await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse("cw"),
      expiresOn: new Date(Date.now() + 3_600_000),
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: SEED_CONCURRENCY });
  try {
    await forEachConcurrently(blobNames, SEED_CONCURRENCY, (name) => putBlob(sas, agent, name));
  } finally {
    agent.destroy();
  }
}

function putBlob(containerSas: URL, agent: http.Agent, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: containerSas.hostname,
        port: containerSas.port,
        method: "PUT",
        path: `${containerSas.pathname}/${encodeURIComponent(name).replaceAll("%2F", "/")}${containerSas.search}`,
        agent,
        headers: { "x-ms-blob-type": "BlockBlob", "Content-Length": 1 },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 201
            ? resolve()
            : reject(new Error(`Put Blob ${name}: ${response.statusCode}`)),
        );
      },
    );
    request.on("error", reject);
    request.end("x");
  });
}

/** The peer: the same hierarchical listing through the SDK, with nothing done to what it returns. */
async function bareListing(container: ContainerClient): Promise<number> {
  let count = 0;
  const pages = container.listBlobsByHierarchy("/", { prefix: "watched/" }).byPage({ maxPageSize: 5_000 });
  for await (const page of pages) count += page.segment.blobItems.length;
  return count;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function countRows(client: TableClient, partitionKey: string): Promise<number> {
  let rows = 0;
  for await (const _entity of client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
  }))
    rows++;
  return rows;
}
