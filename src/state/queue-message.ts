/**
 * Storage Queue messages as the Azure Functions queue trigger reads them: base64 text (the extension's default
 * `messageEncoding`), whose content is handed to the handler as parsed JSON when it is JSON, else as a string.
 */

export class QueueMessageDecodeError extends Error {
  override name = "QueueMessageDecodeError";
}

/** The text to enqueue so that a queue trigger receives `value` (JSON) unchanged, in Azure and locally. */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
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
