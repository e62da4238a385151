import { z } from "zod";
import { APP_SETTING_NAME } from "../settings/setting-rules.js";
import { accountUrlShapeProblem } from "./datastore-access.js";

/**
 * A registered datastore (CONTRACT 4): an Azure Blob container, reached either with the service's identity
 * (`accountUrl`) or with a connection string kept in an app setting (`connectionStringSetting`). Neither a key
 * nor a SAS is ever stored or returned: only the name of the setting that holds it.
 */

/** As the datastore trigger names it (src/recurrence/trigger-schema.ts). */
export const DATASTORE_NAME = /^[A-Za-z0-9_]{1,255}$/;

/** Container names: 3-63 lowercase letters, digits and single dashes, starting and ending with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export const datastoreNameSchema = z
  .string()
  .regex(DATASTORE_NAME, { message: "must be 1-255 letters, digits or underscores" });

/** The host is checked against ALLOWED_DATASTORE_HOSTS by the route (src/datastore/datastore-access.ts). */
const accountUrlSchema = z
  .string()
  .superRefine((text, context) => {
    const problem = accountUrlShapeProblem(text);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
  })
  .meta({
    description:
      "The account's Blob endpoint, `https://<host>` alone; the host must match ALLOWED_DATASTORE_HOSTS (default `*.blob.core.windows.net`).",
    example: "https://mystorageaccount.blob.core.windows.net",
  });

export const datastoreDefinitionSchema = z
  .strictObject({
    accountUrl: accountUrlSchema.optional(),
    connectionStringSetting: z
      .string()
      .regex(APP_SETTING_NAME, { message: "must be an app setting name" })
      .optional()
      .meta({
        description:
          "The name of the app setting that holds the connection string; one of those DATASTORE_CONNECTION_SETTINGS lists.",
        example: "DATA_STORAGE",
      }),
    containerName: z
      .string()
      .regex(CONTAINER_NAME, { message: "must be 3-63 lowercase letters, digits and single dashes" })
      .meta({ example: "workspaceblobstore" }),
  })
  .superRefine((value, context) => {
    const given = [value.accountUrl, value.connectionStringSetting].filter((field) => field !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: "custom",
        path: [value.accountUrl === undefined ? "accountUrl" : "connectionStringSetting"],
        message: "exactly one of accountUrl and connectionStringSetting is required",
      });
    }
  })
  .meta({ id: "DatastoreDefinition" });

export type DatastoreDefinition = z.output<typeof datastoreDefinitionSchema>;

export const datastoreSchema = z
  .object({
    name: z.string(),
    accountUrl: z.string().optional(),
    connectionStringSetting: z.string().optional(),
    containerName: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Datastore" });

export const datastoreListSchema = z
  .object({ value: z.array(datastoreSchema) })
  .meta({ id: "DatastoreList" });

export type DatastoreRecord = z.output<typeof datastoreSchema>;
