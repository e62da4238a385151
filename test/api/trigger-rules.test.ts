import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/**
 * The trigger rules of CONTRACT 2.1 (aliases) and 2.2 (once a minute at most, never-firing expressions) over HTTP,
 * and the bound on one request's computation of occurrences: a problem+json naming the field, nothing changed.
 */

const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const NOW = "2026-03-07T12:00:00.000Z";

function schedule(name: string, trigger: Record<string, unknown>): Record<string, unknown> {
  return { name, experimentName: "MyExperiment", target: { pipelineId: PIPELINE_ID }, trigger };
}

interface Problem {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

describe("trigger rules over HTTP", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest(NOW);
  });
  afterAll(async () => {
    await api.close();
  });

  async function scheduleNames(): Promise<string[]> {
    const listed = (await (await api.call("GET", "/schedules")).json()) as { value: { name: string }[] };
    return listed.value.map((item) => item.name);
  }

  it("refuses an every-second cron on trigger.expression, on create, preview and patch, and changes nothing", async () => {
    api.setNow(NOW);
    const created = await api.call("POST", "/schedules", {
      body: schedule("every-second", {
        type: "cron",
        expression: "* * * * * *",
        timeZone: "America/Los_Angeles",
      }),
    });
    expect(created.status).toBe(400);
    const problem = await problemOf(created);
    expect(problem.errors).toEqual([
      {
        path: "trigger.expression",
        message:
          "fires more than once a minute: its seconds field (the first of six) must be one value from 0 to 59, such as 0",
      },
    ]);
    expect(await scheduleNames()).not.toContain("every-second");

    const preview = await api.call("POST", "/triggers/preview", {
      body: { trigger: { type: "cron", expression: "*/5 * * * * *" }, count: 10 },
    });
    expect(preview.status).toBe(400);
    expect((await problemOf(preview)).errors?.[0]?.path).toBe("trigger.expression");

    const minutely = await api.call("POST", "/schedules", {
      body: schedule("every-minute", { type: "cron", expression: "0 * * * * *" }),
    });
    expect(minutely.status).toBe(201);
    const { id, etag } = (await minutely.json()) as { id: string; etag: string };
    const patched = await api.call("PATCH", `/schedules/${id}`, {
      body: { trigger: { expression: "* * * * * *" } },
    });
    expect(patched.status).toBe(400);
    expect((await problemOf(patched)).errors?.[0]?.path).toBe("trigger.expression");
    const after = (await (await api.call("GET", `/schedules/${id}`)).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ etag, trigger: { expression: "0 * * * * *" } });
  });

  it("says that an expression never fires, rather than calling it malformed", async () => {
    const created = await api.call("POST", "/schedules", {
      body: schedule("never", { type: "cron", expression: "0 0 0 31 4,6 *" }),
    });
    expect(created.status).toBe(400);
    const [issue] = (await problemOf(created)).errors ?? [];
    expect(issue?.path).toBe("trigger.expression");
    expect(issue?.message).toMatch(/^never fires: no day from 2001 to 2028 matches it/);
    expect(await scheduleNames()).not.toContain("never");
  });

  it("previews an every-minute cron a day before a DST transition, all 100 instants", async () => {
    const preview = await api.call("POST", "/triggers/preview", {
      body: {
        trigger: { type: "cron", expression: "* * * * *", timeZone: "America/Los_Angeles" },
        count: 100,
        after: "2026-03-08T09:59:00Z",
      },
    });
    expect(preview.status).toBe(200);
    const { value } = (await preview.json()) as { value: { at: string; local: string }[] };
    expect(value).toHaveLength(100);
    expect(value[0]).toEqual({ at: "2026-03-08T10:00:00.000Z", local: "2026-03-08T03:00:00-07:00" });
    expect(value[99]).toEqual({ at: "2026-03-08T11:39:00.000Z", local: "2026-03-08T04:39:00-07:00" });
  });

  it("refuses a preview whose occurrences take more than the bound to compute, naming count", async () => {
    // The fifth Monday of February comes every 28 years or so: 100 of them span 2,800 years of Februaries.
    const trigger = { type: "cron", expression: "0 0 * 2 1#5", timeZone: "America/Los_Angeles" };
    const tooMany = await api.call("POST", "/triggers/preview", { body: { trigger, count: 100 } });
    expect(tooMany.status).toBe(400);
    const problem = await problemOf(tooMany);
    expect(problem.errors?.[0]?.path).toBe("count");
    expect(problem.errors?.[0]?.message).toMatch(
      /^is too many for this trigger: computing its occurrences took more than 20,000 steps, .*; ask for at most \d+$/,
    );
    const few = await api.call("POST", "/triggers/preview", { body: { trigger, count: 3 } });
    expect(few.status).toBe(200);
    expect(((await few.json()) as { value: { at: string }[] }).value.map((item) => item.at)).toEqual([
      "2044-02-29T08:00:00.000Z",
      "2072-02-29T08:00:00.000Z",
      "2112-02-29T08:00:00.000Z",
    ]);

    const created = await api.call("POST", "/schedules", { body: schedule("fifth-monday", trigger) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const next = await api.call("GET", `/schedules/${id}/next?count=100`);
    expect(next.status).toBe(400);
    expect((await problemOf(next)).errors?.[0]?.path).toBe("count");
  });

  it("accepts what the SDK, Logic Apps and Data Factory send, and returns it in the API's form", async () => {
    const created = await api.call("POST", "/schedules", {
      body: schedule("ported", {
        type: "recurrence",
        frequency: "Week",
        interval: 1,
        time_of_day: "9:30",
        week_days: ["monday", "THURSDAY"],
        timeZone: "W. Europe Standard Time",
      }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body.trigger).toEqual({
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      timeOfDay: "09:30",
      weekDays: ["Monday", "Thursday"],
      timeZone: "W. Europe Standard Time",
    });
    // 2026-03-09 is a Monday; 09:30 in Berlin is 08:30 UTC in winter.
    expect(body.nextRunAt).toBe("2026-03-09T08:30:00.000Z");

    const hourly = await api.call("POST", "/schedules", {
      body: schedule("hourly-at-quarters", {
        type: "recurrence",
        frequency: "Hour",
        interval: 1,
        minutes: [15, 45],
      }),
    });
    expect(hourly.status).toBe(201);
    const hourlyBody = (await hourly.json()) as Record<string, unknown>;
    expect(hourlyBody).toMatchObject({
      nextRunAt: "2026-03-07T12:15:00.000Z",
      triggerDescription: "Every hour at minutes 15 and 45, UTC",
    });
  });
});
