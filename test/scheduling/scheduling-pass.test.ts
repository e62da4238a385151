import { afterEach, describe, expect, it } from "vitest";
import { nextOccurrences } from "../../src/recurrence/occurrences.js";
import { StepBudget } from "../../src/recurrence/step-budget.js";
import type { TimeTrigger } from "../../src/recurrence/trigger-schema.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { createFiringStack, type FiringStack } from "../support/firing-stack.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

const MINUTE = 60_000;

let endpoint: ScriptedEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function definition(name: string, trigger: Record<string, unknown>, policy?: Record<string, unknown>) {
  return {
    name,
    target: { endpointUrl: `${endpoint?.url ?? "http://127.0.0.1:9"}/submit/${name}` },
    experimentName: "simulated",
    parameterAssignments: { n: 1 },
    trigger,
    ...(policy ? { policy } : {}),
  };
}

async function allRuns(stack: FiringStack, scheduleId: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let token: string | undefined;
  do {
    const page = await stack.runs.listForSchedule(scheduleId, 1000, token);
    runs.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return runs;
}

/** Fifty schedules of every kind, several in zones whose clocks fall back on 2026-11-01. */
function mixedTriggers(): Record<string, unknown>[] {
  const triggers: Record<string, unknown>[] = [];
  for (const interval of [10, 15, 20, 30, 45, 60]) {
    triggers.push({ type: "recurrence", frequency: "Minute", interval, startTime: "2026-10-31T23:58:00Z" });
  }
  for (const interval of [1, 2, 3, 5, 6, 12]) {
    triggers.push({
      type: "recurrence",
      frequency: "Hour",
      interval,
      startTime: "2026-10-30T00:20:00",
      timeZone: "Pacific Standard Time",
    });
  }
  for (const [timeZone, timeOfDay] of [
    ["America/Los_Angeles", "01:30"],
    ["America/Los_Angeles", "02:30"],
    ["Pacific Standard Time", "00:59"],
    ["Eastern Standard Time", "01:15"],
    ["America/Chicago", "01:45"],
    ["Europe/Berlin", "06:00"],
    ["W. Europe Standard Time", "23:59"],
    ["Australia/Sydney", "09:00"],
    ["AUS Eastern Standard Time", "02:30"],
    ["India Standard Time", "05:30"],
    ["UTC", "00:00"],
    ["Tokyo Standard Time", "18:45"],
  ] as const) {
    triggers.push({
      type: "recurrence",
      frequency: "Day",
      interval: 1,
      timeOfDay,
      timeZone,
      startTime: "2026-10-01T00:00:00",
    });
  }
  triggers.push({
    type: "recurrence",
    frequency: "Day",
    interval: 1,
    hours: [0, 6, 12, 18],
    minutes: [0, 30],
    timeZone: "America/Los_Angeles",
    startTime: "2026-10-01T00:00:00",
  });
  triggers.push({
    type: "recurrence",
    frequency: "Day",
    interval: 2,
    hours: [1],
    minutes: [10, 40],
    timeZone: "America/Denver",
    startTime: "2026-10-01T00:00:00",
  });
  for (const weekDays of [
    ["Sunday"],
    ["Sunday", "Monday"],
    ["Saturday"],
    ["Monday", "Wednesday", "Friday"],
  ]) {
    triggers.push({
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      weekDays,
      hours: [1, 13],
      minutes: [5],
      timeZone: "America/Los_Angeles",
      startTime: "2026-10-01T00:00:00",
    });
  }
  triggers.push({
    type: "recurrence",
    frequency: "Week",
    interval: 2,
    weekDays: ["Sunday"],
    timeOfDay: "08:00",
    timeZone: "Europe/London",
    startTime: "2026-10-19T00:00:00",
  });
  triggers.push({
    type: "recurrence",
    frequency: "Week",
    interval: 1,
    timeOfDay: "10:00",
    startTime: "2026-10-25T00:00:00",
    timeZone: "UTC",
  });
  triggers.push({
    type: "recurrence",
    frequency: "Month",
    interval: 1,
    monthDays: [1, -1],
    timeOfDay: "01:20",
    timeZone: "America/Los_Angeles",
    startTime: "2026-10-01T00:00:00",
  });
  triggers.push({
    type: "recurrence",
    frequency: "Month",
    interval: 1,
    monthlyOccurrences: [{ day: "Sunday", occurrence: 1 }],
    hours: [3, 15],
    minutes: [0],
    timeZone: "America/New_York",
    startTime: "2026-10-01T00:00:00",
  });
  triggers.push({
    type: "recurrence",
    frequency: "Month",
    interval: 2,
    monthDays: [31],
    timeOfDay: "12:00",
    startTime: "2026-09-01T00:00:00",
  });
  triggers.push({ type: "recurrence", frequency: "Month", interval: 1, startTime: "2026-10-01T07:00:00Z" });
  for (const [expression, timeZone] of [
    ["*/10 * * * *", "America/Los_Angeles"],
    ["0 30 1 * * *", "America/Los_Angeles"],
    ["0 * * * *", "America/Los_Angeles"],
    ["15 9 * * 1-5", "Europe/Berlin"],
    ["0 0 1 * *", "UTC"],
    ["30 */4 * * *", "Australia/Sydney"],
    ["0 0 2 * * 0", "Eastern Standard Time"],
    ["45 1 * * *", "America/Chicago"],
  ] as const) {
    triggers.push({ type: "cron", expression, timeZone });
  }
  triggers.push({ type: "recurrence", frequency: "Day", interval: 1 });
  triggers.push({ type: "recurrence", frequency: "Hour", interval: 4 });
  triggers.push({ type: "recurrence", frequency: "Week", interval: 1, timeZone: "Pacific Standard Time" });
  triggers.push({ type: "recurrence", frequency: "Minute", interval: 45, endTime: "2026-11-01T10:00:00Z" });
  triggers.push({ type: "cron", expression: "0 */20 1-2 * * *", timeZone: "America/Los_Angeles" });
  triggers.push({
    type: "recurrence",
    frequency: "Hour",
    interval: 1,
    startTime: "2026-11-01T01:30:00",
    timeZone: "America/Los_Angeles",
  });
  return triggers;
}

describe("scheduling pass", () => {
  it("over a simulated day of minute-by-minute passes fires every occurrence of 50 schedules exactly once, none early, none missing", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const start = Date.parse("2026-11-01T00:00:00.000Z");
    const triggers = mixedTriggers();
    expect(triggers).toHaveLength(50);
    const schedules: ScheduleRecord[] = [];
    for (const [index, trigger] of triggers.entries()) {
      schedules.push(await stack.createSchedule(definition(`sim-${index}`, trigger), new Date(start)));
    }
    const passTimes: number[] = [];
    for (let minute = 0; minute < 24 * 60; minute++) passTimes.push(start + minute * MINUTE + 1_500);
    // Each pass is followed by the submission worker, as the queue trigger would run it.
    let handled = 0;
    for (const now of passTimes) {
      await runSchedulingPass(stack.scheduling, new Date(now));
      handled += await stack.drainQueue();
    }
    const lastPass = passTimes[passTimes.length - 1] ?? start;

    let expectedTotal = 0;
    for (const schedule of schedules) {
      const trigger = schedule.definition.trigger as TimeTrigger;
      // The reference computes far more than one request may (StepBudget): no bound.
      const unbounded = new StepBudget(Number.POSITIVE_INFINITY);
      const expected = nextOccurrences(
        trigger,
        new Date(schedule.activatedAt),
        new Date(start - 1),
        5000,
        unbounded,
      )
        .map((instant) => instant.getTime())
        .filter((instant) => instant <= lastPass);
      const runs = await allRuns(stack, schedule.id);
      const fired = runs.map((run) => Date.parse(run.scheduledFor ?? "")).sort((a, b) => a - b);
      expect(fired, `${schedule.definition.name} ${JSON.stringify(trigger)}`).toEqual(expected);
      for (const run of runs) {
        const lateness = Date.parse(run.createdAt) - Date.parse(run.scheduledFor ?? "");
        expect(lateness).toBeGreaterThanOrEqual(0);
        expect(lateness).toBeLessThan(MINUTE + 1_500);
        expect(run.reason).toBe("recurrence");
      }
      expectedTotal += expected.length;
    }
    expect(expectedTotal).toBeGreaterThan(500);

    expect(handled).toBe(expectedTotal);
    const posted = endpoint.received.map((post) => {
      const tags = (post.body as { Tags: Record<string, string> }).Tags;
      return `${tags.scheduleId}@${tags.scheduledFor}`;
    });
    expect(posted).toHaveLength(expectedTotal);
    expect(new Set(posted).size).toBe(expectedTotal);
  }, 240_000);

  it("four concurrent passes over the same due set create each run once and miss none", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const createdAt = new Date("2026-11-21T09:00:00.000Z");
    const schedules: ScheduleRecord[] = [];
    for (let index = 0; index < 40; index++) {
      const trigger = {
        type: "recurrence",
        frequency: "Minute",
        interval: 15,
        startTime: "2026-11-21T09:15:00Z",
      };
      schedules.push(await stack.createSchedule(definition(`c-${index}`, trigger), createdAt));
    }
    const now = new Date("2026-11-21T09:15:02.000Z");
    const results = await Promise.all([1, 2, 3, 4].map(() => runSchedulingPass(stack.scheduling, now)));
    const created = results.flatMap((result) => result.runs);
    expect(created).toHaveLength(40);
    expect(new Set(created.map((run) => run.scheduleId)).size).toBe(40);
    for (const schedule of schedules) {
      expect((await stack.schedules.get(schedule.id))?.nextRunAt).toBe("2026-11-21T09:30:00.000Z");
      expect(await allRuns(stack, schedule.id)).toHaveLength(1);
    }
    expect(await stack.drainQueue()).toBeGreaterThanOrEqual(40);
    expect(endpoint.received).toHaveLength(40);
  });

  it.each([
    ["latest", undefined, ["2026-11-21T11:45:00.000Z:catchUp"]],
    ["none", undefined, []],
    ["all", undefined, "ten"],
    [
      "all",
      3,
      [
        "2026-11-21T11:15:00.000Z:catchUp",
        "2026-11-21T11:30:00.000Z:catchUp",
        "2026-11-21T11:45:00.000Z:catchUp",
      ],
    ],
  ] as const)(
    "after a three-hour gap, catchUp %s (maxCatchUpRuns %s) fires what the policy says, then on-time ones",
    async (catchUp, maxCatchUpRuns, expectedMissed) => {
      endpoint = await startScriptedEndpoint([{ status: 200 }]);
      const stack = await createFiringStack();
      const trigger = {
        type: "recurrence",
        frequency: "Minute",
        interval: 15,
        startTime: "2026-11-21T09:00:00Z",
      };
      const policy = { catchUp, ...(maxCatchUpRuns ? { maxCatchUpRuns } : {}) };
      const schedule = await stack.createSchedule(
        definition("gap", trigger, policy),
        new Date("2026-11-21T08:50:00Z"),
      );
      await runSchedulingPass(stack.scheduling, new Date("2026-11-21T09:00:01Z"));
      // The service is down from 09:01 to 12:03; the 12:00 occurrence is still on time at 12:03.
      const result = await runSchedulingPass(stack.scheduling, new Date("2026-11-21T12:03:00Z"));
      const fired = result.runs.map((run) => `${run.scheduledFor}:${run.reason}`);
      const missed = fired.filter((entry) => entry.endsWith("catchUp"));
      if (expectedMissed === "ten") {
        expect(missed).toHaveLength(10);
        expect(missed[0]).toBe("2026-11-21T09:30:00.000Z:catchUp");
        expect(missed[9]).toBe("2026-11-21T11:45:00.000Z:catchUp");
      } else {
        expect(missed).toEqual(expectedMissed);
      }
      expect(fired.filter((entry) => entry.endsWith("recurrence"))).toEqual([
        "2026-11-21T12:00:00.000Z:recurrence",
      ]);
      expect((await stack.schedules.get(schedule.id))?.nextRunAt).toBe("2026-11-21T12:15:00.000Z");
      const again = await runSchedulingPass(stack.scheduling, new Date("2026-11-21T12:04:00Z"));
      expect(again.runs).toEqual([]);
    },
  );

  it("a crash between claim and enqueue is submitted by the next pass", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const trigger = {
      type: "recurrence",
      frequency: "Minute",
      interval: 30,
      startTime: "2026-11-21T10:00:00Z",
    };
    const schedule = await stack.createSchedule(
      definition("crashy", trigger),
      new Date("2026-11-21T09:00:00Z"),
    );
    const realEnqueue = stack.queue.enqueue.bind(stack.queue);
    stack.scheduling.queue = {
      enqueue: () => Promise.reject(new Error("instance died before enqueueing")),
      sendToPoison: (message) => stack.queue.sendToPoison(message),
    };
    await runSchedulingPass(stack.scheduling, new Date("2026-11-21T10:00:01Z"));
    expect(stack.logs.some((line) => line.includes(schedule.id) && line.includes("will retry"))).toBe(true);
    const [pending] = await allRuns(stack, schedule.id);
    expect(pending?.status).toBe("Pending");
    expect((await stack.schedules.get(schedule.id))?.nextRunAt).toBe("2026-11-21T10:00:00.000Z");
    expect(await stack.drainQueue()).toBe(0);

    stack.scheduling.queue = {
      enqueue: realEnqueue,
      sendToPoison: (message) => stack.queue.sendToPoison(message),
    };
    const next = await runSchedulingPass(stack.scheduling, new Date("2026-11-21T10:01:01Z"));
    expect(next.runs).toEqual([]);
    expect((await stack.schedules.get(schedule.id))?.nextRunAt).toBe("2026-11-21T10:30:00.000Z");
    expect(await stack.drainQueue()).toBe(1);
    const runs = await allRuns(stack, schedule.id);
    expect(runs.map((run) => [run.scheduledFor, run.status])).toEqual([
      ["2026-11-21T10:00:00.000Z", "Submitted"],
    ]);
    expect(endpoint.received).toHaveLength(1);
  });

  it("does not touch schedules that are not due, disabled, or ended", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const createdAt = new Date("2026-11-21T09:00:00Z");
    await stack.createSchedule(definition("later", { type: "cron", expression: "0 12 * * *" }), createdAt);
    await stack.createSchedule(
      { ...definition("off", { type: "recurrence", frequency: "Minute", interval: 1 }), status: "Disabled" },
      createdAt,
    );
    await stack.createSchedule(
      definition("ended", {
        type: "recurrence",
        frequency: "Minute",
        interval: 1,
        startTime: "2026-11-21T08:00:00Z",
        endTime: "2026-11-21T08:30:00Z",
      }),
      createdAt,
    );
    const result = await runSchedulingPass(stack.scheduling, new Date("2026-11-21T10:00:00Z"));
    expect(result.runs).toEqual([]);
  });
});
