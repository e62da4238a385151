import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { InvocationContext } from "@azure/functions";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveFolderBaseline, unlistable } from "../../src/datastore/folder-baseline.js";
import type { ListedBlob } from "../../src/datastore/folder-changes.js";
import { checkFolder } from "../../src/datastore/folder-check.js";
import { problemForError } from "../../src/api/problem.js";
import { folderBaselinesOf, folderCheckDependencies } from "../../src/host/folder-check-wiring.js";
import { MAX_SEEN_FINGERPRINTS } from "../../src/datastore/folder-cursor-store.js";
import { DatastoreConfigurationError } from "../../src/datastore/folder-listing.js";
import { ServiceUnavailableError, ValidationError } from "../../src/errors.js";
import { createServices, TABLE_NAMES } from "../../src/host/create-services.js";
import { startLocalHttpServer, type LocalHttpServer } from "../../src/host/local/http-server.js";
import type { Services } from "../../src/api/services.js";
import type { HttpTriggerSpec } from "../../src/host/trigger-list.js";
import { allTriggers } from "../../src/host/triggers.js";
import { setScheduleStatus } from "../../src/schedule-management/schedule-service.js";
import { loadSettings } from "../../src/settings/settings.js";
import { forEachConcurrently } from "../../src/concurrency.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/**
 * CONTRACT 2.3, the baseline rule: no blob written before an activation (create, enable, trigger PATCH) fires,
 * and every blob written after its answer does, also in the same Last-Modified second. Through the HTTP API of
 * the one trigger list both hosts serve, on the test Azurite, with the real clock.
 */

const SETTING = "FOLDER_BASELINE_TEST_STORAGE";
const DATASTORE = "landing";
/** Uploads in each burst; small enough that a burst, the activation and the next burst fit in one second. */
const BURST = 24;
/** Trials of one activation kind until one puts a blob before and a blob after it in one second. */
const MAX_TRIALS = 5;

let server: LocalHttpServer;
let services: Services;
let container: ContainerClient;
let cursorTable: TableClient;

beforeEach(async () => {
  const connectionString = testStorageConnectionString();
  const prefix = uniqueStoragePrefix();
  services = await createServices(
    loadSettings({
      AzureWebJobsStorage: connectionString,
      ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms",
      DATASTORE_CONNECTION_SETTINGS: SETTING,
      [SETTING]: connectionString,
    }),
    {
      storagePrefix: prefix,
      allowLoopbackEndpoints: true,
      appSettings: { [SETTING]: connectionString },
      log: () => undefined,
    },
  );
  const http = allTriggers(() => Promise.resolve(services)).filter(
    (trigger): trigger is HttpTriggerSpec => trigger.kind === "http",
  );
  server = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    routePrefix: "api",
    triggers: http,
    logHandler: () => undefined,
  });
  const containerName = `${prefix}-data`;
  container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  await container.create();
  await services.datastores.registry.put(
    DATASTORE,
    { connectionStringSetting: SETTING, containerName },
    new Date(),
  );
  cursorTable = TableClient.fromConnectionString(connectionString, `${prefix}${TABLE_NAMES.folderCursors}`, {
    allowInsecureConnection: true,
  });
});

afterEach(async () => {
  await server.close();
  await container.deleteIfExists();
});

