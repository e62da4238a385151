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
import type { Problem } from "./api-schemas.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An error of the HTTP exchange itself (size, media type, JSON syntax), before any use case runs. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
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
  if (error instanceof RequestError) return problemResponse(error.status, error.message);
  if (error instanceof NotFoundError) return problemResponse(404, error.message);
  if (error instanceof ConflictError) return problemResponse(409, error.message);
  if (error instanceof PreconditionFailedError) return problemResponse(412, error.message);
  if (error instanceof ServiceUnavailableError) {
    return problemResponse(503, error.message, undefined, {
      "Retry-After": String(error.retryAfterSeconds),
    });
  }
  context.error(`Unexpected error in ${context.functionName}:`, error);
  return problemResponse(
    500,
    `The request failed unexpectedly; see the log of invocation ${context.invocationId}.`,
  );
}
