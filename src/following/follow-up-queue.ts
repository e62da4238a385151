import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import { encodeQueueMessage } from "../state/queue-message.js";

/** The Storage Queue of follow-up reads: one delayed message per read due, so that a waiting read holds no worker. */
export const FOLLOW_UP_QUEUE_NAME = "run-follow-ups";

export const followUpMessageSchema = z.object({
  runId: z.string().min(1),
  /** Which read (1-based) this message is for; absent: the next one, now (the wait read that the run ended). */
  read: z.number().int().min(1).optional(),
});
export type FollowUpMessage = z.output<typeof followUpMessageSchema>;

export interface FollowUpQueue {
  /** Puts the message; with a delay, it becomes visible only then. */
  enqueue(message: FollowUpMessage, delayMs?: number): Promise<void>;
}

export class StorageFollowUpQueue implements FollowUpQueue {
  constructor(private readonly queue: QueueClient) {}

  async ensureCreated(): Promise<void> {
    await this.queue.createIfNotExists();
  }

  async enqueue(message: FollowUpMessage, delayMs = 0): Promise<void> {
    // Visibility has whole seconds; a read due within a second of its time is on time (reads are 30 s apart at least).
    const visibilityTimeout = Math.max(0, Math.ceil(delayMs / 1000));
    await this.queue.sendMessage(encodeQueueMessage(message), {
      ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
      messageTimeToLive: -1,
    });
  }
}
