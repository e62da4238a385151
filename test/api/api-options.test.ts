import { TableClient } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import { TableScheduleStore } from "../../src/state/table-schedule-store.js";
import { testStorageConnectionString } from "../support/storage.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

const NOW = "2026-11-21T10:00:00.000Z";
const body = (overrides: Record<string, unknown>) => ({
  name: "opt",
  experimentName: "MyExperiment",
  target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
  trigger: { type: "recurrence", frequency: "Minute", interval: 15 },
  ...overrides,
});

describe("API options", () => {
  let api: ApiUnderTest | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it("accepts loopback endpoints over http when the host allows them", async () => {
    api = await startApiUnderTest(NOW, { allowLoopbackEndpoints: true });
    const created = await api.call("POST", "/schedules", {
      body: body({ target: { endpointUrl: "http://127.0.0.1:7071/api/sandbox/pipelines/p1/submit" } }),
    });
    expect(created.status).toBe(201);
    const notLoopback = await api.call("POST", "/schedules", {
      body: body({ name: "opt2", target: { endpointUrl: "http://example.com/submit" } }),
    });
    expect(notLoopback.status).toBe(400);
  });

  it("accepts an endpoint on an allowed host", async () => {
    api = await startApiUnderTest(NOW);
    const created = await api.call("POST", "/schedules", {
      body: body({ target: { endpointUrl: "https://westeurope.api.azureml.ms/pipelines/v1.0/submit" } }),
    });
    expect(created.status).toBe(201);
  });

  it("refuses a datastore trigger naming an unregistered datastore", async () => {
    api = await startApiUnderTest(NOW, {
      isDatastoreRegistered: (_services, name) => Promise.resolve(name === "workspaceblobstore"),
    });
    const trigger = (datastoreName: string) => ({
      type: "datastore",
      datastoreName,
      pollingIntervalMinutes: 10,
    });
    const unknown = await api.call("POST", "/schedules", { body: body({ trigger: trigger("elsewhere") }) });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      "trigger.datastoreName",
    );
    const known = await api.call("POST", "/schedules", {
      body: body({ trigger: trigger("workspaceblobstore") }),
    });
    expect(known.status).toBe(201);
    // The first folder check is one polling interval after creation.
    const record = await api.services.schedules.getByName("opt");
    expect(record).toMatchObject({ nextRunAt: null, dueAt: "2026-11-21T10:10:00.000Z", activatedAt: NOW });
  });

  it("answers an unexpected error with a 500 that hides the cause and logs it", async () => {
    api = await startApiUnderTest(NOW, {
      isDatastoreRegistered: () => Promise.reject(new Error("registry password=hunter2")),
    });
    const response = await api.call("POST", "/schedules", {
      body: body({ trigger: { type: "datastore", datastoreName: "workspaceblobstore" } }),
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const text = await response.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal Server Error" });
    expect(JSON.stringify(api.logs.map((entry) => entry.map(String)))).toContain("hunter2");
  });

  it("reports the scheduling timer in /health: healthy until three ticks were due without a pass", async () => {
    api = await startApiUnderTest(NOW);
    api.services.startedAt = new Date(NOW);
    api.setNow("2026-11-21T10:02:30.000Z");
    expect((await api.call("GET", "/health")).status).toBe(200);
    api.setNow("2026-11-21T10:03:00.000Z");
    const overdue = await api.call("GET", "/health");
    expect(overdue.status).toBe(503);
    expect(await overdue.json()).toEqual({ status: "unhealthy", storage: "ok", lastTickAt: null });
    await api.services.runs.recordTick(new Date("2026-11-21T10:02:59.000Z"));
    const recovered = await api.call("GET", "/health");
    expect(recovered.status).toBe(200);
    expect(await recovered.json()).toEqual({
      status: "ok",
      storage: "ok",
      lastTickAt: "2026-11-21T10:02:59.000Z",
    });
  });

  it("answers 503 when storage is unreachable", async () => {
    api = await startApiUnderTest(NOW);
    const unreachable = testStorageConnectionString().replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      "TableEndpoint=http://127.0.0.1:1",
    );
    expect(unreachable).not.toBe(testStorageConnectionString());
    const unreachableTable = (name: string) =>
      TableClient.fromConnectionString(unreachable, name, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
    api.services.schedules = new TableScheduleStore(
      unreachableTable("unreachable"),
      unreachableTable("unreachabledue"),
    );
    const health = await api.call("GET", "/health");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "unhealthy", storage: "unreachable", lastTickAt: null });
  });
});
