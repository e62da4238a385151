import { newScheduleId } from "../../src/schedule-management/schedule-service.js";
import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import { TableClient } from "@azure/data-tables";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { TableRunStore } from "../../src/runs/table-run-store.js";
import { timingOnCreate } from "../../src/schedules/lifecycle.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { scheduleDefinitionSchema } from "../../src/schedules/schema.js";
import { newScheduleRun } from "../../src/submit/new-run.js";
import type { SchedulingDependencies } from "../../src/scheduling/scheduling-pass.js";
import { TableScheduleStore } from "../../src/state/table-schedule-store.js";
import { postPipelineRun } from "../../src/submit/pipeline-client.js";
import type { AmlSubmitBody } from "../../src/submit/request-body.js";
import { submitQueuedRun, type SubmissionDependencies } from "../../src/submit/submission-worker.js";
import { decideBeforeFirstPost, FIRST_POST_DECISIONS } from "../../src/submit/first-post-decisions.js";
import { lookAheadHorizon } from "../../src/scheduling/look-ahead.js";
import { runIdsOf, runMessageSchema, StorageRunQueue, type RunQueue } from "../../src/runs/run-queue.js";
import type { SubmissionGate } from "../../src/submit/submission-gate.js";
import type { ManualClock } from "./manual-clock.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "./storage.js";

export const noTokenCredential: TokenCredential = {
  getToken(): Promise<AccessToken | null> {
    throw new Error("no token may be asked for a host outside AML_TOKEN_HOSTS");
  },
};

/** The scheduling pass and the submission worker over real Azurite tables and queues, for one test. */
export interface FiringStack {
  schedules: TableScheduleStore;
  runs: TableRunStore;
  queue: StorageRunQueue;
  runQueue: QueueClient;
  scheduling: SchedulingDependencies;
  submission: SubmissionDependencies;
  logs: string[];
  /** Creates a schedule as POST /schedules would at `createdAt`, targeting `endpointUrl`. */
  createSchedule(definition: Record<string, unknown>, createdAt: Date): Promise<ScheduleRecord>;
  /** Hands every visible queue message to the worker until the queue is empty; returns how many runs they named. */
  drainQueue(): Promise<number>;
  /** With a ManualClock: each message the pass or the worker sent, with the visibility delay it asked for. */
  sent: SentMessage[];
  /** With a ManualClock: when the next message held back by its delay becomes visible; undefined when none is. */
  nextVisibleAt(): number | undefined;
  /** The prefix of this stack's tables and queues, for a second instance (`storagePrefix`). */
  storagePrefix: string;
}

export interface SentMessage {
  runId: string;
  delayMs: number;
  /** The clock's instant when it was sent; it becomes visible at sentAt + delayMs. */
  sentAt: Date;
}

export interface FiringStackOptions {
  clock?: () => Date;
  /**
   * Time the test moves, for the scheduling pass and the worker (whose waits move it). A queue message sent with a
   * visibility delay is recorded in `sent` and put on the queue once the clock reaches its visibility instant
   * (drainQueue does that as it goes), so that the test never waits for real seconds.
   */
  timeline?: ManualClock;
  /** The instance's submission gate, as the hosts give the worker one. */
  gate?: SubmissionGate;
  /** SCHEDULER_TICK: the pass claims what falls before the next tick, as in the hosts. */
  lookAheadTick?: string;
  /** Share another stack's tables and queues: a second instance of the service. */
  storagePrefix?: string;
}

