import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import { GroupedSends } from "../state/grouped-sends.js";
import { putQueueMessage, visibilityTimeoutSeconds } from "../state/queue-message.js";

/**
 * The Storage Queue of follow-up reads: delayed messages, one per read due or one for the reads of several runs due
 * at the same second, so that a waiting read holds no worker.
 */
export const FOLLOW_UP_QUEUE_NAME = "run-follow-ups";

/**
 * Reads one message may carry: reads sent at about the same time with the same delay (a burst's first reads, 30 s
 * after its submissions) share a message. Well below the 64 KiB a message may hold.
 */
export const READS_PER_MESSAGE = 32;

export const followUpMessageSchema = z.object({
  runId: z.string().min(1),
  /** Which read (1-based) this message is for; absent: the next one, now (the wait read that the run ended). */
  read: z.number().int().min(1).optional(),
});
export type FollowUpMessage = z.output<typeof followUpMessageSchema>;

/** One read (what messages sent before grouping hold), or several (`followUps`). */
export const followUpQueueMessageSchema = z.union([
  followUpMessageSchema,
  z.object({ followUps: z.array(followUpMessageSchema).min(1).max(READS_PER_MESSAGE) }),
]);
export type FollowUpQueueMessage = z.output<typeof followUpQueueMessageSchema>;

/** The reads a message asks for. */
export function followUpsOf(message: FollowUpQueueMessage): FollowUpMessage[] {
  return "followUps" in message ? message.followUps : [message];
}

export interface FollowUpQueue {
  /** Puts the read on the queue, alone or with others (GroupedSends); with a delay, it becomes visible only then. */
  enqueue(message: FollowUpMessage, delayMs?: number): Promise<void>;
}

export class StorageFollowUpQueue implements FollowUpQueue {
  private readonly sends: GroupedSends<FollowUpMessage>;

  constructor(private readonly queue: QueueClient) {
    this.sends = new GroupedSends<FollowUpMessage>(
      (followUps, visibilityTimeout) => this.send(followUps, visibilityTimeout),
      READS_PER_MESSAGE,
    );
  }

  async ensureCreated(): Promise<void> {
    await this.queue.createIfNotExists();
  }

  enqueue(message: FollowUpMessage, delayMs = 0): Promise<void> {
    // Visibility has whole seconds; a read due within a second of its time is on time (reads are 30 s apart at least).
    return this.sends.add(message, visibilityTimeoutSeconds(delayMs));
  }

  private async send(followUps: FollowUpMessage[], visibilityTimeout: number): Promise<void> {
    const [only] = followUps;
    const message: FollowUpQueueMessage = followUps.length === 1 && only !== undefined ? only : { followUps };
    await putQueueMessage(this.queue, message, visibilityTimeout);
  }
}
