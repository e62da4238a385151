import { ValidationError } from "../errors.js";

/**
 * The continuation tokens of the API's lists (CONTRACT 4: a token the service did not issue is a 400 naming the
 * parameter). A token is the position Azure Table storage ends a page at (the `x-ms-continuation-NextPartitionKey`
 * and `-NextRowKey` of Query Entities), as base64url JSON. It is not signed: the service has no secret of its
 * own, a key per instance would break the `nextLink`s of a scaled-out app, and a position grants nothing, since
 * the query that resumes from it keeps its filter (the schedule's partition, the status, ...). A forged position
 * can only skip within the list the caller may read anyway. What is checked is the shape, strictly, so that no
 * tampered token reaches the SDK, whose decoder throws on it (a 500), or storage.
 */

/** Where a page ends, as the tables SDK encodes it in its own continuation token (utils/continuationToken.ts). */
interface TablePosition {
  nextPartitionKey: string;
  nextRowKey?: string;
}

/** The query parameter the token comes in, named by the error. */
export const CONTINUATION_TOKEN_PARAMETER = "continuationToken";

/**
 * The continuation headers are opaque to clients: Azure encodes them (`1!8!U21pdGg-`, "Query timeout and
 * pagination"), Azurite sends the keys as they are. Both are printable ASCII, and the SDK decodes its token byte
 * by byte as Latin-1, so nothing beyond ASCII would survive it anyway. Keys are at most 1 KiB; encoded, a third
 * more.
 */
const MAX_POSITION_LENGTH = 2048;
const POSITION = /^[\x20-\x7e]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The API's token for the SDK's continuation token of a page. */
export function apiContinuationToken(sdkToken: string): string {
  const position = positionOf(Buffer.from(sdkToken, "base64").toString("latin1"));
  if (position === undefined)
    throw new Error(`The tables SDK returned a continuation token of another shape`);
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

/** The SDK's continuation token for a token of the API, or a ValidationError on `continuationToken`. */
export function sdkContinuationToken(apiToken: string): string {
  const position = BASE64URL.test(apiToken) ? positionOf(decodeBase64url(apiToken)) : undefined;
  if (position === undefined) throw invalidContinuationToken();
  // As the SDK's encodeContinuationToken writes it.
  return Buffer.from(JSON.stringify(position), "latin1").toString("base64");
}

/**
 * The error for a token that is not one of this list's. Also for one whose shape is right but whose position
 * storage refuses (a 400 of Query Entities): Azure checks the positions it encoded, Azurite does not.
 */
export function invalidContinuationToken(): ValidationError {
  return ValidationError.single(CONTINUATION_TOKEN_PARAMETER, "is not a continuation token of this list");
}

/** The text of a canonical base64url token; undefined when re-encoding would not give the token back. */
function decodeBase64url(token: string): string | undefined {
  const bytes = Buffer.from(token, "base64url");
  if (bytes.toString("base64url") !== token) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The position, when `text` is JSON of exactly the SDK's two fields, each printable ASCII. */
function positionOf(text: string | undefined): TablePosition | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  const { nextPartitionKey, nextRowKey } = fields;
  if (!isPosition(nextPartitionKey)) return undefined;
  if (keys.some((key) => key !== "nextPartitionKey" && key !== "nextRowKey")) return undefined;
  if (nextRowKey === undefined) return { nextPartitionKey };
  return isPosition(nextRowKey) ? { nextPartitionKey, nextRowKey } : undefined;
}

function isPosition(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_POSITION_LENGTH && POSITION.test(value);
}
