import { setImmediate as nextTurn } from "node:timers/promises";
import { QueueClient } from "@azure/storage-queue";
import { followUpRun } from "../../src/following/follower.js";
import { QUEUE_NAMES } from "../../src/host/create-services.js";
import { submissionDependencies } from "../../src/host/firing-wiring.js";
import { followDependencies } from "../../src/host/following-wiring.js";
import type { NotifiedEnding, RunNotifications } from "../../src/run-policies/notifications.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { submitQueuedRun } from "../../src/submit/submission-worker.js";
import { startApiUnderTest, type ApiUnderTest } from "../api/api-harness.js";
import { startPipelinesWorkspace, type PipelinesWorkspace, type PlannedRun } from "./pipelines-workspace.js";
import { testStorageConnectionString } from "./storage.js";

/**
 * The whole firing path of one host over the test Azurite and a loopback workspace whose pipeline runs move through
 * planned statuses: the scheduling pass, the submission worker (the run queue drained as the Functions host would),
 * and the follower, whose delayed reads are made in time order as the test clock moves (each read is made at the
 * instant its row says it is due, which is when its delayed message would become visible).
 *
 * The clock is the test's, Azurite's visibility timeouts are real seconds: so a run message sent with a delay (a run
 * claimed ahead of its instant by a pass or a schedule write, a retry, a throttled POST) is held here and put on the
 * queue when the test clock reaches its visibility instant, in time order with the follow-up reads; and the worker's
 * wait for a run's instant moves the test clock instead of real time.
 */
