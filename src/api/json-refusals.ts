import { formatFieldPath, type FieldIssue } from "../errors.js";

/**
 * What a parsed JSON body may not hold (CONTRACT 4), wherever it sits: a `__proto__` key, which plain objects
 * and zod records drop or turn into a prototype, and a number outside the range of integers every JSON
 * implementation agrees on exactly, [-(2^53 - 1), 2^53 - 1] (RFC 7493, I-JSON, section 2.2).
 *
 * The number rule needs no lexeme: JSON.parse rounds to the nearest double, which is monotonic, and 2^53 is a
 * double. So an integer written in the text lies outside the range exactly when its parsed value does, and
 * 9007199254740993, parsed as 9007199254740992, is caught. A fraction or exponent of that magnitude
 * (`1e300`, `9007199254740993.5`) is refused too: a double that large has no fraction left, and what arrives
 * is not what was written. The caller is told to send such a value as a string.
 */
export function refusedJsonValues(document: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // Iterative, depth first in document order: a 64 KiB body can nest deeper than the call stack.
  const pending: Node[] = [{ value: document, parent: undefined, key: undefined }];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const { value } = node;
    if (node.key === "__proto__") {
      issues.push({ path: pathOf(node), message: PROTO_KEY });
    } else if (typeof value === "number") {
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        issues.push({ path: pathOf(node), message: BEYOND_SAFE_INTEGERS });
      }
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        pending.push({ value: value[index], parent: node, key: index });
      }
    } else if (typeof value === "object" && value !== null) {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index]!;
        pending.push({ value: (value as Record<string, unknown>)[key], parent: node, key });
      }
    }
  }
  return issues;
}

export const PROTO_KEY = "__proto__ is not allowed as a key";
export const BEYOND_SAFE_INTEGERS =
  "is outside ±9007199254740991 (2^53 - 1), the integers a JSON number carries exactly; send it as a string";

interface Node {
  value: unknown;
  parent: Node | undefined;
  key: string | number | undefined;
}

function pathOf(node: Node): string {
  const segments: (string | number)[] = [];
  for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) segments.push(at.key);
  return formatFieldPath(segments.reverse());
}
