import { randomBytes } from "node:crypto";
import { InvocationContext } from "@azure/functions";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { datastoreRoutes, isDatastoreRegistered } from "../../src/api/datastore-routes.js";
import { checkFolderInline, folderCheckQueueTrigger } from "../../src/host/folder-check-wiring.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import { submissionDependencies } from "../../src/host/firing-wiring.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import type { AmlSubmitBody } from "../../src/submit/request-body.js";
import { submitQueuedRun } from "../../src/submit/submission-worker.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";
import { testStorageConnectionString } from "../support/storage.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/** The app setting the tests' datastores name; its value (a connection string with a key) must never show. */
const SETTING = "DATASTORE_ROUTES_TEST_STORAGE";
const ACCOUNT_KEY = /AccountKey|Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/;

let api: ApiUnderTest;
let container: ContainerClient;
let containerName: string;

beforeEach(async () => {
  process.env[SETTING] = testStorageConnectionString();
  api = await startApiUnderTest(
    new Date().toISOString(),
    { allowLoopbackEndpoints: true, extraRoutes: datastoreRoutes(), isDatastoreRegistered },
    { DATASTORE_CONNECTION_SETTINGS: SETTING, [SETTING]: testStorageConnectionString() },
  );
  containerName = `ds-${randomBytes(5).toString("hex")}`;
  container = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(
    containerName,
  );
  await container.create();
});

afterEach(async () => {
  await api.close();
  await container.deleteIfExists();
});

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("datastore registry (CONTRACT 4)", () => {
  it("registers, replaces, lists, reads and deletes a datastore, never showing a secret", async () => {
    const created = await api.call("PUT", "/datastores/landing", {
      body: { connectionStringSetting: SETTING, containerName },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/datastores/landing");
    const createdBody = await json(created);
    expect(createdBody).toMatchObject({ name: "landing", connectionStringSetting: SETTING, containerName });

    const replaced = await api.call("PUT", "/datastores/landing", {
      body: { accountUrl: "https://acct.blob.core.windows.net", containerName: "other" },
    });
    expect(replaced.status).toBe(200);
    const replacedBody = await json(replaced);
    expect(replacedBody).toEqual({
      name: "landing",
      accountUrl: "https://acct.blob.core.windows.net",
      containerName: "other",
      createdAt: createdBody.createdAt,
      updatedAt: expect.any(String) as unknown,
    });

    const listed = await api.call("GET", "/datastores");
    expect(listed.status).toBe(200);
    expect(await json(listed)).toEqual({ value: [replacedBody] });
    const one = await api.call("GET", "/datastores/landing");
    expect(await json(one)).toEqual(replacedBody);

    expect((await api.call("DELETE", "/datastores/landing")).status).toBe(204);
    expect((await api.call("GET", "/datastores/landing")).status).toBe(404);
    expect((await api.call("DELETE", "/datastores/landing")).status).toBe(404);
  });

  it.each([
    [{ containerName: "c1c" }, "accountUrl"],
    [
      {
        accountUrl: "https://a.blob.core.windows.net",
        connectionStringSetting: SETTING,
        containerName: "c1c",
      },
      "connectionStringSetting",
    ],
    [
      { accountUrl: "https://a.blob.core.windows.net/?sv=2024&sig=secret", containerName: "c1c" },
      "accountUrl",
    ],
    [{ accountUrl: "http://a.blob.core.windows.net", containerName: "c1c" }, "accountUrl"],
    [{ connectionStringSetting: "NOT_SET_ANYWHERE_42", containerName: "c1c" }, "connectionStringSetting"],
    [{ connectionStringSetting: SETTING, containerName: "Bad_Name" }, "containerName"],
    [{ connectionStringSetting: SETTING, containerName: "c1c", connectionString: "x" }, "connectionString"],
  ])("refuses %j with a 400 naming %s", async (body, path) => {
    const response = await api.call("PUT", "/datastores/landing", { body });
    expect(response.status).toBe(400);
    const problem = await json(response);
    expect((problem.errors as { path: string }[]).map((issue) => issue.path)).toContain(path);
    expect((await api.call("GET", "/datastores/landing")).status).toBe(404);
  });

  it("refuses a name a trigger could not use", async () => {
    const response = await api.call("PUT", "/datastores/bad-name", {
      body: { connectionStringSetting: SETTING, containerName },
    });
    expect(response.status).toBe(400);
    expect((await json(response)).errors).toEqual([{ path: "name", message: expect.any(String) as unknown }]);
  });

  it("rejects a schedule on an unregistered datastore, and refuses to delete a datastore a schedule names", async () => {
    const schedule = {
      name: "on-uploads",
      experimentName: "Uploads",
      target: { endpointUrl: "http://127.0.0.1:9/submit" },
      trigger: { type: "datastore", datastoreName: "landing", pathOnDatastore: "in" },
    };
    const unregistered = await api.call("POST", "/schedules", { body: schedule });
    expect(unregistered.status).toBe(400);
    expect(((await json(unregistered)).errors as { path: string }[])[0]?.path).toBe("trigger.datastoreName");

    await api.call("PUT", "/datastores/landing", {
      body: { connectionStringSetting: SETTING, containerName },
    });
    const created = await api.call("POST", "/schedules", { body: schedule });
    expect(created.status).toBe(201);
    const { id } = await json(created);

    expect((await api.call("DELETE", "/datastores/landing")).status).toBe(409);
    await api.call("POST", `/schedules/${String(id)}/disable`);
    expect((await api.call("DELETE", "/datastores/landing")).status).toBe(409);
    expect((await api.call("DELETE", `/schedules/${String(id)}`)).status).toBe(204);
    expect((await api.call("DELETE", "/datastores/landing")).status).toBe(204);
  });

  it("documents the datastore operations in /openapi.json", async () => {
    const document = await json(await api.call("GET", "/openapi.json"));
    const paths = document.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths["/datastores/{name}"] ?? {}).sort()).toEqual(["delete", "get", "put"]);
    expect(Object.keys(paths["/datastores"] ?? {})).toEqual(["get"]);
  });
});

