import { STATUS_CODES } from "node:http";
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ServiceUnavailableError,
  ValidationError,
  type FieldIssue,
} from "../errors.js";
import { isStorageUnreachable } from "../state/storage-outage.js";
import type { Problem } from "./api-schemas.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/**
 * The Retry-After of a 503 for a storage outage (RFC 9110 10.2.3): long enough not to hammer storage while it
 * recovers, short beside the scheduling timer's minute. Logic Apps' and Data Factory's retry policies retry 503s.
 */
export const STORAGE_RETRY_AFTER_SECONDS = 10;

/** An error of the HTTP exchange itself (size, media type, JSON syntax), before any use case runs. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
    /** Headers of the answer, e.g. the Accept-Encoding of a 415. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * RFC 9457 problem details with `type: "about:blank"`, whose title is the status phrase (section 4.2.1);
 * `detail` says what went wrong for this request.
 */
export function problemResponse(
  status: number,
  detail: string,
  errors?: FieldIssue[],
  headers: Record<string, string> = {},
): HttpResponseInit {
  const problem: Problem = {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    ...(errors === undefined ? {} : { errors }),
  };
  return { status, headers: { ...headers, "Content-Type": PROBLEM_CONTENT_TYPE }, jsonBody: problem };
}

/** The problem for a typed error; anything else is a 500 that is logged and never shows its internals. */
export function problemForError(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof ValidationError) return problemResponse(400, error.message, error.issues);
  if (error instanceof RequestError) {
    return problemResponse(error.status, error.message, undefined, error.headers);
  }
  if (error instanceof NotFoundError) return problemResponse(404, error.message);
  if (error instanceof ConflictError) {
    const retryAfter = error.retryAfterSeconds;
    return problemResponse(
      409,
      error.message,
      undefined,
      retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) },
    );
  }
  if (error instanceof PreconditionFailedError) return problemResponse(412, error.message);
  if (error instanceof ServiceUnavailableError) {
    return problemResponse(503, error.message, undefined, {
      "Retry-After": String(error.retryAfterSeconds),
    });
  }
  if (isStorageUnreachable(error)) {
    // An outage, not a fault of the service: logged, and answered so that clients retry rather than give up.
    context.warn(`Storage is unreachable in ${context.functionName}:`, error);
    return problemResponse(
      503,
      `The service's storage is unreachable; retry after ${STORAGE_RETRY_AFTER_SECONDS} s.`,
      undefined,
      { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
    );
  }
  context.error(`Unexpected error in ${context.functionName}:`, error);
  return problemResponse(
    500,
    `The request failed unexpectedly; see the log of invocation ${context.invocationId}.`,
  );
}
