import { afterEach, describe, expect, it } from "vitest";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { createFiringStack } from "../support/firing-stack.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

/**
 * One schedule's computation is a bounded slice of a scheduling pass (StepBudget): a schedule past the bound is
 * disabled with a Failed run that says why and a log line naming it, and the others fire as usual.
 */

let endpoint: ScriptedEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe("a scheduling pass and the step bound", () => {
  it("disables the schedule whose occurrences cost more than the bound, and fires the others", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const createdAt = new Date("2026-11-21T09:00:00.000Z");
    const target = (name: string) => ({ endpointUrl: `${endpoint?.url ?? ""}/submit/${name}` });
    // Three hours missed with catch-up "all": the pass enumerates 180 minutes of occurrences to keep 100.
    const costly = await stack.createSchedule(
      {
        name: "every-minute-all-missed",
        target: target("costly"),
        experimentName: "bounded",
        trigger: { type: "recurrence", frequency: "Minute", interval: 1, startTime: "2026-11-21T09:00:00Z" },
        policy: { catchUp: "all", maxCatchUpRuns: 100 },
      },
      createdAt,
    );
    const hourly = await stack.createSchedule(
      {
        name: "hourly",
        target: target("hourly"),
        experimentName: "bounded",
        trigger: { type: "recurrence", frequency: "Hour", interval: 1, startTime: "2026-11-21T12:00:00Z" },
      },
      createdAt,
    );
    const now = new Date("2026-11-21T12:00:30.000Z");

    const { runs } = await runSchedulingPass({ ...stack.scheduling, stepLimit: 150 }, now);
    await stack.drainQueue();

    const costlyRuns = runs.filter((run) => run.scheduleId === costly.id);
    expect(costlyRuns).toHaveLength(1);
    expect(costlyRuns[0]).toMatchObject({
      status: "Failed",
      reason: "recurrence",
      scheduledFor: "2026-11-21T09:00:00.000Z",
      attempts: 0,
    });
    expect(costlyRuns[0]?.error).toMatch(
      /^Not submitted: computing its occurrences took more than 150 steps, .* The schedule was disabled; change its trigger and enable it again\.$/,
    );
    expect(await stack.schedules.get(costly.id)).toMatchObject({
      definition: { status: "Disabled" },
      nextRunAt: null,
      dueAt: null,
    });
    expect(
      stack.logs.some((line) => line.startsWith(`schedule ${costly.id} (every-minute-all-missed): `)),
    ).toBe(true);

    expect(runs.filter((run) => run.scheduleId === hourly.id).map((run) => run.scheduledFor)).toEqual([
      "2026-11-21T12:00:00.000Z",
    ]);
    expect(endpoint.received.map((post) => post.path)).toEqual(["/submit/hourly"]);

    // Disabled, it costs later passes nothing and fires nothing more.
    const later = await runSchedulingPass(
      { ...stack.scheduling, stepLimit: 150 },
      new Date("2026-11-21T13:00:30.000Z"),
    );
    expect(later.runs.map((run) => run.scheduleId)).toEqual([hourly.id]);
  });
});
