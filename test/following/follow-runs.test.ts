import { afterEach, describe, expect, it } from "vitest";
import type { PipelineRunStatus } from "../../src/runs/run-record.js";
import { followEveryRunNow } from "../../src/following/follower.js";
import { followDependencies } from "../../src/host/following-wiring.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { startFollowHarness, PIPELINE_ID, type FollowHarness } from "../support/follow-harness.js";

/**
 * Following runs to their end and the policies built on it (CONTRACT 2.5, 4; issue 13), over the real firing path:
 * Azurite, the scheduling pass, the submission worker and the follower, against a loopback workspace whose pipeline
 * runs move NotStarted -> Running -> Finished / Failed / Canceled over several reads, counting the reads.
 */

const T0 = "2026-11-21T09:59:30.000Z";
const T0_MS = Date.parse(T0);
const SUBMITTED_AT = Date.parse("2026-11-21T10:00:00.000Z");
const HOURLY = { type: "recurrence", frequency: "Hour", interval: 1, startTime: "2026-11-21T10:00:00Z" };

/**
 * A scheduling timer that never comes (CONTRACT 5): the test's passes are the only ones, and each claims only what
 * is due, none ahead of the next tick. The other tests run with the hosts' default tick, every minute.
 */
const NEVER = "0 0 0 1 1 *";

const running = (reads: number): PipelineRunStatus[] => Array.from({ length: reads }, () => "Running");

let harness: FollowHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(settings: Record<string, string> = {}) {
  harness = await startFollowHarness(T0, settings);
  return harness;
}

async function getJson(h: FollowHarness, path: string): Promise<Record<string, unknown>> {
  const response = await h.api.call("GET", path);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

const at = (offsetSeconds: number, from = SUBMITTED_AT) =>
  new Date(from + offsetSeconds * 1000).toISOString();

describe("following runs", () => {
  it("records each outcome (Finished, Failed with its detail, Canceled) and stops reading at the end", async () => {
    const h = await start();
    h.workspace.plan(
      { statuses: ["NotStarted", "Running", "Finished"] },
      { statuses: ["NotStarted", "Running", "Failed"], failureDetail: "Step train failed" },
      { statuses: ["NotStarted", "Running", "Canceled"] },
    );
    const ids = await h.submitRuns(3);
    // Still running after two reads.
    await h.followUntil(at(90, T0_MS));
    const midway = await getJson(h, `/runs/${ids[0]}`);
    expect(midway).toMatchObject({ status: "Submitted", pipelineStatus: "Running", finishedAt: null });
    expect(midway.pipelineStatusAt).toBe(at(90, T0_MS));

    await h.followUntil(at(6 * 3600, T0_MS));
    // The worker POSTs the three at once: which run got which plan is the pipeline run id's (pr-1 is the first plan).
    const ends: Record<string, Record<string, unknown>> = {
      "pr-1": { pipelineStatus: "Finished", pipelineStatusDetail: null },
      "pr-2": { pipelineStatus: "Failed", pipelineStatusDetail: "Step train failed" },
      "pr-3": { pipelineStatus: "Canceled", pipelineStatusDetail: null },
    };
    for (const id of ids) {
      const run = await getJson(h, `/runs/${id}`);
      const pipelineRunId = String(run.pipelineRunId);
      // Read at 30 s, 90 s, 210 s after submission: the third read saw the end, at that read's instant.
      expect(run).toMatchObject({
        status: "Submitted",
        ...ends[pipelineRunId],
        pipelineStatusAt: at(210, T0_MS),
        finishedAt: at(210, T0_MS),
      });
      expect(h.workspace.readsOf(pipelineRunId)).toBe(3);
      expect(await h.api.services.followedRuns.get(id)).toBeUndefined();
    }
  });

  it("backs off: reads 30 s after submission, then after 60 s, 120 s, ... up to every 10 minutes; a 90-minute run is read 13 times", async () => {
    const h = await start();
    // Ends between its 12th read (5130 s) and its 13th (5730 s): it takes 90 minutes.
    h.workspace.plan({ statuses: ["NotStarted", ...running(11), "Finished"] });
    const scheduleId = await h.createSchedule({
      name: "backoff",
      trigger: HOURLY,
      policy: { catchUp: "none" },
    });
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    await h.followUntil("2026-11-21T11:59:00.000Z");
    const offsets = h.readTimes("pr-1").map((ms) => (ms - SUBMITTED_AT) / 1000);
    expect(offsets).toEqual([30, 90, 210, 450, 930, 1530, 2130, 2730, 3330, 3930, 4530, 5130, 5730]);
    const [run] = await h.runsOf(scheduleId);
    expect(run).toMatchObject({ pipelineStatus: "Finished", finishedAt: at(5730) });
  });

  it("stops following at RUN_FOLLOW_HOURS, with a last read at the limit, and the run holds back its schedule no longer", async () => {
    const h = await start({ RUN_FOLLOW_HOURS: "1" });
    h.workspace.plan({ statuses: ["Running"] });
    const scheduleId = await h.createSchedule({
      name: "never-ends",
      trigger: HOURLY,
      policy: { catchUp: "none", overlap: "skip" },
    });
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    await h.advanceTo("2026-11-21T11:00:00.000Z");
    const offsets = h.readTimes("pr-1").map((ms) => (ms - SUBMITTED_AT) / 1000);
    expect(offsets).toEqual([30, 90, 210, 450, 930, 1530, 2130, 2730, 3330, 3600]);
    await h.followUntil("2026-11-21T11:00:00.000Z");
    const [first, second] = await h.runsOf(scheduleId);
    expect(first).toMatchObject({ status: "Submitted", pipelineStatus: "Running", finishedAt: null });
    expect(h.workspace.readsOf("pr-1")).toBe(10);
    expect(await h.api.services.followedRuns.get(first?.id ?? "")).toBeUndefined();
    // Followed no longer, so not unfinished: the next occurrence fires.
    expect(second).toMatchObject({ status: "Submitted", pipelineRunId: "pr-2" });
  });
});

describe("reading every followed run now (the local host's /dev/tick)", () => {
  it("reads each followed run once, whenever its next read is due", async () => {
    const h = await start();
    const response = await h.api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
      body: { ExperimentName: "Ticked" },
    });
    const { id } = (await response.json()) as { id: string };
    await h.drainRunQueue();
    // Its first read is due 30 s from now; the tick reads it at once.
    const read = await followEveryRunNow(followDependencies(h.api.services));
    expect(read.map((run) => run.id)).toEqual([id]);
    expect(h.workspace.readsOf("pr-1")).toBe(1);
    expect(await getJson(h, `/runs/${id}`)).toMatchObject({ pipelineStatus: "NotStarted" });
  });
});

