import { readFile } from "node:fs/promises";
// A CommonJS package whose classes Node's ESM loader does not expose as named exports.
import functions from "@azure/functions";
import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage, parsedWhenJson } from "../../state/queue-message.js";
import type { QueueTriggerSpec } from "../trigger-list.js";

/** The queue trigger's behaviour, from host.json `extensions.queues` as Azure Functions reads it. */
export interface QueueHostOptions {
  /** Deliveries of one message before it is moved to `<queue>-poison`. */
  maxDequeueCount: number;
  /** Messages fetched and run in parallel per poll. */
  batchSize: number;
  /**
   * A new batch is fetched while at most this many messages are being handled, so up to `batchSize +
   * newBatchThreshold` run at once (QueuesOptions in Microsoft.Azure.WebJobs.Extensions.Storage.Queues). Azure's
   * default is `batchSize / 2` times the instance's processor count; here `batchSize / 2` when host.json is silent.
   */
  newBatchThreshold?: number;
  /** How long a failed message stays invisible before it is retried. */
  visibilityTimeoutSeconds: number;
  /** The longest pause between polls of an empty queue. */
  maxPollingIntervalMs: number;
  /**
   * `base64` (Azure's default): the text is decoded before the handler sees it, and a message that is not base64
   * fails. `none`: the text is handed over as is, parsed when it is JSON (functions-bindings-storage-queue.md,
   * host.json `messageEncoding`). Absent: `base64`.
   */
  messageEncoding?: "base64" | "none";
}

/** Azure Functions' defaults, except the polling interval, which is 1 minute in Azure and shorter locally. */
export const DEFAULT_QUEUE_HOST_OPTIONS: QueueHostOptions = {
  maxDequeueCount: 5,
  batchSize: 16,
  visibilityTimeoutSeconds: 0,
  maxPollingIntervalMs: 2_000,
  messageEncoding: "base64",
};

/** Reads `extensions.queues` of a parsed host.json; absent fields keep their defaults. */
export function queueHostOptionsFrom(hostJson: unknown): QueueHostOptions {
  const queues = (hostJson as { extensions?: { queues?: Record<string, unknown> } } | undefined)?.extensions
    ?.queues;
  const options = { ...DEFAULT_QUEUE_HOST_OPTIONS };
  if (queues === undefined) return options;
  if (typeof queues.maxDequeueCount === "number") options.maxDequeueCount = queues.maxDequeueCount;
  if (typeof queues.batchSize === "number") options.batchSize = queues.batchSize;
  if (typeof queues.newBatchThreshold === "number") options.newBatchThreshold = queues.newBatchThreshold;
  if (typeof queues.visibilityTimeout === "string") {
    options.visibilityTimeoutSeconds = Math.round(
      timeSpanMs(queues.visibilityTimeout, "visibilityTimeout") / 1000,
    );
  }
  if (typeof queues.maxPollingInterval === "string") {
    options.maxPollingIntervalMs = timeSpanMs(queues.maxPollingInterval, "maxPollingInterval");
  } else if (typeof queues.maxPollingInterval === "number") {
    options.maxPollingIntervalMs = queues.maxPollingInterval;
  }
  if (queues.messageEncoding !== undefined) {
    if (queues.messageEncoding !== "base64" && queues.messageEncoding !== "none") {
      throw new Error(`host.json extensions.queues.messageEncoding must be "base64" or "none"`);
    }
    options.messageEncoding = queues.messageEncoding;
  }
  return options;
}

export async function loadQueueHostOptions(hostJsonPath: string): Promise<QueueHostOptions> {
  return queueHostOptionsFrom(JSON.parse(await readFile(hostJsonPath, "utf8")) as unknown);
}

/** A .NET TimeSpan as host.json writes it: `hh:mm:ss` with optional fractional seconds. */
function timeSpanMs(text: string, field: string): number {
  const match = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (match === null) throw new Error(`host.json extensions.queues.${field} must be hh:mm:ss, not "${text}"`);
  const [, hours, minutes, seconds] = match;
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
}

