import { BlobServiceClient } from "@azure/storage-blob";
import { z } from "zod";
import type { ApiRoute } from "../../api/api-route.js";
import { readJsonBody, JSON_CONTENT_TYPE } from "../../api/request-body.js";
import { LOCAL_DATASTORE_NAME } from "../../datastore/local-datastore.js";
import { ConflictError } from "../../errors.js";
import { parseInput } from "../../schedules/parse-input.js";

const devUploadSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[^/\\].*[^/]$|^[^/\\]$/, { message: "must be a blob path: no leading or trailing '/'" })
    .refine((path) => !path.split("/").some((part) => part === "" || part === "." || part === ".."), {
      message: "must not have empty, '.' or '..' segments",
    })
    .meta({ description: "The blob's path in workspaceblobstore, e.g. `incoming/first.csv`." }),
  content: z
    .string()
    .max(32 * 1024)
    .meta({ description: "The blob's content, as text." }),
});

/**
 * `POST /api/dev/upload` (CONTRACT 5, local host only): writes one blob into the local `workspaceblobstore` (the
 * embedded Azurite's container), so that a newcomer can watch a change-based schedule fire with nothing but curl.
 * Azurite's own API needs a Shared Key signature, which curl cannot make.
 */
export function devUploadRoute(): ApiRoute {
  return {
    name: "dev-upload",
    route: "dev/upload",
    method: "POST",
    summary: "Write one text blob into the local workspaceblobstore (local host only).",
    requestBody: { schema: devUploadSchema, mediaTypes: [JSON_CONTENT_TYPE] },
    responses: { 201: { description: "The blob was written; the answer names it." } },
    run: async (request, services) => {
      const { path, content } = parseInput(devUploadSchema, await readJsonBody(request, [JSON_CONTENT_TYPE]));
      const connectionString = services.settings.AzureWebJobsStorage;
      if (connectionString === undefined || !connectionString.includes("AccountKey=")) {
        throw new ConflictError(
          "The host's storage is reached by identity, not a connection string: upload with your own tools",
        );
      }
      const container =
        BlobServiceClient.fromConnectionString(connectionString).getContainerClient(LOCAL_DATASTORE_NAME);
      await container.createIfNotExists();
      const bytes = Buffer.from(content, "utf8");
      await container.getBlockBlobClient(path).upload(bytes, bytes.length);
      return {
        status: 201,
        jsonBody: { datastoreName: LOCAL_DATASTORE_NAME, path, bytes: bytes.length },
      };
    },
  };
}
