import { describe, expect, it } from "vitest";
import {
  activatesSchedule,
  timingOnCreate,
  timingOnUpdate,
  truncateToSecond,
} from "../../src/schedules/lifecycle.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { scheduleDefinitionSchema, type ScheduleDefinition } from "../../src/schedules/schema.js";

function definition(trigger: Record<string, unknown>, status = "Active"): ScheduleDefinition {
  return scheduleDefinitionSchema.parse({
    name: "s",
    experimentName: "e",
    target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
    status,
    trigger,
  });
}

function record(definitionOf: ScheduleDefinition, now: string): ScheduleRecord {
  return {
    id: "0123456789abcdef0123456789abcdef",
    definition: definitionOf,
    createdAt: now,
    updatedAt: now,
    etag: 'W/"1"',
    ...timingOnCreate(definitionOf, new Date(now)),
  };
}

const HOURLY = { type: "recurrence", frequency: "Hour", interval: 1 };
const NIGHTLY_PST = {
  type: "recurrence",
  frequency: "Day",
  interval: 1,
  timeOfDay: "02:30",
  timeZone: "Pacific Standard Time",
};
const UPLOADS = { type: "datastore", datastoreName: "workspaceblobstore", pollingIntervalMinutes: 15 };

describe("truncateToSecond", () => {
  it("drops the milliseconds", () => {
    expect(truncateToSecond(new Date("2026-11-21T10:00:00.999Z")).toISOString()).toBe(
      "2026-11-21T10:00:00.000Z",
    );
  });
});

describe("timingOnCreate", () => {
  const now = new Date("2026-11-21T10:00:00.250Z");

  it("runs a simple recurrence without startTime at once, at the truncated creation instant", () => {
    expect(timingOnCreate(definition(HOURLY), now)).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: "2026-11-21T10:00:00.000Z",
      dueAt: "2026-11-21T10:00:00.000Z",
    });
  });

  it("runs a patterned recurrence at its first candidate after creation", () => {
    expect(timingOnCreate(definition(NIGHTLY_PST), now)).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: "2026-11-21T10:30:00.000Z",
      dueAt: "2026-11-21T10:30:00.000Z",
    });
  });

  it("runs at a future startTime", () => {
    const timing = timingOnCreate(definition({ ...HOURLY, startTime: "2026-12-01T08:00:00Z" }), now);
    expect(timing.nextRunAt).toBe("2026-12-01T08:00:00.000Z");
  });

  it("never runs a recurrence that ended before creation", () => {
    const ended = { ...HOURLY, startTime: "2026-01-01T00:00:00Z", endTime: "2026-02-01T00:00:00Z" };
    expect(timingOnCreate(definition(ended), now)).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: null,
      dueAt: null,
    });
  });

  it("checks a datastore folder one polling interval after creation", () => {
    expect(timingOnCreate(definition(UPLOADS), now)).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: null,
      dueAt: "2026-11-21T10:15:00.000Z",
    });
  });

  it("is never due while Disabled", () => {
    expect(timingOnCreate(definition(HOURLY, "Disabled"), now)).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: null,
      dueAt: null,
    });
  });
});

describe("timingOnUpdate", () => {
  const created = record(definition(HOURLY), "2026-11-21T10:00:00.250Z");

  it("keeps the timing when neither trigger nor status changes", () => {
    const next = { ...created.definition, description: "changed" };
    expect(timingOnUpdate(created, next, new Date("2026-11-21T10:20:00.000Z"))).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: "2026-11-21T10:00:00.000Z",
      dueAt: "2026-11-21T10:00:00.000Z",
    });
  });

  it("counts a changed trigger from now but runs it first strictly after now", () => {
    const next = definition({ ...HOURLY, interval: 2 });
    expect(timingOnUpdate(created, next, new Date("2026-11-21T10:20:00.700Z"))).toEqual({
      activatedAt: "2026-11-21T10:20:00.000Z",
      nextRunAt: "2026-11-21T12:20:00.000Z",
      dueAt: "2026-11-21T12:20:00.000Z",
    });
  });

  it("moves a changed patterned trigger to its next candidate", () => {
    const next = definition({ ...NIGHTLY_PST, timeOfDay: "01:00" });
    expect(timingOnUpdate(created, next, new Date("2026-11-21T10:20:00.000Z")).nextRunAt).toBe(
      "2026-11-22T09:00:00.000Z",
    );
  });

  it("clears the timing on disable and keeps activatedAt", () => {
    const next = { ...created.definition, status: "Disabled" as const };
    expect(timingOnUpdate(created, next, new Date("2026-11-21T11:00:00.000Z"))).toEqual({
      activatedAt: "2026-11-21T10:00:00.000Z",
      nextRunAt: null,
      dueAt: null,
    });
  });

  it("re-enabling counts from now and runs a simple recurrence at once", () => {
    const disabled = record(definition(HOURLY, "Disabled"), "2026-11-21T10:00:00.000Z");
    const next = { ...disabled.definition, status: "Active" as const };
    expect(timingOnUpdate(disabled, next, new Date("2026-11-21T13:45:10.300Z"))).toEqual({
      activatedAt: "2026-11-21T13:45:10.000Z",
      nextRunAt: "2026-11-21T13:45:10.000Z",
      dueAt: "2026-11-21T13:45:10.000Z",
    });
  });

  it("re-enabling a datastore trigger checks one polling interval later", () => {
    const disabled = record(definition(UPLOADS, "Disabled"), "2026-11-21T10:00:00.000Z");
    const next = { ...disabled.definition, status: "Active" as const };
    expect(timingOnUpdate(disabled, next, new Date("2026-11-22T00:00:00.000Z"))).toEqual({
      activatedAt: "2026-11-22T00:00:00.000Z",
      nextRunAt: null,
      dueAt: "2026-11-22T00:15:00.000Z",
    });
  });

  it("switching an Active schedule to a datastore trigger checks one polling interval later", () => {
    const next = definition(UPLOADS);
    expect(timingOnUpdate(created, next, new Date("2026-11-21T10:20:00.000Z"))).toEqual({
      activatedAt: "2026-11-21T10:20:00.000Z",
      nextRunAt: null,
      dueAt: "2026-11-21T10:35:00.000Z",
    });
  });
});

describe("activatesSchedule", () => {
  const NOW = "2026-11-21T10:00:00.000Z";
  const active = record(definition(UPLOADS), NOW);
  const disabled = record(definition(UPLOADS, "Disabled"), NOW);

  it("is a re-enabling or a change of the trigger, whatever the status", () => {
    expect(activatesSchedule(disabled, definition(UPLOADS))).toBe(true);
    expect(activatesSchedule(active, definition({ ...UPLOADS, pollingIntervalMinutes: 5 }))).toBe(true);
    expect(activatesSchedule(disabled, definition({ ...UPLOADS, pathOnDatastore: "in" }, "Disabled"))).toBe(
      true,
    );
  });

  it("is not a disabling or a change of other fields", () => {
    expect(activatesSchedule(active, definition(UPLOADS, "Disabled"))).toBe(false);
    expect(activatesSchedule(active, { ...definition(UPLOADS), description: "new" })).toBe(false);
  });
});