describe("policy.overlap", () => {
  it('"skip" gives Skipped runs while a run is Running, naming it, and fires again after it ends', async () => {
    const h = await start();
    // Ends at its 13th read, 5730 s after 10:00.
    h.workspace.plan({ statuses: ["NotStarted", ...running(11), "Finished"] });
    const scheduleId = await h.createSchedule({
      name: "skipper",
      trigger: HOURLY,
      policy: { catchUp: "none", overlap: "skip" },
    });
    const resource = await getJson(h, `/schedules/${scheduleId}`);
    expect(resource.policy).toMatchObject({ overlap: "skip" });
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    await h.advanceTo("2026-11-21T11:00:00.000Z");
    await h.advanceTo("2026-11-21T12:00:00.000Z");
    const [first, skipped, third] = await h.runsOf(scheduleId);
    expect(first).toMatchObject({ status: "Submitted", pipelineStatus: "Finished", finishedAt: at(5730) });
    expect(skipped).toMatchObject({
      status: "Skipped",
      scheduledFor: "2026-11-21T11:00:00.000Z",
      pipelineRunId: null,
      attempts: 0,
    });
    expect(skipped?.error).toContain(first?.id);
    expect(third).toMatchObject({ status: "Submitted", scheduledFor: "2026-11-21T12:00:00.000Z" });
    expect(h.workspace.submissions).toHaveLength(2);
    expect(h.notified).toEqual([{ event: "Skipped", runId: skipped?.id, scheduleId }]);

    // Metrics (issue 13.6, docs/outcomes-and-policies.md "Metrics"): one JSON line per transition, one outcome count per ended run.
    const lines = h.logs.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const transitionsOfFirst = lines
      .filter((line) => line.event === "runTransition" && line.runId === first?.id)
      .map((line) => `${String(line.status)}/${String(line.pipelineStatus)}`);
    expect(transitionsOfFirst).toEqual([
      "Pending/null",
      "Submitted/null",
      "Submitted/NotStarted",
      "Submitted/Running",
      "Submitted/Finished",
    ]);
    for (const line of lines.filter((entry) => entry.event === "runTransition")) {
      expect(line.scheduleId).toBe(scheduleId);
    }
    const outcomes = lines
      .filter((line) => line.metric === "runOutcome")
      .map((line) => ({ outcome: line.outcome, runId: line.runId, value: line.value }));
    expect(outcomes).toEqual([
      { outcome: "Skipped", runId: skipped?.id, value: 1 },
      { outcome: "Finished", runId: first?.id, value: 1 },
    ]);
  });

  it('"bufferOne" holds one run, a newer one replaces it, and the held one fires when the run ends, without a pass', async () => {
    const h = await start();
    // Reads from the 5th on are 10 minutes apart: the 21st, at 10530 s (12:55:30), sees the end.
    h.workspace.plan({ statuses: ["NotStarted", ...running(19), "Finished"] });
    const scheduleId = await h.createSchedule({
      name: "buffered",
      trigger: HOURLY,
      policy: { catchUp: "none", overlap: "bufferOne" },
    });
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    await h.advanceTo("2026-11-21T11:00:00.000Z");
    const [first, held] = await h.runsOf(scheduleId);
    expect(held).toMatchObject({ status: "Deferred", scheduledFor: "2026-11-21T11:00:00.000Z" });
    expect(held?.error).toContain(first?.id);

    await h.advanceTo("2026-11-21T12:00:00.000Z");
    const [, replaced, newer] = await h.runsOf(scheduleId);
    expect(replaced).toMatchObject({ status: "Skipped" });
    expect(replaced?.error).toContain(newer?.id);
    expect(newer).toMatchObject({ status: "Deferred", scheduledFor: "2026-11-21T12:00:00.000Z" });
    expect(h.workspace.submissions).toHaveLength(1);

    // The read that sees the end releases the held run at that instant: no pass runs in between.
    await h.followUntil("2026-11-21T12:58:00.000Z");
    const fired = (await h.runsOf(scheduleId))[2];
    expect(fired).toMatchObject({
      status: "Submitted",
      pipelineRunId: "pr-2",
      submittedAt: "2026-11-21T12:55:30.000Z",
    });
    expect(h.workspace.submissions).toHaveLength(2);
    expect(h.notified).toEqual([{ event: "Skipped", runId: replaced?.id, scheduleId }]);
  });

  it("a run claimed ahead of its instant is decided at its instant, after the wait: it fires when the run before ended in between, and is Skipped when it had not", async () => {
    const h = await start();
    // pr-1 ends at its first read (10:00:30); pr-2 is still running at 10:02 (reads at 10:01:30 and 10:02:30).
    h.workspace.plan({ statuses: ["Finished"] }, { statuses: ["Running", "Running", "Finished"] });
    const scheduleId = await h.createSchedule({
      name: "ahead",
      trigger: { type: "recurrence", frequency: "Minute", interval: 1, startTime: "2026-11-21T10:00:00Z" },
      policy: { catchUp: "none", overlap: "skip" },
    });
    // The pass at 10:00 claims 10:01 ahead (the next tick is 10:01) while pr-1 is unfinished.
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    const [first, claimedAhead] = await h.runsOf(scheduleId);
    expect(first).toMatchObject({ status: "Submitted", pipelineRunId: "pr-1", submittedAt: at(0) });
    expect(claimedAhead).toMatchObject({ status: "Pending", scheduledFor: at(60), attempts: 0 });

    // Its message arrives a few seconds early; the worker waits for 10:01, when pr-1 has ended: it fires.
    await h.advanceTo("2026-11-21T10:01:00.000Z");
    const [, fired, next] = await h.runsOf(scheduleId);
    expect(fired).toMatchObject({
      status: "Submitted",
      pipelineRunId: "pr-2",
      submittedAt: at(60),
      fireLagMs: 0,
    });
    expect(next).toMatchObject({ status: "Pending", scheduledFor: at(120) });

    // 10:02 was claimed while pr-2 ran, and pr-2 still runs at 10:02: Skipped, naming it.
    await h.followUntil("2026-11-21T10:02:10.000Z");
    const skipped = (await h.runsOf(scheduleId))[2];
    expect(skipped).toMatchObject({
      status: "Skipped",
      scheduledFor: at(120),
      pipelineRunId: null,
      attempts: 0,
    });
    expect(skipped?.error).toContain(fired?.id);
    expect(h.workspace.submissions).toHaveLength(2);
    expect(h.notified).toEqual([{ event: "Skipped", runId: skipped?.id, scheduleId }]);
  });

  it("two concurrent passes never both fire past an unfinished run, nor both fire once it ended", async () => {
    // The racing passes are driven at the test's instants, and the runs they create are counted: no look-ahead.
    const h = await start({ SCHEDULER_TICK: NEVER });
    // Reads at 30 s, 90 s, 210 s, 450 s: the fourth (10:07:30) sees the end.
    h.workspace.plan({ statuses: ["NotStarted", "Running", "Running", "Finished"] });
    const scheduleId = await h.createSchedule({
      name: "racing",
      trigger: { type: "recurrence", frequency: "Minute", interval: 1, startTime: "2026-11-21T10:00:00Z" },
      policy: { catchUp: "all", overlap: "skip" },
    });
    await h.advanceTo("2026-11-21T10:00:00.000Z");
    const racingPasses = async (iso: string) => {
      await h.followUntil(iso);
      const passAt = () => runSchedulingPass(h.api.services.firing, new Date(iso));
      await Promise.all([passAt(), passAt(), passAt()]);
      await h.drainRunQueue();
    };
    await racingPasses("2026-11-21T10:03:40.000Z");
    const whileRunning = (await h.runsOf(scheduleId)).slice(1);
    expect(whileRunning.map((run) => run.scheduledFor)).toEqual([
      "2026-11-21T10:01:00.000Z",
      "2026-11-21T10:02:00.000Z",
      "2026-11-21T10:03:00.000Z",
    ]);
    expect(whileRunning.map((run) => run.status)).toEqual(["Skipped", "Skipped", "Skipped"]);
    expect(h.workspace.submissions).toHaveLength(1);

    await racingPasses("2026-11-21T10:07:40.000Z");
    const afterEnd = (await h.runsOf(scheduleId)).slice(4);
    expect(afterEnd).toHaveLength(4);
    const sent = afterEnd.filter((run) => run.status === "Submitted");
    expect(sent).toHaveLength(1);
    for (const run of afterEnd.filter((other) => other.status !== "Submitted")) {
      expect(run.status).toBe("Skipped");
      expect(run.error).toContain(sent[0]?.id);
    }
    expect(h.workspace.submissions).toHaveLength(2);
  });
});

