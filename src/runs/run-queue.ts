import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import type { RunRecord } from "./run-record.js";
import type { RunStore } from "./run-store.js";
import { encodeQueueMessage } from "../state/queue-message.js";
import { runTransitionLine } from "./run-telemetry.js";

/** The Storage Queue that fans submissions out across instances: one message per run to POST. */
export const RUN_QUEUE_NAME = "pipeline-runs";

export const runMessageSchema = z.object({ runId: z.string().min(1) });
export type RunMessage = z.output<typeof runMessageSchema>;

export interface RunQueue {
  /** Puts a message for the run; with a delay, it becomes visible only then (a retry waiting). */
  enqueue(runId: string, delayMs?: number): Promise<void>;
  /** Parks a message that will not be retried, as the Functions host does after maxDequeueCount. */
  sendToPoison(message: RunMessage): Promise<void>;
}

const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 3600;

export class StorageRunQueue implements RunQueue {
  constructor(
    private readonly queue: QueueClient,
    private readonly poisonQueue: QueueClient,
  ) {}

  async ensureCreated(): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]);
  }

  async enqueue(runId: string, delayMs = 0): Promise<void> {
    const visibilityTimeout = Math.min(Math.ceil(delayMs / 1000), MAX_VISIBILITY_DELAY_SECONDS);
    await this.queue.sendMessage(encodeQueueMessage({ runId } satisfies RunMessage), {
      ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
      messageTimeToLive: -1,
    });
  }

  async sendToPoison(message: RunMessage): Promise<void> {
    await this.poisonQueue.sendMessage(encodeQueueMessage(message), { messageTimeToLive: -1 });
  }
}

/** What a new run is sent through; with `log` its creation is a transition line, with `runEnded` a run that failed before any POST ends. */
export interface NewRunDependencies {
  runs: Pick<RunStore, "markSettled">;
  queue: RunQueue;
  log?: (line: string) => void;
  runEnded?: (run: RunRecord) => Promise<void>;
}

/**
 * Sends a new run to the submission queue, or settles it when it failed before any POST. A run claimed ahead of
 * its instant goes with the visibility delay that brings it back just before then.
 */
export async function enqueueNewRun(deps: NewRunDependencies, run: RunRecord, delayMs = 0): Promise<void> {
  deps.log?.(runTransitionLine(run));
  if (run.status === "Pending") {
    await deps.queue.enqueue(run.id, delayMs);
    return;
  }
  await deps.runs.markSettled(run.id);
  await deps.runEnded?.(run);
}
