import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/** CONTRACT 4: every malformed request is a problem+json naming the field, and changes nothing. */

const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const NOW = "2026-11-21T10:00:00.000Z";

function definition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "new-schedule",
    experimentName: "MyExperiment",
    target: { pipelineId: PIPELINE_ID },
    trigger: { type: "recurrence", frequency: "Day", interval: 1 },
    ...overrides,
  };
}

function withTrigger(trigger: Record<string, unknown>): Record<string, unknown> {
  return definition({ trigger });
}

interface MalformedCase {
  title: string;
  method: string;
  /** `{existing}` is replaced by the id of a schedule that exists. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** The path of the (first) field error, for 400s that name one. */
  field?: string;
}

const cases: MalformedCase[] = [
  {
    title: "an unknown field",
    method: "POST",
    path: "/schedules",
    body: definition({ colour: "blue" }),
    status: 400,
    field: "colour",
  },
  {
    title: "a misspelt week_day",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Week", interval: 1, week_day: ["Monday"] }),
    status: 400,
    field: "trigger.week_day",
  },
  {
    title: "a bad name",
    method: "POST",
    path: "/schedules",
    body: definition({ name: "nightly retrain!" }),
    status: 400,
    field: "name",
  },
  {
    title: "a bad experimentName",
    method: "POST",
    path: "/schedules",
    body: definition({ experimentName: "My.Experiment" }),
    status: 400,
    field: "experimentName",
  },
  {
    title: "a bad status",
    method: "POST",
    path: "/schedules",
    body: definition({ status: "Paused" }),
    status: 400,
    field: "status",
  },
  {
    title: "two targets",
    method: "POST",
    path: "/schedules",
    body: definition({ target: { pipelineId: PIPELINE_ID, pipelineEndpointId: PIPELINE_ID } }),
    status: 400,
    field: "target",
  },
  {
    title: "an empty target",
    method: "POST",
    path: "/schedules",
    body: definition({ target: {} }),
    status: 400,
    field: "target",
  },
  {
    title: "no target",
    method: "POST",
    path: "/schedules",
    body: { name: "x", experimentName: "e", trigger: { type: "cron", expression: "0 * * * *" } },
    status: 400,
    field: "target",
  },
  {
    title: "an endpoint host that is not allowed",
    method: "POST",
    path: "/schedules",
    body: definition({ target: { endpointUrl: "https://pipelines.example.com/submit" } }),
    status: 400,
    field: "target.endpointUrl",
  },
  {
    title: "an http endpoint on an allowed host",
    method: "POST",
    path: "/schedules",
    body: definition({ target: { endpointUrl: "http://westeurope.api.azureml.ms/pipelines/v1.0/x" } }),
    status: 400,
    field: "target.endpointUrl",
  },
  {
    title: "a loopback endpoint outside the local host",
    method: "POST",
    path: "/schedules",
    body: definition({ target: { endpointUrl: "http://127.0.0.1:9/submit" } }),
    status: 400,
    field: "target.endpointUrl",
  },
  {
    title: "a Minute interval over 72000",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Minute", interval: 72_001 }),
    status: 400,
    field: "trigger.interval",
  },
  {
    title: "a Day interval over 500",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Day", interval: 501 }),
    status: 400,
    field: "trigger.interval",
  },
  {
    title: "a Month interval over 16",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Month", interval: 17 }),
    status: 400,
    field: "trigger.interval",
  },
  {
    title: "an interval of 0",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Hour", interval: 0 }),
    status: 400,
    field: "trigger.interval",
  },
  {
    title: "hours with frequency Minute",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Minute", interval: 5, hours: [1] }),
    status: 400,
    field: "trigger.hours",
  },
  {
    title: "an hour of 24",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Day", interval: 1, hours: [24] }),
    status: 400,
    field: "trigger.hours[0]",
  },
  {
    title: "timeOfDay with hours",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Day", interval: 1, hours: [2], timeOfDay: "02:30" }),
    status: 400,
    field: "trigger.timeOfDay",
  },
  {
    title: "weekDays with frequency Day",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Day", interval: 1, weekDays: ["Monday"] }),
    status: 400,
    field: "trigger.weekDays",
  },
  {
    title: "a month day of 32",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Month", interval: 1, monthDays: [1, 32] }),
    status: 400,
    field: "trigger.monthDays[1]",
  },
  {
    title: "a monthly occurrence of 6",
    method: "POST",
    path: "/schedules",
    body: withTrigger({
      type: "recurrence",
      frequency: "Month",
      interval: 1,
      monthlyOccurrences: [{ day: "Friday", occurrence: 6 }],
    }),
    status: 400,
    field: "trigger.monthlyOccurrences[0].occurrence",
  },
  {
    title: "an unknown time zone",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "recurrence", frequency: "Day", interval: 1, timeZone: "Mars Standard Time" }),
    status: 400,
    field: "trigger.timeZone",
  },
  {
    title: "a startTime in month 13",
    method: "POST",
    path: "/schedules",
    body: withTrigger({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2026-13-01T00:00:00",
    }),
    status: 400,
    field: "trigger.startTime",
  },
  {
    title: "an endTime before startTime",
    method: "POST",
    path: "/schedules",
    body: withTrigger({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      startTime: "2026-12-01T00:00:00",
      endTime: "2026-11-01T00:00:00",
    }),
    status: 400,
    field: "trigger.endTime",
  },
  {
    title: "a cron expression with minute 61",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "cron", expression: "61 * * * *" }),
    status: 400,
    field: "trigger.expression",
  },
  {
    title: "an unknown trigger type",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "hourly" }),
    status: 400,
    field: "trigger.type",
  },
  {
    title: "a datastore path with ..",
    method: "POST",
    path: "/schedules",
    body: withTrigger({
      type: "datastore",
      datastoreName: "workspaceblobstore",
      pathOnDatastore: "in/../secret",
    }),
    status: 400,
    field: "trigger.pathOnDatastore",
  },
  {
    title: "a polling interval of 0",
    method: "POST",
    path: "/schedules",
    body: withTrigger({ type: "datastore", datastoreName: "workspaceblobstore", pollingIntervalMinutes: 0 }),
    status: 400,
    field: "trigger.pollingIntervalMinutes",
  },
  {
    title: "maxCatchUpRuns with catchUp latest",
    method: "POST",
    path: "/schedules",
    body: definition({ policy: { catchUp: "latest", maxCatchUpRuns: 3 } }),
    status: 400,
    field: "policy.maxCatchUpRuns",
  },
  {
    title: "a parameter whose value is an object",
    method: "POST",
    path: "/schedules",
    body: definition({ parameterAssignments: { pipeline_arg: { value: 1 } } }),
    status: 400,
    field: "parameterAssignments.pipeline_arg",
  },
  {
    title: "101 parameters",
    method: "POST",
    path: "/schedules",
    body: definition({
      parameterAssignments: Object.fromEntries(
        Array.from({ length: 101 }, (_, index) => [`p${index}`, index]),
      ),
    }),
    status: 400,
    field: "parameterAssignments",
  },
  {
    title: "a JSON array body",
    method: "POST",
    path: "/schedules",
    body: [definition()],
    status: 400,
    field: "",
  },
  {
    title: "a body over 64 KiB",
    method: "POST",
    path: "/schedules",
    body: definition({ description: "x".repeat(70_000) }),
    status: 413,
  },
  {
    title: "a text/plain body",
    method: "POST",
    path: "/schedules",
    body: JSON.stringify(definition()),
    headers: { "Content-Type": "text/plain" },
    status: 415,
  },
  { title: "malformed JSON", method: "POST", path: "/schedules", body: '{"name": "x",', status: 400 },
  { title: "an empty body", method: "POST", path: "/schedules", body: " ", status: 400 },
  {
    title: "a name that exists",
    method: "POST",
    path: "/schedules",
    body: definition({ name: "existing" }),
    status: 409,
  },
  {
    title: "a PATCH changing experimentName",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { experimentName: "Another" },
    status: 400,
    field: "experimentName",
  },
  {
    title: "a PATCH with an unknown field",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { colour: "blue" },
    status: 400,
    field: "colour",
  },
  {
    title: "a PATCH of a read-only field",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { nextRunAt: null },
    status: 400,
    field: "nextRunAt",
  },
  {
    title: "a PATCH with a misspelt trigger field",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { trigger: { week_day: ["Monday"] } },
    status: 400,
    field: "trigger.week_day",
  },
  {
    title: "a PATCH whose merged trigger is invalid",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { trigger: { interval: 501 } },
    status: 400,
    field: "trigger.interval",
  },
  {
    title: "a PATCH removing a required field",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { target: null },
    status: 400,
    field: "target",
  },
  {
    title: "a PATCH that is not an object",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: "[]",
    status: 400,
    field: "",
  },
  {
    title: "a PATCH as text/plain",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: '{"description": "x"}',
    headers: { "Content-Type": "text/plain" },
    status: 415,
  },
  {
    title: "a PATCH to a name that exists",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { name: "other" },
    status: 409,
  },
  {
    title: "a PATCH with a stale If-Match",
    method: "PATCH",
    path: "/schedules/{existing}",
    body: { description: "changed" },
    headers: { "If-Match": 'W/"stale"' },
    status: 412,
  },
  {
    title: "a PATCH of a schedule that does not exist",
    method: "PATCH",
    path: "/schedules/0123456789abcdef0123456789abcdef",
    body: { description: "changed" },
    status: 404,
  },
  { title: "a DELETE while Active", method: "DELETE", path: "/schedules/{existing}", status: 409 },
  {
    title: "a disable with a stale If-Match",
    method: "POST",
    path: "/schedules/{existing}/disable",
    headers: { "If-Match": 'W/"stale"' },
    status: 412,
  },
  { title: "top=0", method: "GET", path: "/schedules?top=0", status: 400, field: "top" },
  { title: "top=1001", method: "GET", path: "/schedules?top=1001", status: 400, field: "top" },
  { title: "top=ten", method: "GET", path: "/schedules?top=ten", status: 400, field: "top" },
  {
    title: "an unknown status filter",
    method: "GET",
    path: "/schedules?status=Paused",
    status: 400,
    field: "status",
  },
  {
    title: "count=0",
    method: "GET",
    path: "/schedules/{existing}/next?count=0",
    status: 400,
    field: "count",
  },
  {
    title: "count=101",
    method: "GET",
    path: "/schedules/{existing}/next?count=101",
    status: 400,
    field: "count",
  },
  {
    title: "after=garbage",
    method: "GET",
    path: "/schedules/{existing}/next?after=garbage",
    status: 400,
    field: "after",
  },
  {
    title: "a preview of a datastore trigger",
    method: "POST",
    path: "/triggers/preview",
    body: { trigger: { type: "datastore", datastoreName: "workspaceblobstore" } },
    status: 400,
    field: "trigger.type",
  },
  {
    title: "a preview with an unknown field",
    method: "POST",
    path: "/triggers/preview",
    body: { trigger: { type: "cron", expression: "0 * * * *" }, colour: "blue" },
    status: 400,
    field: "colour",
  },
  {
    title: "a preview with a bad trigger field",
    method: "POST",
    path: "/triggers/preview",
    body: { trigger: { type: "recurrence", frequency: "Day", interval: 1, minutes: [60] } },
    status: 400,
    field: "trigger.minutes[0]",
  },
  {
    title: "a preview of 101 instants",
    method: "POST",
    path: "/triggers/preview",
    body: { trigger: { type: "cron", expression: "0 * * * *" }, count: 101 },
    status: 400,
    field: "count",
  },
];

