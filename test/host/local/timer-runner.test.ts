import { setTimeout as sleep } from "node:timers/promises";
import type { Timer } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { startTimerRunner } from "../../../src/host/local/timer-runner.js";
import type { TimerTriggerSpec } from "../../../src/host/trigger-list.js";

/** A six-field NCRONTAB that matches exactly one second of the day, in UTC. */
function ncrontabAt(instant: Date): string {
  return `${instant.getUTCSeconds()} ${instant.getUTCMinutes()} ${instant.getUTCHours()} ${instant.getUTCDate()} ${instant.getUTCMonth() + 1} *`;
}

describe("startTimerRunner", () => {
  it("fires a timer at its NCRONTAB occurrence, once, with the Timer Azure passes", async () => {
    const occurrence = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000);
    const runs: { startedAt: number; timer: Timer; functionName: string }[] = [];
    const spec: TimerTriggerSpec = {
      kind: "timer",
      name: "schedulerTick",
      scheduleSetting: "SCHEDULER_TICK",
      handler: (timer, context) => {
        runs.push({ startedAt: Date.now(), timer, functionName: context.functionName });
      },
    };
    const timers = startTimerRunner([spec], {
      settings: { SCHEDULER_TICK: ncrontabAt(occurrence) },
      log: () => {},
    });
    try {
      await sleep(occurrence.getTime() - Date.now() + 1_200);
    } finally {
      await timers.stop();
    }
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run?.functionName).toBe("schedulerTick");
    expect(run?.startedAt).toBeGreaterThanOrEqual(occurrence.getTime());
    expect(run?.startedAt).toBeLessThan(occurrence.getTime() + 500);
    expect(run?.timer.isPastDue).toBe(false);
    expect(run?.timer.scheduleStatus.last).toBe(occurrence.toISOString());
    // The same second one year later (or the next valid date) is the next occurrence.
    expect(new Date(run?.timer.scheduleStatus.next ?? 0).getTime()).toBeGreaterThan(
      occurrence.getTime() + 86_400_000,
    );
  });

  it("never overlaps two runs of one timer and skips the occurrences a long run covers", async () => {
    let active = 0;
    let maxActive = 0;
    const runs: { start: number; end: number }[] = [];
    const spec: TimerTriggerSpec = {
      kind: "timer",
      name: "slowTick",
      scheduleSetting: "SCHEDULER_TICK",
      handler: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        const start = Date.now();
        await sleep(1_600);
        active -= 1;
        runs.push({ start, end: Date.now() });
      },
    };
    const timers = startTimerRunner([spec], { settings: { SCHEDULER_TICK: "* * * * * *" }, log: () => {} });
    await sleep(4_500);
    await timers.stop();
    expect(maxActive).toBe(1);
    expect(active).toBe(0);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(3);
    for (let index = 1; index < runs.length; index += 1) {
      const previous = runs[index - 1];
      const current = runs[index];
      expect(current?.start).toBeGreaterThanOrEqual(previous?.end ?? Infinity);
      // The next run starts at the first whole second after the previous run ended.
      expect((current?.start ?? 0) - (previous?.end ?? 0)).toBeLessThan(1_300);
    }
  });

  it("keeps firing after a run fails", async () => {
    let calls = 0;
    const lines: string[] = [];
    const spec: TimerTriggerSpec = {
      kind: "timer",
      name: "failingTick",
      scheduleSetting: "SCHEDULER_TICK",
      handler: () => {
        calls += 1;
        throw new Error("storage unreachable");
      },
    };
    const timers = startTimerRunner([spec], {
      settings: { SCHEDULER_TICK: "* * * * * *" },
      log: (line) => lines.push(line),
    });
    await sleep(2_600);
    await timers.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(lines.some((line) => line.includes("[failingTick]") && line.includes("storage unreachable"))).toBe(
      true,
    );
  });
});
