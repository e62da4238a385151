import type { AmlAccess } from "../aml-access.js";
import { exchangeJson, type ExchangeOutcome } from "../json-exchange.js";

export interface RequestOptions {
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  clock?: () => Date;
}

export type ArmPropertyOutcome =
  { kind: "found"; value: string } | Extract<ExchangeOutcome, { kind: "retryable" | "final" }>;

export interface ArmPropertyRead {
  url: URL;
  /** The key under the resource's `properties` (the caller's comment names the spec that defines it). */
  property: string;
  /** What a final answer says: 404 (nothing of that name) or any other final status. */
  notFound: (message: string) => string;
  failed: (message: string) => string;
  /** What a 2xx without a usable value says. */
  missing: string;
  /** Whether the value is usable; any non-empty string when absent. */
  accepts?: (value: string) => boolean;
}

/**
 * `GET` of one Resource Manager resource with the Resource Manager token, and one string of its `properties`:
 * retryable answers as they are, final ones with a message naming what was looked up.
 */
export async function readArmProperty(
  read: ArmPropertyRead,
  access: AmlAccess,
  options: RequestOptions,
): Promise<ArmPropertyOutcome> {
  const outcome = await exchangeJson({ ...access, ...options, method: "GET", url: read.url });
  if (outcome.kind === "retryable") return outcome;
  if (outcome.kind === "final") {
    const message =
      outcome.httpStatus === 404 ? read.notFound(outcome.message) : read.failed(outcome.message);
    return { ...outcome, message };
  }
  const properties = outcome.json?.properties;
  const value =
    typeof properties === "object" && properties !== null
      ? (properties as Record<string, unknown>)[read.property]
      : undefined;
  if (typeof value === "string" && value !== "" && (read.accepts?.(value) ?? true)) {
    return { kind: "found", value };
  }
  return { kind: "final", httpStatus: outcome.httpStatus, message: read.missing };
}
