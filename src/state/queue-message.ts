/**
 * Storage Queue messages as the Azure Functions queue trigger reads them. With the extension's default
 * `messageEncoding` (`base64`) the host decodes the text and hands the content to the handler as parsed JSON when
 * it is JSON, else as a string. This app sets `messageEncoding: "none"` (host.json), because Event Grid's messages
 * may be plain JSON (CONTRACT 2.3): the host then hands over the text as is (parsed when it is JSON), and
 * `receivedQueueValue` decodes the base64 of the service's own messages, so that every handler sees what it did.
 */
import type { QueueClient } from "@azure/storage-queue";

export class QueueMessageDecodeError extends Error {
  override name = "QueueMessageDecodeError";
}

/** The text to enqueue so that a queue trigger receives `value` (JSON) unchanged, in Azure and locally. */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

/**
 * A delay as Put Message's `visibilitytimeout` takes it (Azure Storage REST, "Put Message"): whole seconds, rounded
 * up so that a message is never visible early (a retry honours its Retry-After), at most seven days.
 */
export function visibilityTimeoutSeconds(delayMs: number): number {
  return Math.min(Math.max(0, Math.ceil(delayMs / 1000)), MAX_VISIBILITY_TIMEOUT_SECONDS);
}

const MAX_VISIBILITY_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * Puts the service's own message on a queue, encoded for its trigger, hidden for `visibilityTimeout` seconds, and
 * never expiring (`messagettl` -1): a run, a follow-up read or a notification must not vanish after Storage's
 * default seven days.
 */
export async function putQueueMessage(
  queue: QueueClient,
  value: unknown,
  visibilityTimeout = 0,
): Promise<void> {
  await queue.sendMessage(encodeQueueMessage(value), {
    ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
    messageTimeToLive: -1,
  });
}

/** What a queue trigger's handler receives for a message's text; throws QueueMessageDecodeError when it is not base64. */
export function decodeQueueMessage(messageText: string): unknown {
  const compact = messageText.trim();
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new QueueMessageDecodeError("the message is not base64 text, which the queue trigger expects");
  }
  const text = Buffer.from(compact, "base64").toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * What a handler receives for a message the host handed over with `messageEncoding: "none"`: JSON text arrives
 * parsed (the Functions Node library parses string data that is JSON); base64 text, as the service writes its own
 * messages (encodeQueueMessage), is decoded here as the host would have, and parsed when it is JSON.
 */
export function receivedQueueValue(received: unknown): unknown {
  if (typeof received !== "string") return received;
  const compact = received.trim();
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_TEXT.test(compact)) return received;
  const text = Buffer.from(compact, "base64").toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** What the Functions Node library hands a handler for string data: parsed when it is JSON, else the text. */
export function parsedWhenJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
