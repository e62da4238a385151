import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/runs/run-record.js";
import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import {
  lookAheadHorizon,
  MAX_LOOK_AHEAD_MS,
  NEXT_TICK_OVERLAP_MS,
} from "../../src/scheduling/look-ahead.js";
import { fireDueSchedule, runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import {
  patchSchedule,
  setScheduleStatus,
  type ScheduleUseCaseContext,
} from "../../src/schedule-management/schedule-service.js";
import { createFiringStack, type FiringStack } from "../support/firing-stack.js";
import { ManualClock } from "../support/manual-clock.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

const TICK = "0 * * * * *";

let endpoint: ScriptedEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function definition(name: string, trigger: Record<string, unknown>) {
  return {
    name,
    target: { endpointUrl: `${endpoint?.url ?? "http://127.0.0.1:9"}/submit/${name}` },
    experimentName: "lookahead",
    trigger,
  };
}

async function runsOf(stack: FiringStack, scheduleId: string): Promise<RunRecord[]> {
  return (await stack.runs.listForSchedule(scheduleId, 1000)).items;
}

function useCases(stack: FiringStack, now: Date): ScheduleUseCaseContext {
  return {
    store: stack.schedules,
    settings: {
      ...NO_WORKSPACE,
      ALLOWED_ENDPOINT_HOSTS: ["*.api.azureml.ms"],
      ALLOWED_NOTIFY_HOSTS: ["*.logic.azure.com"],
    },
    now,
    allowLoopbackEndpoints: true,
  };
}

/** Moves the clock to each held message's visibility instant up to `untilMs`, draining every stack's queue there. */
async function deliverUntil(timeline: ManualClock, stacks: FiringStack[], untilMs: number): Promise<number> {
  let handled = 0;
  for (;;) {
    const next = Math.min(...stacks.map((stack) => stack.nextVisibleAt() ?? Number.POSITIVE_INFINITY));
    if (next > untilMs) break;
    timeline.set(Math.max(next, timeline.now().getTime()));
    handled += (await Promise.all(stacks.map((stack) => stack.drainQueue()))).reduce((a, b) => a + b, 0);
  }
  timeline.set(Math.max(untilMs, timeline.now().getTime()));
  handled += (await Promise.all(stacks.map((stack) => stack.drainQueue()))).reduce((a, b) => a + b, 0);
  return handled;
}

describe("lookAheadHorizon", () => {
  it("is the next tick plus the overlap, strictly after now", () => {
    expect(lookAheadHorizon(TICK, new Date("2026-11-21T10:00:00.200Z")).toISOString()).toBe(
      new Date(Date.parse("2026-11-21T10:01:00.000Z") + NEXT_TICK_OVERLAP_MS).toISOString(),
    );
    expect(lookAheadHorizon(TICK, new Date("2026-11-21T10:00:00.000Z")).toISOString()).toBe(
      "2026-11-21T10:01:05.000Z",
    );
    expect(lookAheadHorizon("0 */5 * * * *", new Date("2026-11-21T10:01:30.000Z")).toISOString()).toBe(
      "2026-11-21T10:05:05.000Z",
    );
  });

  it("claims nothing ahead when the next tick is further away than MAX_LOOK_AHEAD_MS", () => {
    const now = new Date("2026-11-21T10:00:00.000Z");
    expect(lookAheadHorizon("0 0 0 1 1 *", now)).toEqual(now);
    expect(MAX_LOOK_AHEAD_MS).toBe(10 * 60_000);
    expect(lookAheadHorizon("0 0 * * * *", new Date("2026-11-21T10:49:59.000Z"))).toEqual(
      new Date("2026-11-21T10:49:59.000Z"),
    );
    expect(lookAheadHorizon("0 0 * * * *", new Date("2026-11-21T10:50:00.000Z")).toISOString()).toBe(
      "2026-11-21T11:00:05.000Z",
    );
  });
});

describe("look-ahead firing", () => {
  it("POSTs an occurrence 40 s after a tick at its second, not at the next pass", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("at-40", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    expect(schedule.nextRunAt).toBe("2026-11-21T10:00:40.000Z");

    timeline.set("2026-11-21T10:00:00.200Z");
    const { runs } = await runSchedulingPass(stack.scheduling, timeline.now());
    expect(runs.map((run) => [run.scheduledFor, run.reason, run.status])).toEqual([
      ["2026-11-21T10:00:40.000Z", "recurrence", "Pending"],
    ]);
    // Visible 3 s before the instant, rounded down to the whole second Storage Queue takes: 40 - 3 - 0.2 = 36.8.
    expect(stack.sent).toEqual([
      { runId: runs[0]?.id, delayMs: 36_000, sentAt: new Date("2026-11-21T10:00:00.200Z") },
    ]);
    const advanced = await stack.schedules.get(schedule.id);
    expect(advanced?.nextRunAt).toBe("2026-11-21T10:00:40.000Z");
    expect(advanced?.dueAt).toBe("2026-11-21T10:01:40.000Z");
    expect(await stack.drainQueue()).toBe(0);
    expect(endpoint.received).toHaveLength(0);

    // The message becomes visible at 10:00:36.2; the worker holds it for the rest and POSTs at 10:00:40.
    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(1);
    const [fired] = await runsOf(stack, schedule.id);
    expect(fired).toMatchObject({
      status: "Submitted",
      attempts: 1,
      fireLagMs: 0,
      submittedAt: "2026-11-21T10:00:40.000Z",
    });
    expect(endpoint.received).toHaveLength(1);
    expect(stack.logs).toContain(
      `metric FireLagMs=0 scheduleId=${schedule.id} runId=${fired?.id} reason=recurrence`,
    );

    // The pass at the next tick does not fire it again; it claims the next one, ahead again.
    timeline.set("2026-11-21T10:01:00.200Z");
    const next = await runSchedulingPass(stack.scheduling, timeline.now());
    expect(next.runs.map((run) => run.scheduledFor)).toEqual(["2026-11-21T10:01:40.000Z"]);
    expect((await runsOf(stack, schedule.id)).map((run) => run.scheduledFor)).toEqual([
      "2026-11-21T10:01:40.000Z",
      "2026-11-21T10:00:40.000Z",
    ]);
  });

  it("counts a claim's visibility delay from its send, so the last claims of a long pass are not late", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    for (const name of ["first", "second", "third"])
      await stack.createSchedule(
        definition(name, { type: "cron", expression: "40 * * * * *" }),
        timeline.now(),
      );

    timeline.set("2026-11-21T10:00:00.200Z");
    // The instance's clock moves 5 s at each reading: a pass that takes 5 s per claim (thousands of them).
    let readings = 0;
    const slowPass = {
      ...stack.scheduling,
      clock: () => new Date(timeline.now().getTime() + 5_000 * readings++),
    };
    const { runs } = await runSchedulingPass(slowPass, timeline.now());
    expect(runs).toHaveLength(3);
    // Sent 5, 10 and 15 s into the pass, each visible 3 s before 10:00:40 rounded down: 36.8 - 5, - 10, - 15.
    expect(stack.sent.map((message) => message.delayMs).sort((a, b) => a - b)).toEqual([
      21_000, 26_000, 31_000,
    ]);
  });

  it("takes every decision at the instant, on one read of the schedule, so a disable during the wait counts", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("one-read", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    timeline.set("2026-11-21T10:00:00.200Z");
    await runSchedulingPass(stack.scheduling, timeline.now());
    const reads: string[] = [];
    const readSchedule = stack.submission.readSchedule;
    if (readSchedule === undefined) throw new Error("the stack's worker reads no schedule");
    stack.submission.readSchedule = (scheduleId) => {
      reads.push(timeline.now().toISOString());
      return readSchedule(scheduleId);
    };
    // A second decision after "still wanted", as the overlap policy is in the hosts: it sees the same read.
    const seenByStep: (string | undefined)[] = [];
    stack.submission.firstPostSteps = [
      {
        name: "probe",
        async decide(_run, _now, readFromStep) {
          seenByStep.push((await readFromStep?.())?.definition.status);
          return { send: true };
        },
      },
    ];

    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(1);
    expect(reads).toEqual(["2026-11-21T10:00:40.000Z"]);
    expect(seenByStep).toEqual(["Active"]);
    expect((await runsOf(stack, schedule.id))[0]).toMatchObject({ status: "Submitted", fireLagMs: 0 });
  });

  it("does not fire an occurrence whose schedule was disabled between the claim and the instant, and says why", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("disabled-in-between", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    timeline.set("2026-11-21T10:00:00.200Z");
    const [claimed] = (await runSchedulingPass(stack.scheduling, timeline.now())).runs;
    expect(claimed?.scheduledFor).toBe("2026-11-21T10:00:40.000Z");

    timeline.set("2026-11-21T10:00:10.000Z");
    await setScheduleStatus(useCases(stack, timeline.now()), schedule.id, "Disabled", undefined);

    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(1);
    const [run] = await runsOf(stack, schedule.id);
    expect(run).toMatchObject({ id: claimed?.id, status: "Skipped", attempts: 0, fireLagMs: null });
    expect(run?.error).toBe(
      "Not submitted: the schedule was disabled (at 2026-11-21T10:00:10.000Z) before the occurrence at 2026-11-21T10:00:40.000Z.",
    );
    expect(endpoint.received).toHaveLength(0);
    // Settled: the sweep never sends it again.
    expect(await stack.runs.listUnsettled(new Date("2026-11-22T00:00:00.000Z"), 100)).toEqual([]);
  });

  it("does not fire the old occurrence of a trigger changed in between, and fires the new one on its second", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("changed-in-between", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    timeline.set("2026-11-21T10:00:00.200Z");
    const [old] = (await runSchedulingPass(stack.scheduling, timeline.now())).runs;

    timeline.set("2026-11-21T10:00:10.000Z");
    const patched = await patchSchedule(
      useCases(stack, timeline.now()),
      schedule.id,
      { trigger: { expression: "50 * * * * *" } },
      undefined,
    );
    expect(patched.nextRunAt).toBe("2026-11-21T10:00:50.000Z");
    // As the PATCH route does: the write claims the new trigger's occurrences before the next tick.
    const [fresh] = await fireDueSchedule(stack.scheduling, patched, timeline.now());
    expect(fresh?.scheduledFor).toBe("2026-11-21T10:00:50.000Z");
    expect(stack.sent.map((message) => message.delayMs)).toEqual([36_000, 37_000]);

    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(2);
    const byInstant = new Map((await runsOf(stack, schedule.id)).map((run) => [run.scheduledFor, run]));
    expect(byInstant.get("2026-11-21T10:00:40.000Z")).toMatchObject({ id: old?.id, status: "Skipped" });
    expect(byInstant.get("2026-11-21T10:00:40.000Z")?.error).toBe(
      "Not submitted: the schedule's trigger changed (at 2026-11-21T10:00:10.000Z) and no longer fires at 2026-11-21T10:00:40.000Z.",
    );
    expect(byInstant.get("2026-11-21T10:00:50.000Z")).toMatchObject({
      id: fresh?.id,
      status: "Submitted",
      fireLagMs: 0,
    });
    expect(
      endpoint.received.map((post) => (post.body as { Tags: Record<string, string> }).Tags.scheduledFor),
    ).toEqual(["2026-11-21T10:00:50.000Z"]);
  });

  it("fires an occurrence claimed ahead that a re-enabled schedule still has", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("off-and-on", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    timeline.set("2026-11-21T10:00:00.200Z");
    await runSchedulingPass(stack.scheduling, timeline.now());
    timeline.set("2026-11-21T10:00:10.000Z");
    await setScheduleStatus(useCases(stack, timeline.now()), schedule.id, "Disabled", undefined);
    timeline.set("2026-11-21T10:00:20.000Z");
    const enabled = await setScheduleStatus(
      useCases(stack, timeline.now()),
      schedule.id,
      "Active",
      undefined,
    );
    // Re-enabling counts from 10:00:20, and 10:00:40 is its first occurrence: already claimed, it is not claimed again.
    expect(enabled.nextRunAt).toBe("2026-11-21T10:00:40.000Z");
    expect(await fireDueSchedule(stack.scheduling, enabled, timeline.now())).toEqual([]);

    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(1);
    expect((await runsOf(stack, schedule.id)).map((run) => [run.scheduledFor, run.status])).toEqual([
      ["2026-11-21T10:00:40.000Z", "Submitted"],
    ]);
    expect(endpoint.received).toHaveLength(1);
  });

  it("fires each occurrence once with two instances passing and working at once", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:59.000Z");
    const first = await createFiringStack({ timeline, lookAheadTick: TICK });
    const second = await createFiringStack({
      timeline,
      lookAheadTick: TICK,
      storagePrefix: first.storagePrefix,
    });
    const seconds = [0, 3, 5, 17, 29, 30, 44, 58];
    const schedules = [];
    for (const at of seconds) {
      schedules.push(
        await first.createSchedule(
          definition(`s${at}`, { type: "cron", expression: `${at} * * * * *` }),
          timeline.now(),
        ),
      );
    }
    for (const tick of ["10:00:00.200", "10:01:00.150", "10:02:00.300"]) {
      const at = Date.parse(`2026-11-21T${tick}Z`);
      timeline.set(at);
      await Promise.all([first, second].map((stack) => runSchedulingPass(stack.scheduling, timeline.now())));
      // Up to just before the next tick: what is due right after it comes with the next pass.
      await deliverUntil(timeline, [first, second], at + 55_000);
    }
    // The last pass (10:02:00.3) claimed up to its horizon, 10:03:05.
    await deliverUntil(timeline, [first, second], Date.parse("2026-11-21T10:03:05.000Z"));

    let total = 0;
    for (const [index, schedule] of schedules.entries()) {
      const at = seconds[index] ?? 0;
      const expected = ["10:00", "10:01", "10:02", ...(at <= 5 ? ["10:03"] : [])].map(
        (minute) => `2026-11-21T${minute}:${String(at).padStart(2, "0")}.000Z`,
      );
      const runs = await runsOf(first, schedule.id);
      expect(runs.map((run) => run.scheduledFor).sort(), schedule.definition.name).toEqual(expected);
      expect(new Set(runs.map((run) => run.status))).toEqual(new Set(["Submitted"]));
      total += expected.length;
    }
    const posted = endpoint.received.map((post) => {
      const tags = (post.body as { Tags: Record<string, string> }).Tags;
      return `${tags.scheduleId}@${tags.scheduledFor}`;
    });
    expect(posted).toHaveLength(total);
    expect(new Set(posted).size).toBe(total);
  }, 120_000);

  it("recovers a claim made ahead whose enqueue died: the next pass sends it", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("crash-ahead", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    const queue = stack.scheduling.queue;
    stack.scheduling.queue = {
      enqueue: () => Promise.reject(new Error("instance died before enqueueing")),
      sendToPoison: (message) => queue.sendToPoison(message),
    };
    timeline.set("2026-11-21T10:00:00.200Z");
    await runSchedulingPass(stack.scheduling, timeline.now());
    expect(stack.logs.some((line) => line.includes(schedule.id) && line.includes("will retry"))).toBe(true);
    const [claimed] = await runsOf(stack, schedule.id);
    expect(claimed).toMatchObject({ scheduledFor: "2026-11-21T10:00:40.000Z", status: "Pending" });
    // Not moved on: the next pass looks at the same occurrence.
    expect((await stack.schedules.get(schedule.id))?.dueAt).toBe("2026-11-21T10:00:40.000Z");
    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(0);

    stack.scheduling.queue = queue;
    timeline.set("2026-11-21T10:01:00.200Z");
    const next = await runSchedulingPass(stack.scheduling, timeline.now());
    expect(next.runs.map((run) => run.scheduledFor)).toEqual(["2026-11-21T10:01:40.000Z"]);
    expect(await stack.drainQueue()).toBe(1);
    const recovered = (await runsOf(stack, schedule.id)).find((run) => run.id === claimed?.id);
    // Late, but on time (CONTRACT 2.4) and once.
    expect(recovered).toMatchObject({ status: "Submitted", attempts: 1, fireLagMs: 20_200 });
    expect(endpoint.received).toHaveLength(1);
  });

  it("sends back to the queue a run claimed ahead whose message arrives long before its instant", async () => {
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    const timeline = new ManualClock("2026-11-21T09:59:45.000Z");
    const stack = await createFiringStack({ timeline, lookAheadTick: TICK });
    const schedule = await stack.createSchedule(
      definition("early-message", { type: "cron", expression: "40 * * * * *" }),
      timeline.now(),
    );
    timeline.set("2026-11-21T10:00:00.200Z");
    const [claimed] = (await runSchedulingPass(stack.scheduling, timeline.now())).runs;
    // A second message for the run, without delay, as a sweep on a clock far off would send it.
    await stack.queue.enqueue(claimed?.id ?? "");
    timeline.set("2026-11-21T10:00:10.000Z");
    expect(await stack.drainQueue()).toBe(1);
    expect(stack.sent.at(-1)).toEqual({
      runId: claimed?.id,
      delayMs: 27_000,
      sentAt: new Date("2026-11-21T10:00:10.000Z"),
    });
    expect((await runsOf(stack, schedule.id))[0]).toMatchObject({ status: "Pending", attempts: 0 });
    expect(endpoint.received).toHaveLength(0);
    // Both messages come back at once; one POST.
    expect(await deliverUntil(timeline, [stack], Date.parse("2026-11-21T10:00:59.000Z"))).toBe(2);
    expect((await runsOf(stack, schedule.id))[0]).toMatchObject({ status: "Submitted", fireLagMs: 0 });
    expect(endpoint.received).toHaveLength(1);
  });
});