export interface FollowHarness {
  api: ApiUnderTest;
  workspace: PipelinesWorkspace;
  nowMs(): number;
  /**
   * Makes every follow-up read and delivers every delayed run message due up to `at` (in order, the clock at each),
   * then a pass at `at` and its runs' POSTs.
   */
  advanceTo(at: string): Promise<RunRecord[]>;
  /** Makes the follow-up reads and delivers the delayed run messages due up to `at`, without a pass. */
  followUntil(at: string): Promise<void>;
  /** Hands every message of the run queue visible at the test clock to the worker. */
  drainRunQueue(): Promise<void>;
  /** Submits `count` runs of the pipeline (`POST /pipelines/{id}/submit`) and hands them to the worker; their ids. */
  submitRuns(count: number): Promise<string[]>;
  /** The test-clock instants (ms) of the status reads of each pipeline run, in order. */
  readTimes(pipelineRunId: string): number[];
  /** Every run of the schedule, in the order of the instants they are for. */
  runsOf(scheduleId: string): Promise<RunRecord[]>;
  /** The lines the services logged. */
  logs: string[];
  /** What the notification hooks were called with. */
  notified: { event: NotifiedEnding | "Paused"; runId: string; scheduleId: string }[];
  createSchedule(definition: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

export async function startFollowHarness(
  startAt: string,
  settings: Record<string, string> = {},
  fallback?: PlannedRun,
): Promise<FollowHarness> {
  const workspace = await startPipelinesWorkspace(fallback);
  const logs: string[] = [];
  const api = await startApiUnderTest(
    startAt,
    { allowLoopbackEndpoints: true, log: (line) => void logs.push(line) },
    { AML_PIPELINES_BASE_URL: workspace.baseUrl, ...settings },
  );
  let now = Date.parse(startAt);
  const setNow = (ms: number) => {
    now = Math.max(now, ms);
    api.setNow(new Date(now).toISOString());
  };
  const notified: FollowHarness["notified"] = [];
  const recorder: RunNotifications = {
    onRunEnded: (schedule, run, ending) => {
      if (ending === undefined) throw new Error(`the policies named no ending for run ${run.id}`);
      notified.push({ event: ending, runId: run.id, scheduleId: schedule.id });
      return Promise.resolve();
    },
    onSchedulePaused: (schedule, run) => {
      notified.push({ event: "Paused", runId: run.id, scheduleId: schedule.id });
      return Promise.resolve();
    },
  };
  api.services.policies.notifications = recorder;
  const queuePrefix = `${api.storagePrefix.toLowerCase()}-`;
  const runQueue = new QueueClient(testStorageConnectionString(), `${queuePrefix}${QUEUE_NAMES.runs}`);
  const reads = new Map<string, number[]>();

  // Every sender of run messages (the pass, schedule writes, the worker, the policies) holds this one queue.
  const runMessages = api.services.runQueue;
  const sendToAzurite = runMessages.enqueue.bind(runMessages);
  const sendNow = (runId: string) => sendToAzurite(runId);
  const held: { runId: string; visibleAtMs: number }[] = [];
  runMessages.enqueue = async (runId, delayMs = 0) => {
    if (delayMs <= 0) await sendNow(runId);
    else held.push({ runId, visibleAtMs: api.services.clock().getTime() + delayMs });
  };
  const nextHeldAt = () =>
    held.length === 0 ? undefined : Math.min(...held.map((message) => message.visibleAtMs));
  /** Puts on the queue the held messages whose visibility instant the test clock has reached. */
  const releaseVisible = async () => {
    const visible = held.filter((message) => message.visibleAtMs <= now);
    held.splice(0, held.length, ...held.filter((message) => message.visibleAtMs > now));
    for (const message of visible) await sendNow(message.runId);
  };
  const worker = {
    ...submissionDependencies(api.services),
    // The wait for a run's instant (fire-instant.ts) passes on the test clock; overlapping waits end at the latest.
    sleep: async (ms: number) => {
      const until = now + ms;
      await nextTurn();
      setNow(until);
    },
  };

  const drainRunQueue = async () => {
    for (;;) {
      await releaseVisible();
      const { receivedMessageItems } = await runQueue.receiveMessages({
        numberOfMessages: 32,
        visibilityTimeout: 60,
      });
      if (receivedMessageItems.length === 0) return;
      await Promise.all(
        receivedMessageItems.map(async (message) => {
          await submitQueuedRun(worker, decodeQueueMessage(message.messageText), {
            dequeueCount: message.dequeueCount,
            maxDequeueCount: 5,
          });
          await runQueue.deleteMessage(message.messageId, message.popReceipt);
        }),
      );
    }
  };

  const followUntil = async (at: string) => {
    const untilMs = Date.parse(at);
    for (;;) {
      const due = await api.services.followedRuns.listDue(new Date(untilMs), 1000);
      const next = due.sort((a, b) => Date.parse(a.nextReadAt) - Date.parse(b.nextReadAt))[0];
      const heldAt = nextHeldAt();
      if (
        heldAt !== undefined &&
        heldAt <= untilMs &&
        (next === undefined || heldAt <= Date.parse(next.nextReadAt))
      ) {
        // A delayed run message becomes visible first: a worker takes it then.
        setNow(heldAt);
        await drainRunQueue();
        continue;
      }
      if (next === undefined) break;
      setNow(Date.parse(next.nextReadAt));
      const run = await api.services.runs.get(next.runId);
      const pipelineRunId = run?.pipelineRunId ?? "";
      const before = workspace.readsOf(pipelineRunId);
      await followUpRun(followDependencies(api.services), { runId: next.runId, read: next.reads + 1 });
      if (workspace.readsOf(pipelineRunId) > before) {
        reads.set(pipelineRunId, [...(reads.get(pipelineRunId) ?? []), now]);
      }
      // A held run released by this read goes now, as the worker would take it.
      await drainRunQueue();
    }
    setNow(untilMs);
  };

  return {
    api,
    workspace,
    nowMs: () => now,
    logs,
    notified,
    followUntil,
    drainRunQueue,
    async advanceTo(at) {
      await followUntil(at);
      const { runs } = await runSchedulingPass(api.services.firing, new Date(at));
      await drainRunQueue();
      return runs;
    },
    readTimes: (pipelineRunId) => reads.get(pipelineRunId) ?? [],
    async runsOf(scheduleId) {
      const runs: RunRecord[] = [];
      let token: string | undefined;
      do {
        const page = await api.services.runs.listForSchedule(scheduleId, 1000, token);
        runs.push(...page.items);
        token = page.continuationToken;
      } while (token);
      return runs.sort(
        (a, b) =>
          (a.scheduledFor ?? a.createdAt).localeCompare(b.scheduledFor ?? b.createdAt) ||
          a.id.localeCompare(b.id),
      );
    },
    async submitRuns(count) {
      const ids: string[] = [];
      for (let index = 0; index < count; index++) {
        const response = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
          body: { ExperimentName: "Followed" },
        });
        const body = (await response.json()) as Record<string, unknown>;
        if (response.status !== 202)
          throw new Error(`POST /pipelines/.../submit: ${response.status} ${JSON.stringify(body)}`);
        ids.push(String(body.id));
      }
      await drainRunQueue();
      return ids;
    },
    async createSchedule(definition) {
      const response = await api.call("POST", "/schedules", {
        body: { experimentName: "Retrain", target: { pipelineId: PIPELINE_ID }, ...definition },
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status !== 201)
        throw new Error(`POST /schedules: ${response.status} ${JSON.stringify(body)}`);
      await drainRunQueue();
      return String(body.id);
    },
    async close() {
      await api.close();
      await workspace.close();
    },
  };
}
