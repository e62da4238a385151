import type { HttpRequest } from "@azure/functions";
import { RequestError } from "./problem.js";

/** CONTRACT 4: request bodies over 64 KiB get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

export const JSON_CONTENT_TYPE = "application/json";
/** RFC 7396 section 4. */
export const MERGE_PATCH_CONTENT_TYPE = "application/merge-patch+json";

/**
 * Reads a JSON body: 413 when it is over MAX_BODY_BYTES (by Content-Length or by its actual size), 415 when its
 * media type is not one of `mediaTypes` (parameters such as charset are allowed), 400 when it is empty or not JSON.
 */
export async function readJsonBody(request: HttpRequest, mediaTypes: readonly string[]): Promise<unknown> {
  const declaredLength = Number(request.headers.get("content-length") ?? "0");
  if (declaredLength > MAX_BODY_BYTES) throw tooLarge();
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (!mediaTypes.includes(mediaType)) {
    throw new RequestError(
      415,
      `The body must be ${mediaTypes.join(" or ")}${mediaType ? `, not ${mediaType}` : " (no Content-Type was given)"}.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError(400, "The body is not valid UTF-8.");
  }
  if (text.trim() === "") throw new RequestError(400, "The body is empty; a JSON document is required.");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestError(400, `The body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(): RequestError {
  return new RequestError(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}