/** Writes are JSON, with an empty object when they take no body. */
function call(method: string, route: string, body: unknown = {}): Promise<Response> {
  const write = method !== "GET" && method !== "DELETE";
  return fetch(`${server.url}${route}`, {
    method,
    ...(write ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
}

function scheduleBody(name: string, folder: string, status: "Active" | "Disabled" = "Active") {
  return {
    name,
    status,
    experimentName: "Uploads",
    target: { endpointUrl: "http://127.0.0.1:9/submit" },
    trigger: {
      type: "datastore",
      datastoreName: DATASTORE,
      pathOnDatastore: folder,
      dataPathParameterName: "file",
    },
  };
}

async function created(response: Response): Promise<{ id: string; createdAt: string }> {
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; createdAt: string };
}

function blobNames(folder: string, kind: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `${folder}/${kind}-${String(index).padStart(4, "0")}.csv`,
  );
}

function upload(names: readonly string[], concurrency = 12): Promise<void> {
  return forEachConcurrently(names, concurrency, async (name) => {
    const body = randomBytes(6).toString("hex");
    await container.getBlockBlobClient(name).upload(body, body.length);
  });
}

/** Waits for the first milliseconds of a wall-clock second, so that what follows has the rest of it. */
async function startOfSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

interface Burst {
  /** Uploads completed before the activation request was sent: never fire. */
  before: string[];
  /** Uploads in flight while it was sent: fire or not, at most once. */
  during: string[];
  /** Uploads started after its answer came: all fire, once. */
  after: string[];
  answer: Response;
}

/** Concurrent uploads right up to an activation, during it, and right after its answer. */
async function burstAround(folder: string, activate: () => Promise<Response>): Promise<Burst> {
  await startOfSecond();
  const before = blobNames(folder, "before", BURST);
  await upload(before);
  const during = blobNames(folder, "during", 6);
  const inFlight = upload(during, 6);
  const answer = await activate();
  const after = blobNames(folder, "after", BURST);
  await upload(after);
  await inFlight;
  return { before, during, after, answer };
}

function check(scheduleId: string) {
  return checkFolder(folderCheckDependencies(services), scheduleId, new Date());
}

/** The Last-Modified seconds of the named blobs, ascending, as a listing gives them. */
async function lastModifiedSeconds(names: readonly string[]): Promise<number[]> {
  const wanted = new Set(names);
  const seconds: number[] = [];
  for await (const blob of container.listBlobsFlat()) {
    if (wanted.has(blob.name)) seconds.push(Math.floor(blob.properties.lastModified.getTime() / 1000));
  }
  expect(seconds).toHaveLength(wanted.size);
  return seconds.sort((a, b) => a - b);
}

/**
 * The first check after the burst fires none of `before`, all of `after`, nothing twice and nothing else; answers
 * whether a `before` blob and an `after` blob share a Last-Modified second (the case whole seconds make hard).
 */
async function expectOnlyAfterFires(scheduleId: string, burst: Burst): Promise<boolean> {
  const fired = (await check(scheduleId)).map((run) => run.changedBlob?.path ?? "");
  expect(new Set(fired).size).toBe(fired.length);
  expect(fired.filter((path) => burst.before.includes(path))).toEqual([]);
  expect(burst.after.filter((path) => !fired.includes(path))).toEqual([]);
  expect(fired.filter((path) => !burst.after.includes(path) && !burst.during.includes(path))).toEqual([]);
  expect(await check(scheduleId)).toEqual([]);
  const [before, after] = await Promise.all([
    lastModifiedSeconds(burst.before),
    lastModifiedSeconds(burst.after),
  ]);
  const lastBefore = before[before.length - 1] as number;
  const firstAfter = after[0] as number;
  expect(lastBefore).toBeLessThanOrEqual(firstAfter);
  return lastBefore === firstAfter;
}

/**
 * Runs trials (each asserting exactly what fires) until one puts a blob written before the activation and one
 * written after its answer in one Last-Modified second, and asserts that one did.
 */
async function untilOneSecondHoldsBoth(trial: (index: number) => Promise<boolean>): Promise<void> {
  let sameSecond = false;
  for (let index = 0; index < MAX_TRIALS && !sameSecond; index++) sameSecond = await trial(index);
  expect(sameSecond).toBe(true);
}

async function cursorRowsOf(scheduleId: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const row of cursorTable.listEntities({
    queryOptions: { filter: `PartitionKey eq '${scheduleId}'` },
  })) {
    rows.push(String(row.rowKey));
  }
  return rows;
}

