import { afterEach, describe, expect, it } from "vitest";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { createFiringStack } from "../support/firing-stack.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

/** A schedule may start up to 9999 (CONTRACT 2.1), so a pass after 2286-11-20 must create runs (run ids). */

let endpoint: ScriptedEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe("a scheduling pass in the far future", () => {
  it("fires a schedule that starts in the year 3000, and its runs list newest first", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const stack = await createFiringStack();
    const schedule = await stack.createSchedule(
      {
        name: "millennium",
        target: { endpointUrl: `${endpoint.url}/submit/millennium` },
        experimentName: "far",
        trigger: { type: "recurrence", frequency: "Day", interval: 1, startTime: "3000-01-01T00:00:00Z" },
      },
      new Date("2026-11-21T09:00:00.000Z"),
    );
    expect(schedule.nextRunAt).toBe("3000-01-01T00:00:00.000Z");

    const first = await runSchedulingPass(stack.scheduling, new Date("3000-01-01T00:00:30.000Z"));
    const second = await runSchedulingPass(stack.scheduling, new Date("3000-01-02T00:00:30.000Z"));
    await stack.drainQueue();

    expect([...first.runs, ...second.runs].map((run) => run.scheduledFor)).toEqual([
      "3000-01-01T00:00:00.000Z",
      "3000-01-02T00:00:00.000Z",
    ]);
    expect(stack.logs.filter((line) => line.includes("failed"))).toEqual([]);
    const listed = await stack.runs.listForSchedule(schedule.id, 10);
    expect(listed.items.map((run) => [run.scheduledFor, run.status])).toEqual([
      ["3000-01-02T00:00:00.000Z", "Submitted"],
      ["3000-01-01T00:00:00.000Z", "Submitted"],
    ]);
  });
});