describe("policy.pauseAfterFailures", () => {
  it("3 disables after the third consecutive failure and not before; a success in between resets; enabling clears", async () => {
    const h = await start();
    const fails = { statuses: ["Running", "Failed"] as PipelineRunStatus[], failureDetail: "Out of memory" };
    const works = { statuses: ["Running", "Finished"] as PipelineRunStatus[] };
    // Failed, Failed, Finished, submission refused (Failed), Failed, Failed.
    h.workspace.plan(fails, fails, works, { submitStatus: 400, statuses: [] }, fails, fails);
    const scheduleId = await h.createSchedule({
      name: "flaky",
      trigger: HOURLY,
      policy: { catchUp: "none", pauseAfterFailures: 3 },
    });
    const statusAfter = async (hour: number) => {
      await h.advanceTo(`2026-11-21T${String(hour).padStart(2, "0")}:00:00.000Z`);
      await h.followUntil(`2026-11-21T${String(hour).padStart(2, "0")}:30:00.000Z`);
      return getJson(h, `/schedules/${scheduleId}`);
    };
    for (const hour of [10, 11, 12, 13, 14]) {
      const schedule = await statusAfter(hour);
      expect(schedule.status).toBe("Active");
      expect(schedule).not.toHaveProperty("statusReason");
    }
    const paused = await statusAfter(15);
    expect(paused.status).toBe("Disabled");
    expect(paused.nextRunAt).toBeNull();
    const runs = await h.runsOf(scheduleId);
    expect(runs.map((run) => run.pipelineStatus ?? run.status)).toEqual([
      "Failed",
      "Failed",
      "Finished",
      "Failed",
      "Failed",
      "Failed",
    ]);
    expect(String(paused.statusReason)).toContain(runs[5]?.id);
    expect(h.notified.filter((event) => event.event === "Paused")).toEqual([
      { event: "Paused", runId: runs[5]?.id, scheduleId },
    ]);
    // Disabled: the next hour fires nothing.
    await h.advanceTo("2026-11-21T16:00:00.000Z");
    expect(await h.runsOf(scheduleId)).toHaveLength(6);

    const enabled = await h.api.call("POST", `/schedules/${scheduleId}/enable`, { body: {} });
    expect(enabled.status).toBe(200);
    const resource = (await enabled.json()) as Record<string, unknown>;
    expect(resource.status).toBe("Active");
    expect(resource).not.toHaveProperty("statusReason");
    // The count starts again: one more failure does not pause it.
    h.workspace.plan(fails);
    const again = await statusAfter(17);
    expect(again.status).toBe("Active");
  });
});
