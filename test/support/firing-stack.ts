import { newScheduleId } from "../../src/schedule-management/schedule-service.js";
import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import { TableClient } from "@azure/data-tables";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { StorageRunQueue } from "../../src/runs/run-queue.js";
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
  /** Hands every visible queue message to the worker until the queue is empty; returns how many were handled. */
  drainQueue(): Promise<number>;
}

export async function createFiringStack(options: { clock?: () => Date } = {}): Promise<FiringStack> {
  const prefix = uniqueStoragePrefix();
  const connectionString = testStorageConnectionString();
  const table = (name: string) =>
    TableClient.fromConnectionString(connectionString, `${prefix}${name}`, { allowInsecureConnection: true });
  const schedules = new TableScheduleStore(table("schedules"), table("scheduledue"));
  const runs = new TableRunStore(table("runs"), table("unsettled"));
  const runQueue = new QueueClient(connectionString, `${prefix}-runs`);
  const queue = new StorageRunQueue(runQueue, new QueueClient(connectionString, `${prefix}-runs-poison`));
  await Promise.all([schedules.ensureCreated(), runs.ensureCreated(), queue.ensureCreated()]);
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const endpoints = { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true };
  const scheduling: SchedulingDependencies = {
    schedules,
    runs,
    queue,
    newRun: (schedule, fire, now) =>
      newScheduleRun(schedule, fire, now, {
        workspace: NO_WORKSPACE,
        endpoints,
      }),
    log,
  };
  const submission: SubmissionDependencies = {
    runs,
    queue,
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
    clock: options.clock ?? (() => new Date()),
    retryDelayMs: () => 1_000,
    maxAttempts: 3,
    log,
  };
  return {
    schedules,
    runs,
    queue,
    runQueue,
    scheduling,
    submission,
    logs,
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
        const { receivedMessageItems } = await runQueue.receiveMessages({
          numberOfMessages: 32,
          visibilityTimeout: 60,
        });
        if (receivedMessageItems.length === 0) return handled;
        await Promise.all(
          receivedMessageItems.map(async (message) => {
            await submitQueuedRun(submission, decodeQueueMessage(message.messageText), {
              dequeueCount: message.dequeueCount,
              maxDequeueCount: 5,
            });
            await runQueue.deleteMessage(message.messageId, message.popReceipt);
            handled++;
          }),
        );
      }
    },
  };
}
