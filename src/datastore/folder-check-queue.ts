import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import { encodeQueueMessage } from "../state/queue-message.js";

/** The Storage Queue that fans folder checks out across instances: one message per due check of a schedule. */
export const FOLDER_CHECK_QUEUE_NAME = "folder-checks";

export const folderCheckMessageSchema = z.object({ scheduleId: z.string().min(1) });
export type FolderCheckMessage = z.output<typeof folderCheckMessageSchema>;

export interface FolderCheckQueue {
  enqueue(scheduleId: string): Promise<void>;
}

export class StorageFolderCheckQueue implements FolderCheckQueue {
  constructor(private readonly queue: QueueClient) {}

  async ensureCreated(): Promise<void> {
    await this.queue.createIfNotExists();
  }

  async enqueue(scheduleId: string): Promise<void> {
    // A check is due again one polling interval later, so a message older than a day is of no use.
    await this.queue.sendMessage(encodeQueueMessage({ scheduleId } satisfies FolderCheckMessage), {
      messageTimeToLive: 24 * 3600,
    });
  }
}
