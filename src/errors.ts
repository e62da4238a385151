/** Errors that cross a boundary. The HTTP layer maps each to a problem+json status. */

export interface FieldIssue {
  /** Dotted path with array indexes, e.g. `trigger.hours[0]`. Empty for the whole body. */
  path: string;
  message: string;
}

export class ValidationError extends Error {
  constructor(
    readonly issues: FieldIssue[],
    readonly title = "The request is not valid",
  ) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; "));
    this.name = "ValidationError";
  }

  static single(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** A write that conflicts with the current state (a taken name, deleting an Active schedule). */
export class ConflictError extends Error {
  override name = "ConflictError";
  constructor(
    message: string,
    /** When the conflict ends by itself: the seconds after which the same request may succeed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** An If-Match that does not match the stored ETag. */
export class PreconditionFailedError extends Error {
  override name = "PreconditionFailedError";
}

/** Something the request needs cannot be reached now; the same request may succeed later (503, Retry-After). */
export class ServiceUnavailableError extends Error {
  override name = "ServiceUnavailableError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Formats a zod-style path (`["trigger", "hours", 0]`) as `trigger.hours[0]`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}