export async function createFiringStack(options: FiringStackOptions = {}): Promise<FiringStack> {
  const prefix = options.storagePrefix ?? uniqueStoragePrefix();
  const connectionString = testStorageConnectionString();
  const table = (name: string) =>
    TableClient.fromConnectionString(connectionString, `${prefix}${name}`, { allowInsecureConnection: true });
  const schedules = new TableScheduleStore(table("schedules"), table("scheduledue"));
  const runs = new TableRunStore(table("runs"), table("unsettled"));
  const runQueue = new QueueClient(connectionString, `${prefix}-runs`);
  const queue = new StorageRunQueue(runQueue, new QueueClient(connectionString, `${prefix}-runs-poison`));
  await Promise.all([schedules.ensureCreated(), runs.ensureCreated(), queue.ensureCreated()]);
  const { timeline, lookAheadTick } = options;
  const clock = timeline?.now ?? options.clock ?? (() => new Date());
  const sent: SentMessage[] = [];
  const held: { runId: string; visibleAtMs: number }[] = [];
  const firingQueue: RunQueue =
    timeline === undefined
      ? queue
      : {
          enqueue: async (runId, delayMs = 0) => {
            const sentAt = timeline.now();
            sent.push({ runId, delayMs, sentAt });
            if (delayMs <= 0) await queue.enqueue(runId);
            else held.push({ runId, visibleAtMs: sentAt.getTime() + delayMs });
          },
          sendToPoison: (message) => queue.sendToPoison(message),
        };
  /** Puts on the queue the held messages whose visibility instant the clock has reached. */
  const releaseVisible = async () => {
    const nowMs = clock().getTime();
    const visible = held.filter((message) => message.visibleAtMs <= nowMs);
    held.splice(0, held.length, ...held.filter((message) => message.visibleAtMs > nowMs));
    for (const message of visible) await queue.enqueue(message.runId);
  };
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const endpoints = { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true };
  const scheduling: SchedulingDependencies = {
    schedules,
    runs,
    queue: firingQueue,
    ...(lookAheadTick === undefined
      ? {}
      : { lookAheadUntil: (now: Date) => lookAheadHorizon(lookAheadTick, now) }),
    newRun: (schedule, fire, now) =>
      newScheduleRun(schedule, fire, now, {
        workspace: NO_WORKSPACE,
        endpoints,
      }),
    clock,
    log,
  };
  const submission: SubmissionDependencies = {
    runs,
    queue: firingQueue,
    post: (run) =>
      postPipelineRun({
        url: new URL(run.endpointUrl),
        body: run.request as unknown as AmlSubmitBody,
        tokenProvider: noTokenCredential,
        tokenScope: "https://management.azure.com/.default",
        tokenHosts: ["*.api.azureml.ms"],
        endpointPolicy: endpoints,
        timeoutMs: 5_000,
      }),
    clock,
    retryDelayMs: () => 1_000,
    maxAttempts: 3,
    log,
    readSchedule: (scheduleId) => schedules.get(scheduleId),
    beforeFirstPost: (run, now, readSchedule) =>
      decideBeforeFirstPost({ schedules, decisions: FIRST_POST_DECISIONS }, run, now, readSchedule),
    ...(timeline === undefined ? {} : { sleep: timeline.sleep }),
    ...(options.gate === undefined ? {} : { gate: options.gate }),
  };
  return {
    schedules,
    runs,
    queue,
    runQueue,
    scheduling,
    submission,
    logs,
    sent,
    storagePrefix: prefix,
    nextVisibleAt: () =>
      held.length === 0 ? undefined : Math.min(...held.map((message) => message.visibleAtMs)),
    async createSchedule(definition, createdAt) {
      const parsed = scheduleDefinitionSchema.parse(definition);
      return schedules.insert({
        id: newScheduleId(),
        definition: parsed,
        createdAt: createdAt.toISOString(),
        updatedAt: createdAt.toISOString(),
        ...timingOnCreate(parsed, createdAt),
      });
    },
    async drainQueue() {
      let handled = 0;
      for (;;) {
        await releaseVisible();
        const { receivedMessageItems } = await runQueue.receiveMessages({
          numberOfMessages: 32,
          visibilityTimeout: 60,
        });
        if (receivedMessageItems.length === 0) return handled;
        await Promise.all(
          receivedMessageItems.map(async (message) => {
            const value = decodeQueueMessage(message.messageText);
            await submitQueuedRun(submission, value, {
              dequeueCount: message.dequeueCount,
              maxDequeueCount: 5,
            });
            await runQueue.deleteMessage(message.messageId, message.popReceipt);
            // A message may name several runs enqueued together (run-queue.ts): each counts.
            handled += runIdsOf(runMessageSchema.parse(value)).length;
          }),
        );
      }
    },
  };
}
