import type { HttpRequest } from "@azure/functions";
import { ValidationError } from "../errors.js";
import { refusedJsonValues } from "./json-refusals.js";
import { RequestError } from "./problem.js";

/** CONTRACT 4: request bodies over 64 KiB get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_CONTENT_TYPE = "application/json";
/** RFC 7396 section 4. */
export const MERGE_PATCH_CONTENT_TYPE = "application/merge-patch+json";

/** The labels of UTF-8 in the WHATWG Encoding Standard ("Encodings" table), the charsets a body may name. */
const UTF8_LABELS = new Set([
  "unicode-1-1-utf-8",
  "unicode11utf8",
  "unicode20utf8",
  "utf-8",
  "utf8",
  "x-unicode20utf8",
]);

/**
 * Reads a JSON body: 413 when it is over MAX_BODY_BYTES (by Content-Length or by its actual size); 415 when its
 * media type is not one of `mediaTypes`, its charset is not UTF-8 or it has a Content-Encoding (CONTRACT 4); 400
 * when it is empty, not JSON, or holds what JSON cannot carry as sent (json-refusals.ts).
 */
export async function readJsonBody(request: HttpRequest, mediaTypes: readonly string[]): Promise<unknown> {
  const declaredLength = Number(request.headers.get("content-length") ?? "0");
  if (declaredLength > MAX_BODY_BYTES) throw tooLarge();
  const [mediaTypeText = "", ...parameters] = (request.headers.get("content-type") ?? "").split(";");
  const mediaType = mediaTypeText.trim().toLowerCase();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (!mediaTypes.includes(mediaType)) {
    throw new RequestError(
      415,
      `The body must be ${mediaTypes.join(" or ")}${mediaType ? `, not ${mediaType}` : " (no Content-Type was given)"}.`,
    );
  }
  const charset = charsetOf(parameters);
  if (charset !== undefined && !UTF8_LABELS.has(charset)) {
    throw new RequestError(415, `The body must be UTF-8, not charset ${charset}.`);
  }
  checkNoContentCoding(request.headers.get("content-encoding"));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError(400, "The body is not valid UTF-8.");
  }
  if (text.trim() === "") throw new RequestError(400, "The body is empty; a JSON document is required.");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `The body is not valid JSON: ${(error as Error).message}`);
  }
  const refused = refusedJsonValues(document);
  if (refused.length > 0) throw new ValidationError(refused);
  return document;
}

/** The charset parameter (RFC 9110 8.3.1: names and values case-insensitive, the value maybe quoted). */
function charsetOf(parameters: readonly string[]): string | undefined {
  for (const parameter of parameters) {
    const [name = "", ...value] = parameter.split("=");
    if (name.trim().toLowerCase() !== "charset") continue;
    return value
      .join("=")
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
  }
  return undefined;
}

/**
 * The body is read as it arrives, never decoded: a coded one would be read as garbage, or as JSON it was not
 * meant to be. Only the identity coding is accepted, and a 415 says so with Accept-Encoding (RFC 9110 15.5.16).
 */
function checkNoContentCoding(header: string | null): void {
  const codings = (header ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length === 0) return;
  throw new RequestError(
    415,
    `The body must not be encoded; it has Content-Encoding ${codings.join(", ")}.`,
    {
      "Accept-Encoding": "identity",
    },
  );
}

function tooLarge(): RequestError {
  return new RequestError(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}
