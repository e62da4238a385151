import type { QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage } from "../../src/state/queue-message.js";

/** Receives every visible message of the queue (hiding each for a minute), each decoded and read by `read`. */
export async function receiveAllMessages<T>(
  client: QueueClient,
  read: (message: unknown) => T,
): Promise<T[]> {
  const messages: T[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({
      numberOfMessages: 32,
      visibilityTimeout: 60,
    });
    if (receivedMessageItems.length === 0) return messages;
    for (const item of receivedMessageItems) messages.push(read(decodeQueueMessage(item.messageText)));
  }
}
