import type { z } from "zod";
import { formatFieldPath, ValidationError, type FieldIssue } from "../errors.js";

/**
 * Parses user input with a zod schema, or throws a ValidationError whose issues name each field in the
 * API's path notation (`trigger.hours[0]`), `prefix` first. Every unknown key is its own issue, so a misspelt
 * `week_day` is named rather than silently ignored (CONTRACT 4).
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ValidationError(fieldIssuesOf(parsed.error.issues, prefix));
}

export function fieldIssuesOf(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatFieldPath([...path, key]), message: "unknown field" }));
    }
    return [{ path: formatFieldPath(path), message: messageOf(issue) }];
  });
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  if (issue.code === "invalid_key") {
    const reason = issue.issues[0]?.message;
    return reason === undefined ? "is not a valid key" : `key ${reason}`;
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const expected = issue.errors.flatMap((branch) =>
      branch.flatMap((inner) => (inner.code === "invalid_type" ? [inner.expected] : [])),
    );
    if (expected.length === issue.errors.length) {
      const kinds = expected.map((kind) => `a ${kind}`);
      return `must be ${kinds.slice(0, -1).join(", ")} or ${kinds.at(-1)}`;
    }
  }
  return issue.message;
}
