import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const CREATED_AT = "2026-11-21T10:00:00.250Z";

function nightly(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "nightly-retrain",
    description: "Retrain every night",
    experimentName: "MyExperiment",
    target: { pipelineId: PIPELINE_ID },
    parameterAssignments: { pipeline_arg: 20 },
    trigger: {
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay: "02:30",
      timeZone: "Pacific Standard Time",
    },
    ...overrides,
  };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("schedule routes over HTTP", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest(CREATED_AT);
  });
  afterAll(async () => {
    await api.close();
  });

  it("creates a schedule and reads it back by id and by name", async () => {
    api.setNow(CREATED_AT);
    const created = await api.call("POST", "/schedules", { body: nightly() });
    expect(created.status).toBe(201);
    const schedule = await json(created);
    expect(schedule.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.headers.get("location")).toBe(`/api/schedules/${String(schedule.id)}`);
    expect(created.headers.get("etag")).toBe(schedule.etag);
    expect(schedule).toMatchObject({
      name: "nightly-retrain",
      description: "Retrain every night",
      status: "Active",
      target: { pipelineId: PIPELINE_ID },
      experimentName: "MyExperiment",
      parameterAssignments: { pipeline_arg: 20 },
      dataPathAssignments: {},
      policy: { catchUp: "latest" },
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
      nextRunAt: "2026-11-21T10:30:00.000Z",
    });

    const byId = await api.call("GET", `/schedules/${String(schedule.id)}`);
    expect(byId.status).toBe(200);
    expect(await json(byId)).toEqual(schedule);
    const byName = await api.call("GET", "/schedules/nightly-retrain");
    expect(await json(byName)).toEqual(schedule);
    expect((await api.call("GET", "/schedules/no-such-schedule")).status).toBe(404);
  });

  it("applies a JSON merge patch recursively and recomputes nextRunAt from now", async () => {
    api.setNow(CREATED_AT);
    const created = await json(
      await api.call("POST", "/schedules", {
        body: nightly({
          name: "hourly-patch",
          trigger: { type: "recurrence", frequency: "Hour", interval: 1, timeZone: "UTC" },
        }),
      }),
    );
    // A simple recurrence without startTime runs at its creation, truncated to the second: the create
    // request fires that run itself, so the next run is one interval later.
    expect(created.nextRunAt).toBe("2026-11-21T11:00:00.000Z");
    expect(created.lastRun).toMatchObject({
      reason: "recurrence",
      scheduledFor: "2026-11-21T10:00:00.000Z",
      status: "Pending",
    });

    api.setNow("2026-11-21T10:20:00.000Z");
    const patched = await api.call("PATCH", `/schedules/${String(created.id)}`, {
      body: { trigger: { interval: 2 } },
      headers: { "Content-Type": "application/merge-patch+json; charset=utf-8" },
    });
    expect(patched.status).toBe(200);
    const afterTrigger = await json(patched);
    expect(afterTrigger.trigger).toEqual({
      type: "recurrence",
      frequency: "Hour",
      interval: 2,
      timeZone: "UTC",
    });
    expect(afterTrigger.description).toBe("Retrain every night");
    // An update does not run immediately: the first occurrence strictly after now, counted from now.
    expect(afterTrigger.nextRunAt).toBe("2026-11-21T12:20:00.000Z");
    expect(afterTrigger.updatedAt).toBe("2026-11-21T10:20:00.000Z");
    expect(afterTrigger.createdAt).toBe(CREATED_AT);
    expect(afterTrigger.etag).not.toBe(created.etag);
    expect(patched.headers.get("etag")).toBe(afterTrigger.etag);

    api.setNow("2026-11-21T10:30:00.000Z");
    const removed = await json(
      await api.call("PATCH", `/schedules/${String(created.id)}`, {
        body: { description: null, parameterAssignments: { pipeline_arg: null, other: "x" } },
      }),
    );
    expect(removed).not.toHaveProperty("description");
    expect(removed.parameterAssignments).toEqual({ other: "x" });
    // Neither trigger nor status changed: the next run stays where it was.
    expect(removed.nextRunAt).toBe("2026-11-21T12:20:00.000Z");

    const toCron = await json(
      await api.call("PATCH", `/schedules/${String(created.id)}`, {
        body: {
          trigger: { type: "cron", expression: "0 0 * * *" },
          target: { pipelineEndpointName: "retrain" },
        },
      }),
    );
    expect(toCron.trigger).toEqual({ type: "cron", expression: "0 0 * * *" });
    expect(toCron.target).toEqual({ pipelineEndpointName: "retrain" });
    expect(toCron.nextRunAt).toBe("2026-11-22T00:00:00.000Z");
  });

  it("writes nothing for a PATCH that changes nothing", async () => {
    api.setNow(CREATED_AT);
    const created = await json(
      await api.call("POST", "/schedules", { body: nightly({ name: "unchanged" }) }),
    );
    const patched = await api.call("PATCH", `/schedules/${String(created.id)}`, {
      body: { description: "Retrain every night", experimentName: "MyExperiment" },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toEqual(created);
  });

  it("honours If-Match on PATCH, enable, disable and DELETE", async () => {
    api.setNow(CREATED_AT);
    const created = await json(await api.call("POST", "/schedules", { body: nightly({ name: "if-match" }) }));
    const path = `/schedules/${String(created.id)}`;
    const stale = await api.call("PATCH", path, {
      body: { description: "a" },
      headers: { "If-Match": 'W/"x"' },
    });
    expect(stale.status).toBe(412);
    expect(await json(await api.call("GET", path))).toEqual(created);

    const matching = await api.call("PATCH", path, {
      body: { description: "b" },
      headers: { "If-Match": String(created.etag) },
    });
    expect(matching.status).toBe(200);
    const any = await api.call("PATCH", path, { body: { description: "c" }, headers: { "If-Match": "*" } });
    expect(any.status).toBe(200);
    expect((await json(any)).description).toBe("c");

    const staleDisable = await api.call("POST", `${path}/disable`, {
      headers: { "If-Match": String(created.etag) },
    });
    expect(staleDisable.status).toBe(412);
    expect((await api.call("POST", `${path}/disable`, { headers: { "If-Match": "*" } })).status).toBe(200);
    const staleDelete = await api.call("DELETE", path, { headers: { "If-Match": String(created.etag) } });
    expect(staleDelete.status).toBe(412);
    expect((await api.call("DELETE", path, { headers: { "If-Match": "*" } })).status).toBe(204);
    expect((await api.call("GET", path)).status).toBe(404);
  });

  it("disables, refuses to delete while Active, re-enables from now and deletes", async () => {
    api.setNow(CREATED_AT);
    const created = await json(
      await api.call("POST", "/schedules", { body: nightly({ name: "lifecycle" }) }),
    );
    const path = `/schedules/${String(created.id)}`;
    const refused = await api.call("DELETE", path);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");

    api.setNow("2026-11-21T11:00:00.000Z");
    const disabled = await json(await api.call("POST", `${path}/disable`));
    expect(disabled).toMatchObject({
      status: "Disabled",
      nextRunAt: null,
      updatedAt: "2026-11-21T11:00:00.000Z",
    });
    expect(await json(await api.call("GET", `${path}/next`))).toEqual({ value: [] });

    // Re-enabled after 02:30 local on the 22nd: the next 02:30 is the 23rd's.
    api.setNow("2026-11-22T11:00:00.000Z");
    const enabled = await json(await api.call("POST", `${path}/enable`));
    expect(enabled).toMatchObject({ status: "Active", nextRunAt: "2026-11-23T10:30:00.000Z" });
    const again = await json(await api.call("POST", `${path}/enable`));
    expect(again.etag).toBe(enabled.etag);

    await api.call("POST", `${path}/disable`);
    const deleted = await api.call("DELETE", path);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await api.call("GET", path)).status).toBe(404);
    expect((await api.call("GET", "/schedules/lifecycle")).status).toBe(404);
  });

  it("lists the next fire instants in the trigger's zone", async () => {
    api.setNow(CREATED_AT);
    const created = await json(
      await api.call("POST", "/schedules", { body: nightly({ name: "next-in-zone" }) }),
    );
    const next = await json(await api.call("GET", `/schedules/${String(created.id)}/next?count=3`));
    expect(next).toEqual({
      value: [
        { at: "2026-11-21T10:30:00.000Z", local: "2026-11-21T02:30:00-08:00" },
        { at: "2026-11-22T10:30:00.000Z", local: "2026-11-22T02:30:00-08:00" },
        { at: "2026-11-23T10:30:00.000Z", local: "2026-11-23T02:30:00-08:00" },
      ],
    });
    const afterMarch = await json(
      await api.call("GET", `/schedules/next-in-zone/next?count=2&after=2027-03-13T10:30:00Z`),
    );
    // Pacific daylight time starts at 02:00 on 2027-03-14: 02:30 does not exist and fires at 03:30 (CONTRACT 2.1.3).
    expect(afterMarch).toEqual({
      value: [
        { at: "2027-03-14T10:30:00.000Z", local: "2027-03-14T03:30:00-07:00" },
        { at: "2027-03-15T09:30:00.000Z", local: "2027-03-15T02:30:00-07:00" },
      ],
    });
  });

  it("lists no fire instants for a change-based schedule", async () => {
    api.setNow(CREATED_AT);
    const created = await json(
      await api.call("POST", "/schedules", {
        body: nightly({
          name: "on-upload",
          trigger: { type: "datastore", datastoreName: "workspaceblobstore", pathOnDatastore: "incoming" },
        }),
      }),
    );
    expect(created.nextRunAt).toBeNull();
    expect(created.trigger).toEqual({
      type: "datastore",
      datastoreName: "workspaceblobstore",
      pathOnDatastore: "incoming",
      pollingIntervalMinutes: 5,
    });
    expect(await json(await api.call("GET", `/schedules/${String(created.id)}/next`))).toEqual({ value: [] });
  });

  it("previews a trigger without creating anything", async () => {
    api.setNow("2027-03-14T09:00:00.500Z");
    const before = await json(await api.call("GET", "/schedules?top=1000"));
    const preview = await api.call("POST", "/triggers/preview", {
      body: {
        trigger: { type: "recurrence", frequency: "Hour", interval: 1, time_zone: "Pacific Standard Time" },
        count: 3,
      },
    });
    expect(preview.status).toBe(200);
    // Created at 01:00:00 PST: runs at once, then hourly across the spring-forward gap.
    expect(await json(preview)).toEqual({
      value: [
        { at: "2027-03-14T09:00:00.000Z", local: "2027-03-14T01:00:00-08:00" },
        { at: "2027-03-14T10:00:00.000Z", local: "2027-03-14T03:00:00-07:00" },
        { at: "2027-03-14T11:00:00.000Z", local: "2027-03-14T04:00:00-07:00" },
      ],
    });
    const withAfter = await json(
      await api.call("POST", "/triggers/preview", {
        body: {
          trigger: { type: "cron", expression: "0 30 2 * * *", timeZone: "UTC" },
          count: 2,
          createdAt: "2026-01-01T00:00:00Z",
          after: "2026-01-05T02:30:00Z",
        },
      }),
    );
    expect(withAfter).toEqual({
      value: [
        { at: "2026-01-06T02:30:00.000Z", local: "2026-01-06T02:30:00+00:00" },
        { at: "2026-01-07T02:30:00.000Z", local: "2026-01-07T02:30:00+00:00" },
      ],
    });
    expect(await json(await api.call("GET", "/schedules?top=1000"))).toEqual(before);
  });

  it("reports health", async () => {
    // A host that has just started: no scheduling pass was due yet.
    api.services.startedAt = api.services.clock();
    const health = await api.call("GET", "/health");
    expect(health.status).toBe(200);
    expect(await json(health)).toEqual({ status: "ok", storage: "ok", lastTickAt: null });
  });
});