export interface QueueRunnerOptions {
  queueClientFor: (queueName: string) => QueueClient;
  hostOptions?: QueueHostOptions;
  /** How long a received message stays invisible while its handler runs. */
  leaseSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningQueues {
  /** Stops polling and resolves once the messages being handled are settled. */
  stop(): Promise<void>;
}

const MIN_POLLING_INTERVAL_MS = 100;

/**
 * Runs queue specs as the Azure Functions Storage Queue trigger does: poll, hand the decoded message to the
 * handler, delete it on success; on failure make it visible again after `visibilityTimeoutSeconds`, and once it
 * has been delivered `maxDequeueCount` times move it to `<queue>-poison`. Queues are created when missing. As in
 * Azure, a handler that takes long does not hold up the others: the next batch is fetched as soon as no more than
 * `newBatchThreshold` messages are being handled, and an idle queue is polled at least every
 * `maxPollingIntervalMs` (host.json: 2 s).
 */
export async function startQueueRunner(
  specs: readonly QueueTriggerSpec[],
  options: QueueRunnerOptions,
): Promise<RunningQueues> {
  const hostOptions = options.hostOptions ?? DEFAULT_QUEUE_HOST_OPTIONS;
  const leaseSeconds = options.leaseSeconds ?? 300;
  const log = options.log ?? ((line: string) => console.log(line));
  const queues = specs.map((spec) => ({
    spec,
    queue: options.queueClientFor(spec.queueName),
    poison: options.queueClientFor(`${spec.queueName}-poison`),
  }));
  await Promise.all(queues.map(({ queue }) => queue.createIfNotExists()));

  let stopped = false;
  const wakeSleepers = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleepers.delete(done);
        resolve();
      }
      wakeSleepers.add(done);
    });

  const deliver = async (
    { spec, queue, poison }: (typeof queues)[number],
    message: DequeuedMessageItem,
  ): Promise<void> => {
    const moveToPoison = async () => {
      await poison.createIfNotExists();
      await poison.sendMessage(message.messageText);
      await queue.deleteMessage(message.messageId, message.popReceipt);
      log(
        `[${spec.name}] message ${message.messageId} moved to ${poison.name} after ${message.dequeueCount} deliveries`,
      );
    };
    // A message delivered more often than allowed (a host stopped mid-run) is not run again.
    if (message.dequeueCount > hostOptions.maxDequeueCount) return moveToPoison();
    const context = new functions.InvocationContext({
      invocationId: message.messageId,
      functionName: spec.name,
      logHandler: (level, ...args) => log(`[${spec.name}] ${level}: ${args.map(String).join(" ")}`),
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt: message.popReceipt,
      },
    });
    try {
      const received =
        hostOptions.messageEncoding === "none"
          ? parsedWhenJson(message.messageText)
          : decodeQueueMessage(message.messageText);
      await spec.handler(received, context);
    } catch (error) {
      log(
        `[${spec.name}] message ${message.messageId} failed (delivery ${message.dequeueCount} of ${hostOptions.maxDequeueCount}): ${(error as Error).message}`,
      );
      if (message.dequeueCount >= hostOptions.maxDequeueCount) return moveToPoison();
      await queue.updateMessage(
        message.messageId,
        message.popReceipt,
        undefined,
        hostOptions.visibilityTimeoutSeconds,
      );
      return;
    }
    await queue.deleteMessage(message.messageId, message.popReceipt);
  };

  const newBatchThreshold = hostOptions.newBatchThreshold ?? Math.floor(hostOptions.batchSize / 2);
  const poll = async (entry: (typeof queues)[number]) => {
    let idleMs = MIN_POLLING_INTERVAL_MS;
    const handling = new Set<Promise<void>>();
    const handle = (message: DequeuedMessageItem) => {
      const delivery: Promise<void> = deliver(entry, message)
        .catch((error: unknown) =>
          log(`[${entry.spec.name}] could not settle a message: ${(error as Error).message}`),
        )
        .finally(() => handling.delete(delivery));
      handling.add(delivery);
    };
    while (!stopped) {
      if (handling.size > newBatchThreshold) {
        await Promise.race(handling);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const response = await entry.queue.receiveMessages({
          numberOfMessages: hostOptions.batchSize,
          visibilityTimeout: leaseSeconds,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        log(`[${entry.spec.name}] could not read queue ${entry.queue.name}: ${(error as Error).message}`);
      }
      if (messages.length > 0) {
        idleMs = MIN_POLLING_INTERVAL_MS;
        messages.forEach(handle);
        continue;
      }
      await pause(idleMs);
      idleMs = Math.min(idleMs * 2, hostOptions.maxPollingIntervalMs);
    }
    await Promise.all(handling);
  };

  const loops = queues.map((entry) => poll(entry));
  return {
    async stop() {
      stopped = true;
      for (const wake of [...wakeSleepers]) wake();
      await Promise.all(loops);
    },
  };
}
