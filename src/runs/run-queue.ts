import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import type { RunRecord } from "./run-record.js";
import type { RunStore } from "./run-store.js";
import { onNextMicrotask } from "../concurrency.js";
import { encodeQueueMessage } from "../state/queue-message.js";
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

const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 3600;

export class StorageRunQueue implements RunQueue {
  private readonly sends: GroupedSends;

  constructor(
    private readonly queue: QueueClient,
    private readonly poisonQueue: QueueClient,
  ) {
    this.sends = new GroupedSends((runIds, visibilityTimeout) => this.send(runIds, visibilityTimeout));
  }

  async ensureCreated(): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]);
  }

  /** Resolves once a message naming the run is on the queue: its own, or one it shares (GroupedSends). */
  enqueue(runId: string, delayMs = 0): Promise<void> {
    const visibilityTimeout = Math.min(Math.max(0, Math.ceil(delayMs / 1000)), MAX_VISIBILITY_DELAY_SECONDS);
    return this.sends.add(runId, visibilityTimeout);
  }

  private async send(runIds: string[], visibilityTimeout: number): Promise<void> {
    const [only] = runIds;
    const message: RunMessage = runIds.length === 1 && only !== undefined ? { runId: only } : { runIds };
    await this.queue.sendMessage(encodeQueueMessage(message), {
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

/**
 * Group commit for queue messages: runs enqueued while an earlier send is under way, with the same visibility
 * delay (whole seconds), go out together, up to RUNS_PER_MESSAGE in a message. A lone run goes at once, alone; each
 * caller's promise settles when the message that names its run is sent (or failed to be). One send at a time:
 * with four, a pass of 2,500 claims shared few messages, and its workers took 58 s instead of 39 s (Azurite, whose
 * every message delete re-sorts its index of all messages, counts messages, not runs).
 */
class GroupedSends {
  private readonly waiting = new Map<number, WaitingRun[]>();
  private sendsInFlight = 0;
  /** On the next microtask, so that the runs of one synchronous burst share a message. */
  private readonly scheduleFlush = onNextMicrotask(() => this.flush());

  constructor(
    private readonly send: (runIds: string[], visibilityTimeout: number) => Promise<void>,
    private readonly maxSendsInFlight = 1,
  ) {}

  add(runId: string, visibilityTimeout: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const group = this.waiting.get(visibilityTimeout) ?? [];
      group.push({ runId, resolve, reject });
      this.waiting.set(visibilityTimeout, group);
      this.scheduleFlush();
    });
  }

  private flush(): void {
    while (this.sendsInFlight < this.maxSendsInFlight) {
      // The delay whose runs have waited longest: Map keeps insertion order, and an emptied group is removed.
      const next = this.waiting.entries().next();
      if (next.done === true) return;
      const [visibilityTimeout, group] = next.value;
      const batch = group.splice(0, RUNS_PER_MESSAGE);
      if (group.length === 0) this.waiting.delete(visibilityTimeout);
      this.sendsInFlight++;
      this.send(
        batch.map((run) => run.runId),
        visibilityTimeout,
      )
        .then(
          () => batch.forEach((run) => run.resolve()),
          (error: unknown) => batch.forEach((run) => run.reject(error)),
        )
        .finally(() => {
          this.sendsInFlight--;
          this.flush();
        });
    }
  }
}

interface WaitingRun {
  runId: string;
  resolve(): void;
  reject(error: unknown): void;
}
