import type { QueueClient } from "@azure/storage-queue";
import { POISON_QUEUE_SUFFIX } from "../settings/setting-rules.js";
import { encodeQueueMessage } from "../state/queue-message.js";

/**
 * The Storage Queue of Event Grid blob events (BLOB_EVENTS_QUEUE, CONTRACT 2.3, 6) in the service's own storage, and
 * its poison queue. In Azure Event Grid writes the messages (handler-storage-queues.md); the service writes them only
 * in the local host, whose Azurite has no Event Grid, and sets aside the messages it cannot read.
 */
export interface BlobEventQueue {
  /** One message holding one event, base64 of its JSON, as Event Grid's Storage Queue destination writes it. */
  enqueue(event: unknown): Promise<void>;
  /** Moves a message that cannot be read to the poison queue, where the Functions host puts those it gave up on. */
  setAside(message: unknown): Promise<void>;
}

export class StorageBlobEventQueue implements BlobEventQueue {
  constructor(
    private readonly queue: QueueClient,
    private readonly poison: QueueClient,
  ) {}

  /** The queue and its poison queue, named as the Functions host names them. */
  static named(name: string, queueClient: (name: string) => QueueClient): StorageBlobEventQueue {
    return new StorageBlobEventQueue(queueClient(name), queueClient(`${name}${POISON_QUEUE_SUFFIX}`));
  }

  async ensureCreated(): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poison.createIfNotExists()]);
  }

  async enqueue(event: unknown): Promise<void> {
    await this.queue.sendMessage(encodeQueueMessage(event));
  }

  async setAside(message: unknown): Promise<void> {
    const text =
      typeof message === "string"
        ? Buffer.from(message, "utf8").toString("base64")
        : encodeQueueMessage(message);
    // Kept until someone looks: a message set aside is evidence, and may be sent again once understood.
    await this.poison.sendMessage(text, { messageTimeToLive: -1 });
  }
}
