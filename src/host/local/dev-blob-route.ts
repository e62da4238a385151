import { z } from "zod";
import type { ApiRoute } from "../../api/api-route.js";
import { requiredParam } from "../../api/api-route.js";
import { readJsonBody, JSON_CONTENT_TYPE } from "../../api/request-body.js";
import { listingEtag } from "../../datastore/blob-events.js";
import { LOCAL_DATASTORE_NAME } from "../../datastore/local-datastore.js";
import { ValidationError } from "../../errors.js";
import { parseInput } from "../../schedules/parse-input.js";

const devBlobSchema = z
  .strictObject({
    content: z.string().optional().meta({ description: "The blob's content, as UTF-8 text." }),
    contentBase64: z.base64().optional().meta({ description: "The blob's content, as base64 bytes." }),
    contentType: z.string().min(1).max(255).optional().meta({ example: "text/csv" }),
  })
  .superRefine((body, context) => {
    if ((body.content === undefined) === (body.contentBase64 === undefined)) {
      context.addIssue({
        code: "custom",
        path: [body.content === undefined ? "content" : "contentBase64"],
        message: "exactly one of content and contentBase64 is required",
      });
    }
  });

/** What a blob path may be: a container-relative name, as `pathOnDatastore` allows folders, and not a folder. */
function blobPathProblem(path: string): string | undefined {
  if (path.length > 1024) return "must be at most 1024 characters";
  if (path.split("/").some((segment) => segment === "." || segment === "..")) {
    return "must not contain . or .. segments";
  }
  if (path.includes("\\")) return "must not contain backslashes";
  return undefined;
}

/**
 * `PUT /api/dev/blobs/workspaceblobstore/{path}` (local host only, CONTRACT 5): uploads a blob to the local host's
 * own `workspaceblobstore`, so that a change-based schedule can be tried with curl alone. The body is JSON, as every
 * write to the local host must be (loopback-trust.ts): `{ "content": "<text>" }` or `{ "contentBase64": "..." }`.
 * Only that datastore: the route names it, and it is the one container of the host's own storage that a datastore
 * may read (CONTRACT 4).
 */
export function devBlobRoute(): ApiRoute {
  return {
    name: "dev-put-blob",
    route: `dev/blobs/${LOCAL_DATASTORE_NAME}/{*path}`,
    method: "PUT",
    summary: "Upload a blob to the local workspaceblobstore (local host only).",
    pathParameters: { path: "The blob's container-relative path, e.g. incoming/a.csv." },
    requestBody: { schema: devBlobSchema, mediaTypes: [JSON_CONTENT_TYPE] },
    responses: {
      201: {
        description:
          "The blob as written: its path, its ETag as a run's changedBlob shows it, Last-Modified and length.",
      },
    },
    run: async (request, services) => {
      const path = requiredParam(request, "path");
      const problem = blobPathProblem(path);
      if (problem !== undefined) throw ValidationError.single("path", problem);
      const body = parseInput(devBlobSchema, await readJsonBody(request, [JSON_CONTENT_TYPE]));
      const bytes =
        body.contentBase64 === undefined
          ? Buffer.from(body.content ?? "", "utf8")
          : Buffer.from(body.contentBase64, "base64");
      const datastore = await services.datastores.registry.get(LOCAL_DATASTORE_NAME);
      if (datastore === undefined)
        throw new Error(`The local datastore ${LOCAL_DATASTORE_NAME} is not registered`);
      const blob = services.datastores.openContainer(datastore).getBlockBlobClient(path);
      const uploaded = await blob.uploadData(bytes, {
        blobHTTPHeaders: { blobContentType: body.contentType ?? "application/octet-stream" },
      });
      return {
        status: 201,
        jsonBody: {
          datastoreName: LOCAL_DATASTORE_NAME,
          path,
          etag: uploaded.etag === undefined ? null : listingEtag(uploaded.etag),
          lastModified: uploaded.lastModified?.toISOString() ?? null,
          contentLength: bytes.length,
        },
      };
    },
  };
}