describe("the baseline of a change-based schedule (CONTRACT 2.3, real Azurite, HTTP API)", () => {
  it(
    "fires none of 2,000 blobs uploaded right up to the create, though many share its second (issue 10.1)",
    { timeout: 120_000 },
    async () => {
      const existing = blobNames("bulk", "existing", 2_000);
      await upload(existing.slice(0, -20), 48);
      // The last uploads start a second, so that they and the create share it.
      await startOfSecond();
      await upload(existing.slice(-20));
      const schedule = await created(await call("POST", "/schedules", scheduleBody("bulk", "bulk")));
      const fresh = blobNames("bulk", "fresh", 20);
      await upload(fresh);

      const seconds = await lastModifiedSeconds(existing);
      const activationSecond = Math.floor(Date.parse(schedule.createdAt) / 1000);
      // Counted as new before: every blob of the activation's second (554 in the issue's reproduction).
      expect(seconds.filter((second) => second === activationSecond).length).toBeGreaterThan(0);
      const fired = (await check(schedule.id)).map((run) => run.changedBlob?.path).sort();
      expect(fired).toEqual(fresh);
    },
  );

  it(
    "fires none of the blobs written up to the create and all written after its 201, in one second too",
    { timeout: 60_000 },
    async () => {
      await untilOneSecondHoldsBoth(async (trial) => {
        const folder = `c${trial}`;
        await upload(blobNames(folder, "older", 5));
        const burst = await burstAround(folder, () =>
          call("POST", "/schedules", scheduleBody(`on-create-${trial}`, folder)),
        );
        burst.before.push(...blobNames(folder, "older", 5));
        const schedule = await created(burst.answer);
        return expectOnlyAfterFires(schedule.id, burst);
      });
    },
  );

  it(
    "takes uploads while Disabled and up to the enable as the baseline, and fires all after its 200",
    { timeout: 60_000 },
    async () => {
      await untilOneSecondHoldsBoth(async (trial) => {
        const folder = `e${trial}`;
        const schedule = await created(
          await call("POST", "/schedules", scheduleBody(`on-enable-${trial}`, folder, "Disabled")),
        );
        const whileDisabled = blobNames(folder, "disabled", 5);
        await upload(whileDisabled);
        const burst = await burstAround(folder, () => call("POST", `/schedules/${schedule.id}/enable`));
        expect(burst.answer.status).toBe(200);
        burst.before.push(...whileDisabled);
        return expectOnlyAfterFires(schedule.id, burst);
      });
    },
  );

  it(
    "takes the new folder's contents as the baseline when a PATCH moves the trigger",
    { timeout: 60_000 },
    async () => {
      await untilOneSecondHoldsBoth(async (trial) => {
        const schedule = await created(
          await call("POST", "/schedules", scheduleBody(`on-patch-${trial}`, `old${trial}`)),
        );
        const folder = `p${trial}`;
        const burst = await burstAround(folder, () =>
          call("PATCH", `/schedules/${schedule.id}`, { trigger: { pathOnDatastore: folder } }),
        );
        expect(burst.answer.status).toBe(200);
        return expectOnlyAfterFires(schedule.id, burst);
      });
    },
  );

  it("keeps one cursor row per schedule once the first check has taken the baseline up", async () => {
    await upload(blobNames("rows", "old", 3));
    const schedule = await created(await call("POST", "/schedules", scheduleBody("rows", "rows")));
    const [baselineRow] = await cursorRowsOf(schedule.id);
    expect(baselineRow).toMatch(/^baseline-[0-9a-f]{16}$/);
    await upload(["rows/new.csv"]);
    expect((await check(schedule.id)).map((run) => run.changedBlob?.path)).toEqual(["rows/new.csv"]);
    expect(await cursorRowsOf(schedule.id)).toEqual(["cursor"]);
  });
});

