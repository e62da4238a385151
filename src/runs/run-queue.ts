import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import type { RunRecord } from "./run-record.js";
import type { RunStore } from "./run-store.js";
import { GroupedSends } from "../state/grouped-sends.js";
import { putQueueMessage, visibilityTimeoutSeconds } from "../state/queue-message.js";
import { runTransitionLine } from "./run-telemetry.js";

/** The Storage Queue that fans submissions out across instances: a message names the run(s) to POST. */
export const RUN_QUEUE_NAME = "pipeline-runs";

/**
 * Runs one message may carry: runs enqueued at about the same time with the same delay share a message (a burst's
 * claims), so that a burst costs a few queue transactions instead of one per run. Well below the 64 KiB a
 * message may hold: a run id is under 70 characters.
 */
export const RUNS_PER_MESSAGE = 32;

/** One run (`runId`, also what messages sent before grouping hold), or several (`runIds`). */
export const runMessageSchema = z.union([
  z.object({ runId: z.string().min(1) }),
  z.object({ runIds: z.array(z.string().min(1)).min(1).max(RUNS_PER_MESSAGE) }),
]);
export type RunMessage = z.output<typeof runMessageSchema>;

/** The runs a message names. */
export function runIdsOf(message: RunMessage): string[] {
  return "runId" in message ? [message.runId] : message.runIds;
}

export interface RunQueue {
  /** Puts a message for the run; with a delay, it becomes visible only then (a retry waiting). */
  enqueue(runId: string, delayMs?: number): Promise<void>;
  /** Parks a message that will not be retried, as the Functions host does after maxDequeueCount. */
  sendToPoison(message: RunMessage): Promise<void>;
}

export class StorageRunQueue implements RunQueue {
  private readonly sends: GroupedSends<string>;

  constructor(
    private readonly queue: QueueClient,
    private readonly poisonQueue: QueueClient,
  ) {
    this.sends = new GroupedSends<string>(
      (runIds, visibilityTimeout) => this.send(runIds, visibilityTimeout),
      RUNS_PER_MESSAGE,
    );
  }

  async ensureCreated(): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]);
  }

  /** Resolves once a message naming the run is on the queue: its own, or one it shares (GroupedSends). */
  enqueue(runId: string, delayMs = 0): Promise<void> {
    return this.sends.add(runId, visibilityTimeoutSeconds(delayMs));
  }

  private async send(runIds: string[], visibilityTimeout: number): Promise<void> {
    const [only] = runIds;
    const message: RunMessage = runIds.length === 1 && only !== undefined ? { runId: only } : { runIds };
    await putQueueMessage(this.queue, message, visibilityTimeout);
  }

  async sendToPoison(message: RunMessage): Promise<void> {
    await putQueueMessage(this.poisonQueue, message);
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