describe("malformed requests", () => {
  let api: ApiUnderTest;
  let existingId: string;
  let baseline: unknown;

  const listAll = async (): Promise<unknown> => (await api.call("GET", "/schedules?top=1000")).json();

  beforeAll(async () => {
    api = await startApiUnderTest(NOW);
    const existing = await api.call("POST", "/schedules", { body: definition({ name: "existing" }) });
    existingId = ((await existing.json()) as { id: string }).id;
    expect((await api.call("POST", "/schedules", { body: definition({ name: "other" }) })).status).toBe(201);
    baseline = await listAll();
  });
  afterAll(async () => {
    await api.close();
  });

  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("rejects $title with $status", async (testCase) => {
    const response = await api.call(testCase.method, testCase.path.replace("{existing}", existingId), {
      ...(testCase.body === undefined ? {} : { body: testCase.body }),
      ...(testCase.headers === undefined ? {} : { headers: testCase.headers }),
    });
    const problem = (await response.json()) as { status: number; title: string; errors?: { path: string }[] };
    expect(response.status).toBe(testCase.status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problem.status).toBe(testCase.status);
    if (testCase.field !== undefined) {
      expect(problem.errors?.map((error) => error.path)).toContain(testCase.field);
    }
    expect(await listAll()).toEqual(baseline);
  });
});