describe("an activation that cannot list its folder, or whose write fails (real Azurite)", () => {
  it("refuses a create or an enable whose container does not exist, naming the datastore, and saves nothing", async () => {
    await services.datastores.registry.put(
      "nowhere",
      { connectionStringSetting: SETTING, containerName: "no-such-container" },
      new Date(),
    );
    const body = {
      ...scheduleBody("unlistable", "in"),
      trigger: { type: "datastore", datastoreName: "nowhere" },
    };
    const refused = await call("POST", "/schedules", body);
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await refused.json()) as { detail: string; errors: { path: string; message: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(["trigger.datastoreName"]);
    expect(problem.detail).toContain("datastore nowhere (container no-such-container");
    expect(problem.detail).toContain("404 ContainerNotFound");
    expect((await call("GET", "/schedules/unlistable")).status).toBe(404);

    // Created Disabled, it needs no listing; enabling it does, and is refused the same way.
    const disabled = await created(await call("POST", "/schedules", { ...body, status: "Disabled" }));
    const enable = await call("POST", `/schedules/${disabled.id}/enable`);
    expect(enable.status).toBe(400);
    expect(
      ((await call("GET", `/schedules/${disabled.id}`).then((r) => r.json())) as { status: string }).status,
    ).toBe("Disabled");
    const rows: unknown[] = [];
    for await (const row of cursorTable.listEntities()) rows.push(row);
    expect(rows).toEqual([]);
  });

  it("keeps the current activation's baseline when a PATCH that would activate again is refused", async () => {
    await upload(blobNames("kept", "old", 4));
    const schedule = await created(await call("POST", "/schedules", scheduleBody("kept", "kept")));
    await created(await call("POST", "/schedules", scheduleBody("taken", "elsewhere")));
    const rowsBefore = await cursorRowsOf(schedule.id);
    expect(rowsBefore).toHaveLength(1);

    const patched = await call("PATCH", `/schedules/${schedule.id}`, {
      name: "taken",
      trigger: { pathOnDatastore: "moved" },
    });
    expect(patched.status).toBe(409);
    // The refused attempt listed "moved" and saved its baseline first; it is gone, the current one stays.
    expect(await cursorRowsOf(schedule.id)).toEqual(rowsBefore);
    await upload(["kept/new.csv"]);
    expect((await check(schedule.id)).map((run) => run.changedBlob?.path)).toEqual(["kept/new.csv"]);
  });

  it(
    "leaves the schedule as it was when it crashes between saving the baseline and writing the schedule",
    { timeout: 60_000 },
    async () => {
      let last = "";
      await untilOneSecondHoldsBoth(async (trial) => {
        const folder = `crash${trial}`;
        const schedule = await created(
          await call("POST", "/schedules", scheduleBody(`crash-${trial}`, folder, "Disabled")),
        );
        last = schedule.id;
        const whileDisabled = blobNames(folder, "disabled", 3);
        await upload(whileDisabled);
        const crashing = {
          store: Object.assign(Object.create(services.schedules) as Services["schedules"], {
            replace: () => Promise.reject(new Error("crash")),
          }),
          settings: services.settings,
          now: new Date(),
          allowLoopbackEndpoints: true,
          folderBaselines: folderBaselinesOf(services),
        };
        await expect(setScheduleStatus(crashing, schedule.id, "Active", undefined)).rejects.toThrow("crash");
        const unchanged = await services.schedules.get(schedule.id);
        expect(unchanged?.definition.status).toBe("Disabled");
        expect(unchanged?.activationId).toBeUndefined();

        // The enable that is answered counts; the baseline the crashed one left names no activation.
        const burst = await burstAround(folder, () => call("POST", `/schedules/${schedule.id}/enable`));
        expect(burst.answer.status).toBe(200);
        burst.before.push(...whileDisabled);
        return expectOnlyAfterFires(schedule.id, burst);
      });
      // The crashed enable's baseline is a row no activation names; it goes with the schedule.
      expect(await cursorRowsOf(last)).toHaveLength(2);
      expect((await call("POST", `/schedules/${last}/disable`)).status).toBe(200);
      expect((await call("DELETE", `/schedules/${last}`)).status).toBe(204);
      expect(await cursorRowsOf(last)).toEqual([]);
    },
  );

  it(
    "fires each new blob once, and no baseline blob, when first checks run at once",
    { timeout: 60_000 },
    async () => {
      const burst = await burstAround("race", () => call("POST", "/schedules", scheduleBody("race", "race")));
      const schedule = await created(burst.answer);
      const fired = (await Promise.all([check(schedule.id), check(schedule.id), check(schedule.id)]))
        .flat()
        .map((run) => run.changedBlob?.path ?? "");
      expect(new Set(fired).size).toBe(fired.length);
      expect(fired.filter((path) => burst.before.includes(path))).toEqual([]);
      expect(burst.after.filter((path) => !fired.includes(path))).toEqual([]);
      expect(await check(schedule.id)).toEqual([]);
      expect(await cursorRowsOf(schedule.id)).toEqual(["cursor"]);
    },
  );

  it("refuses a baseline that a cursor row cannot hold with a 503, saving nothing", async () => {
    const serviceTimeMs = Date.now();
    const blobs: ListedBlob[] = Array.from({ length: MAX_SEEN_FINGERPRINTS + 1 }, (_, index) => ({
      name: `busy/${index}.csv`,
      etag: `0x${index.toString(16)}`,
      lastModifiedMs: Math.floor(serviceTimeMs / 1000) * 1000,
    }));
    const deps = {
      datastores: services.datastores.registry,
      cursors: services.datastores.cursors,
      eventWatches: services.datastores.eventWatches,
      listFolder: () => Promise.resolve({ blobs, serviceTimeMs }),
    };
    const trigger = { type: "datastore" as const, datastoreName: DATASTORE, pollingIntervalMinutes: 5 };
    const activation = { activatedAt: new Date().toISOString(), activationId: "0123456789abcdef" };
    const refusal = await saveFolderBaseline(deps, "busy", trigger, activation).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ServiceUnavailableError);
    expect((refusal as ServiceUnavailableError).retryAfterSeconds).toBe(60);
    expect((refusal as Error).message).toContain(`datastore ${DATASTORE}`);
    expect(await services.datastores.cursors.getBaseline("busy", activation.activationId)).toBeUndefined();
  });
});

