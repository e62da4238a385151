import { RestError, type TableServiceClientOptions } from "@azure/data-tables";
import type { StorageRetryOptions } from "@azure/storage-queue";

/**
 * How the service's own storage clients behave when storage is unreachable (CONTRACT 4: a request then answers
 * 503, soon). The SDKs' defaults retry for long: tables 3 times from 1 s up (4-5 s measured with Azurite stopped),
 * queues 4 tries 4 s apart, growing (16 s). That is too long for an HTTP caller, and longer than the timer and
 * the queue workers need, which run again anyway. So: two retries about a second in all, enough for a blip.
 */

/** core-rest-pipeline's exponential retry: 125-250 ms, then 250-500 ms (util/delay.ts, with jitter). */
export const TABLE_RETRY_OPTIONS: NonNullable<TableServiceClientOptions["retryOptions"]> = {
  maxRetries: 2,
  retryDelayInMs: 250,
  maxRetryDelayInMs: 1000,
};

/** storage-common's exponential retry, (2^(try-1) - 1) × 250 ms: at once, then 250 ms (StorageRetryPolicyV2). */
export const QUEUE_AND_BLOB_RETRY_OPTIONS: StorageRetryOptions = {
  maxTries: 3,
  retryDelayInMs: 250,
  maxRetryDelayInMs: 1000,
};

/**
 * One try of a table request may take this long before it is given up, not retried: storage that accepts
 * connections but does not answer would otherwise hold a request until the host's own limit (230 s in Azure).
 * A little over Azure's own limit for a table operation, 30 s ("Setting timeouts for Table service
 * operations"), so that storage's answer to a slow operation comes first.
 */
export const TABLE_TRY_TIMEOUT_MS = 35_000;

/** A RestError `code` of a table try that timed out (its own, so that the retry strategy does not retry it). */
const TRY_TIMED_OUT = "STORAGE_TRY_TIMEOUT";

/** The pipeline policy that bounds each try of a table request (TABLE_TRY_TIMEOUT_MS; shorter in tests). */
export function tableTryTimeoutPolicy(
  timeoutMs = TABLE_TRY_TIMEOUT_MS,
): NonNullable<TableServiceClientOptions["additionalPolicies"]>[number] {
  return {
    position: "perRetry",
    policy: {
      name: "tableTryTimeout",
      async sendRequest(request, next) {
        if (request.timeout === 0) request.timeout = timeoutMs;
        try {
          return await next(request);
        } catch (error) {
          // The HTTP client aborts a try on its timeout with an AbortError, as it does for a caller's abort.
          if ((error as Error | undefined)?.name !== "AbortError" || request.abortSignal?.aborted === true) {
            throw error;
          }
          throw new RestError(`Storage did not answer within ${request.timeout} ms`, {
            code: TRY_TIMED_OUT,
            request,
          });
        }
      },
    },
  };
}

/**
 * Transport failures, as the SDKs report them (RestError `code`): the codes their retry strategies treat as
 * network errors (core-rest-pipeline exponentialRetryStrategy, storage-common StorageRetryPolicyV2), the DNS and
 * routing failures of Node, and a try that timed out.
 */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "REQUEST_SEND_ERROR",
  TRY_TIMED_OUT,
]);

/**
 * Storage answering that it cannot serve now: 503 Server Busy, or a gateway in front of it failing (Azure
 * Storage error codes: ServerBusy; RFC 9110 15.6). A 500 is left a 500: it may be a request storage cannot handle.
 */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Whether an error is storage being unreachable or unavailable, rather than a fault of the request or the
 * service: what an outage looks like once the retries are spent. Only the Azure SDKs throw RestError; the
 * service's other HTTP calls (Azure ML) use fetch.
 */
export function isStorageUnreachable(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "RestError") return false;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === "number") return UNAVAILABLE_STATUSES.has(statusCode);
  return typeof code === "string" && UNREACHABLE_CODES.has(code);
}
