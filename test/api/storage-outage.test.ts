import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devTickRoute } from "../../src/host/local/dev-routes.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../../src/host/local/embedded-azurite.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/**
 * CONTRACT 4 (issue 11, item 11): with the service's storage unreachable, reads, writes and /dev/tick answer 503
 * with Retry-After and a detail that says so, not a 500; once storage is back, everything works again. A private
 * Azurite, persisted to a folder, is stopped under the running API and started again on the same ports.
 */

const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const UNREACHABLE = {
  type: "about:blank",
  title: "Service Unavailable",
  status: 503,
  detail: "The service's storage is unreachable; retry after 10 s.",
};

function definition(name: string): Record<string, unknown> {
  return {
    name,
    experimentName: "MyExperiment",
    target: { pipelineId: PIPELINE_ID },
    trigger: { type: "recurrence", frequency: "Day", interval: 1, startTime: "2027-01-01T00:00:00Z" },
  };
}

describe("a storage outage under a running API", () => {
  let location: string;
  let azurite: EmbeddedAzurite;
  let api: ApiUnderTest;
  let scheduleId: string;
  let runId: string;

  beforeAll(async () => {
    location = mkdtempSync(path.join(tmpdir(), "storage-outage-"));
    azurite = await startEmbeddedAzurite({ location });
    api = await startApiUnderTest(
      "2026-11-21T10:00:00.000Z",
      { extraRoutes: [devTickRoute()] },
      { AzureWebJobsStorage: azurite.connectionString },
    );
    const created = await api.call("POST", "/schedules", { body: definition("before-the-outage") });
    expect(created.status).toBe(201);
    scheduleId = ((await created.json()) as { id: string }).id;
    const run = await api.call("POST", `/schedules/${scheduleId}/trigger`);
    expect(run.status).toBe(202);
    runId = ((await run.json()) as { id: string }).id;
    await azurite.stop();
  });
  afterAll(async () => {
    await api.close();
    await azurite.stop();
    rmSync(location, { recursive: true, force: true });
  });

  const requests: [string, string, string, unknown?][] = [
    ["a list", "GET", "/schedules"],
    ["a read by id", "GET", "/schedules/{id}"],
    ["a read by name", "GET", "/schedules/before-the-outage"],
    ["a create", "POST", "/schedules", definition("during-the-outage")],
    ["a patch", "PATCH", "/schedules/{id}", { description: "changed" }],
    ["a disable", "POST", "/schedules/{id}/disable"],
    ["a run now", "POST", "/schedules/{id}/trigger"],
    ["the run history", "GET", "/schedules/{id}/runs"],
    ["a run", "GET", "/runs/{run}"],
    ["a submission", "POST", `/pipelines/${PIPELINE_ID}/submit`, { ExperimentName: "MyExperiment" }],
    ["/dev/tick", "POST", "/dev/tick", { now: "2027-01-01T00:00:00Z" }],
  ];

  it.each(requests)("answers %s with 503 and Retry-After", async (_title, method, template, body) => {
    const response = await api.call(method, template.replace("{id}", scheduleId).replace("{run}", runId), {
      ...(body === undefined ? {} : { body }),
    });
    expect(response.headers.get("retry-after")).toBe("10");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 503,
      body: UNREACHABLE,
    });
  });

  it("logs the outage as a warning, not as an unexpected error", () => {
    const levels = api.logs.map(([level, ...args]) => [level, String(args[0])]);
    expect(levels).toContainEqual(["warning", "Storage is unreachable in schedules-list:"]);
    expect(levels.filter(([level]) => level === "error")).toEqual([]);
  });

  it("says so on /health, and recovers cleanly once storage is back", async () => {
    expect((await api.call("GET", "/health")).status).toBe(503);

    azurite = await startEmbeddedAzurite({ location, ports: azurite.ports });

    expect((await api.call("GET", "/health")).status).toBe(200);
    const read = await api.call("GET", `/schedules/${scheduleId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ name: "before-the-outage", status: "Active" });
    expect((await api.call("GET", `/runs/${runId}`)).status).toBe(200);
    const created = await api.call("POST", "/schedules", { body: definition("after-the-outage") });
    expect(created.status).toBe(201);
    expect((await api.call("POST", "/dev/tick", { body: { now: "2026-11-21T10:00:00Z" } })).status).toBe(200);
    const names = (
      (await (await api.call("GET", "/schedules")).json()) as { value: { name: string }[] }
    ).value
      .map((schedule) => schedule.name)
      .sort();
    expect(names).toEqual(["after-the-outage", "before-the-outage"]);
  });
});