describe("a change-based schedule end to end: HTTP API, scheduling pass, folder check, submission", () => {
  let endpoint: ScriptedEndpoint;
  beforeEach(async () => {
    endpoint = await startScriptedEndpoint([{ status: 200, body: { Id: "aml-run-1" } }]);
  });
  afterEach(async () => {
    await endpoint.close();
  });

  it("fires the pipeline with the uploaded blob as its DataPath", async () => {
    const registered = await api.call("PUT", "/datastores/landing", {
      body: { connectionStringSetting: SETTING, containerName },
    });
    expect(registered.status).toBe(201);
    expect(JSON.stringify(await json(registered))).not.toMatch(ACCOUNT_KEY);
    await container.getBlockBlobClient("incoming/before.csv").upload("old", 3);
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

    const createdAt = new Date();
    api.setNow(createdAt.toISOString());
    const created = await api.call("POST", "/schedules", {
      body: {
        name: "on-uploads",
        experimentName: "Uploads",
        target: { endpointUrl: `${endpoint.url}/submit` },
        trigger: {
          type: "datastore",
          datastoreName: "landing",
          pathOnDatastore: "incoming/",
          pollingIntervalMinutes: 1,
          dataPathParameterName: "input_datapath",
        },
      },
    });
    expect(created.status).toBe(201);
    const schedule = await json(created);
    expect(schedule.nextRunAt).toBeNull();
    await container.getBlockBlobClient("incoming/new.csv").upload("new!", 4);
    await container.getBlockBlobClient("incoming/sub/deeper.csv").upload("deep", 4);

    // The first check is one polling interval after creation: the pass enqueues it and moves the schedule on.
    const { services } = api;
    const checked: string[] = [];
    const passDeps = services.firing;
    const dueAt = new Date(createdAt.getTime() + 61_000);
    await runSchedulingPass(
      {
        ...passDeps,
        enqueueFolderCheck: async (record, now) => {
          checked.push(record.id);
          await passDeps.enqueueFolderCheck?.(record, now);
        },
      },
      dueAt,
    );
    expect(checked).toEqual([schedule.id]);
    const afterPass = await services.schedules.get(String(schedule.id));
    expect(afterPass?.dueAt).toBe(new Date(Date.parse(afterPass?.activatedAt ?? "") + 120_000).toISOString());

    // The queue worker runs the check.
    api.setNow(new Date().toISOString());
    const workerLog: unknown[][] = [];
    await folderCheckQueueTrigger(() => Promise.resolve(services)).handler(
      { scheduleId: schedule.id },
      new InvocationContext({ logHandler: (_level, ...args) => void workerLog.push(args) }),
    );
    expect(workerLog).toEqual([[`folder check of ${String(schedule.id)} created 1 run(s)`]]);
    const history = await json(await api.call("GET", `/schedules/${String(schedule.id)}/runs`));
    const runs = history.value as Record<string, unknown>[];
    expect(runs).toHaveLength(1);
    const etag = (await container.getBlobClient("incoming/new.csv").getProperties()).etag?.replaceAll(
      '"',
      "",
    );
    expect(runs[0]).toMatchObject({ reason: "datastore", changedBlob: { path: "incoming/new.csv", etag } });

    await submitQueuedRun(
      submissionDependencies(services),
      { runId: runs[0]?.id },
      { dequeueCount: 1, maxDequeueCount: 5 },
    );
    expect(endpoint.received).toHaveLength(1);
    const posted = endpoint.received[0]?.body as AmlSubmitBody;
    expect(posted.DataPathAssignments).toEqual({
      input_datapath: { DataStoreName: "landing", RelativePath: "incoming/new.csv" },
    });
    expect(posted.ExperimentName).toBe("Uploads");
    const run = await json(await api.call("GET", `/runs/${String(runs[0]?.id)}`));
    expect(run).toMatchObject({ status: "Submitted", pipelineRunId: "aml-run-1" });
  });

  it("runs the check inside the pass for /dev/tick, answering its runs", async () => {
    await api.call("PUT", "/datastores/landing", {
      body: { connectionStringSetting: SETTING, containerName },
    });
    const createdAt = new Date();
    api.setNow(createdAt.toISOString());
    const created = await api.call("POST", "/schedules", {
      body: {
        name: "tick-uploads",
        experimentName: "Uploads",
        target: { endpointUrl: `${endpoint.url}/submit` },
        trigger: {
          type: "datastore",
          datastoreName: "landing",
          pathOnDatastore: "in",
          pollingIntervalMinutes: 1,
        },
      },
    });
    const { id } = await json(created);
    await container.getBlockBlobClient("in/a.csv").upload("a", 1);
    await container.getBlockBlobClient("in/b.csv").upload("b", 1);
    const runs: RunRecord[] = [];
    const pass = await runSchedulingPass(
      { ...api.services.firing, enqueueFolderCheck: checkFolderInline(api.services, runs) },
      new Date(createdAt.getTime() + 61_000),
    );
    expect(pass.runs).toEqual([]);
    expect(runs.map((run) => [run.scheduleId, run.reason, run.changedBlob])).toEqual([
      [id, "datastore", null],
    ]);
  });
});