describe("listing schedules", () => {
  let api: ApiUnderTest;
  const OTHER_PIPELINE = "11111111-2222-3333-4444-555555555555";
  const ENDPOINT_ID = "99999999-8888-7777-6666-555555555555";

  beforeAll(async () => {
    api = await startApiUnderTest(CREATED_AT);
    const bodies = [
      nightly({ name: "a-1" }),
      nightly({ name: "a-2", status: "Disabled" }),
      nightly({ name: "a-3", target: { pipelineId: OTHER_PIPELINE } }),
      nightly({ name: "a-4", target: { pipelineEndpointId: ENDPOINT_ID, pipelineVersion: "2" } }),
      nightly({ name: "a-5", trigger: { type: "cron", expression: "*/5 * * * *" } }),
      nightly({ name: "a-6", trigger: { type: "datastore", datastoreName: "workspaceblobstore" } }),
      nightly({ name: "a-7", status: "Disabled", trigger: { type: "cron", expression: "0 0 1 * *" } }),
    ];
    for (const body of bodies) expect((await api.call("POST", "/schedules", { body })).status).toBe(201);
  });
  afterAll(async () => {
    await api.close();
  });

  async function namesAcrossPages(query: string): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let link: string | null = `/api/schedules?${query}`;
    let pages = 0;
    while (link !== null) {
      const response = await fetch(new URL(link, api.url));
      expect(response.status).toBe(200);
      const page = (await response.json()) as { value: { name: string }[]; nextLink?: string | null };
      names.push(...page.value.map((schedule) => schedule.name));
      link = page.nextLink ?? null;
      pages += 1;
      expect(pages).toBeLessThan(20);
    }
    return { names: names.sort(), pages };
  }

  it("follows nextLink to the end", async () => {
    const { names, pages } = await namesAcrossPages("top=2");
    expect(names).toEqual(["a-1", "a-2", "a-3", "a-4", "a-5", "a-6", "a-7"]);
    expect(pages).toBeGreaterThanOrEqual(4);
  });

  it("keeps the filters and the page size in nextLink", async () => {
    const first = (await (await api.call("GET", "/schedules?status=Disabled&top=1")).json()) as {
      value: unknown[];
      nextLink: string;
    };
    expect(first.value).toHaveLength(1);
    const next = new URL(first.nextLink, api.url);
    expect(next.pathname).toBe("/api/schedules");
    expect(next.searchParams.get("status")).toBe("Disabled");
    expect(next.searchParams.get("top")).toBe("1");
    expect((await namesAcrossPages("status=Disabled&top=1")).names).toEqual(["a-2", "a-7"]);
  });

  it("filters by status, pipeline, pipeline endpoint and trigger type", async () => {
    expect((await namesAcrossPages("status=Active")).names).toEqual(["a-1", "a-3", "a-4", "a-5", "a-6"]);
    expect((await namesAcrossPages(`pipelineId=${PIPELINE_ID}`)).names).toEqual([
      "a-1",
      "a-2",
      "a-5",
      "a-6",
      "a-7",
    ]);
    expect((await namesAcrossPages(`pipelineId=${OTHER_PIPELINE}`)).names).toEqual(["a-3"]);
    expect((await namesAcrossPages(`pipelineEndpointId=${ENDPOINT_ID}`)).names).toEqual(["a-4"]);
    expect((await namesAcrossPages("triggerType=cron")).names).toEqual(["a-5", "a-7"]);
    expect((await namesAcrossPages("triggerType=cron&status=Active")).names).toEqual(["a-5"]);
  });

  it("returns one page without nextLink when everything fits", async () => {
    const page = (await (await api.call("GET", "/schedules")).json()) as {
      value: unknown[];
      nextLink: unknown;
    };
    expect(page.value).toHaveLength(7);
    expect(page.nextLink ?? null).toBeNull();
  });
});