describe("unlistable", () => {
  const datastore = {
    name: "landing",
    containerName: "in",
    connectionStringSetting: "DATA",
    createdAt: "2026-11-21T10:00:00.000Z",
    updatedAt: "2026-11-21T10:00:00.000Z",
  };
  const storageError = (statusCode: number | undefined, code: string) =>
    Object.assign(new Error(`https://acct.blob.core.windows.net/in?sig=secret failed`), { statusCode, code });

  it("is a 400 on trigger.datastoreName when the datastore as registered gives no listing", () => {
    for (const error of [
      storageError(404, "ContainerNotFound"),
      storageError(403, "AuthorizationPermissionMismatch"),
      new DatastoreConfigurationError("the app setting DATA of datastore landing is not set"),
    ]) {
      const problem = unlistable(datastore, "incoming/", error);
      expect(problem).toBeInstanceOf(ValidationError);
      expect((problem as ValidationError).issues.map((issue) => issue.path)).toEqual([
        "trigger.datastoreName",
      ]);
      expect(problem.message).toContain(
        'datastore landing (container in, folder "incoming/") cannot be listed',
      );
    }
  });

  it("is a 503 when storage could not answer now, and never quotes a URL", () => {
    for (const [error, said] of [
      [storageError(503, "ServerBusy"), "storage answered 503 ServerBusy"],
      [storageError(429, "TooManyRequests"), "storage answered 429 TooManyRequests"],
      [storageError(undefined, "ECONNREFUSED"), "ECONNREFUSED"],
      [new Error("socket hang up https://acct.blob.core.windows.net/?sig=secret"), "Error"],
    ] as const) {
      const problem = unlistable(datastore, "", error);
      expect(problem).toBeInstanceOf(ServiceUnavailableError);
      expect(problem.message).toBe(
        `datastore landing (container in, folder "") could not be listed: ${said}; nothing was saved. Try again later.`,
      );
    }
  });

  it("reaches the caller as a 503 problem with Retry-After", () => {
    const response = problemForError(
      new ServiceUnavailableError("datastore landing could not be listed", 60),
      new InvocationContext(),
    );
    expect(response).toMatchObject({
      status: 503,
      headers: { "Retry-After": "60", "Content-Type": "application/problem+json" },
      jsonBody: { status: 503, detail: "datastore landing could not be listed" },
    });
  });
});
