import { ConflictError, NotFoundError, ValidationError } from "../errors.js";
import type { Services } from "./services.js";
import { datastoreAccessProblem } from "../datastore/datastore-access.js";
import {
  datastoreDefinitionSchema,
  datastoreListSchema,
  datastoreNameSchema,
  datastoreSchema,
  type DatastoreRecord,
} from "../datastore/datastore-record.js";
import { parseInput } from "../schedules/parse-input.js";
import { requiredParam, type ApiResponseDoc, type ApiRoute } from "./api-route.js";
import { JSON_CONTENT_TYPE, readJsonBody } from "./request-body.js";

/** The datastore registry (CONTRACT 4): the blob containers change-based schedules may watch. */

const NAME_PARAMETER = { name: "The datastore's name, as schedules' `trigger.datastoreName` gives it." };
const NOT_FOUND: ApiResponseDoc = { description: "There is no datastore of that name." };
const SCHEDULE_PAGE = 1000;

export function datastoreRoutes(): ApiRoute[] {
  return [
    {
      name: "datastores-put",
      route: "datastores/{name}",
      method: "PUT",
      summary:
        "Register a datastore, or replace its registration. Give `accountUrl` (reached with the service's identity, " +
        "which needs Storage Blob Data Reader; its host must match ALLOWED_DATASTORE_HOSTS) or " +
        "`connectionStringSetting` (the name of an app setting holding a connection string, one of those " +
        "DATASTORE_CONNECTION_SETTINGS lists); never a secret itself.",
      pathParameters: NAME_PARAMETER,
      requestBody: { schema: datastoreDefinitionSchema, mediaTypes: [JSON_CONTENT_TYPE] },
      responses: {
        200: { description: "The replaced registration.", schema: datastoreSchema },
        201: {
          description: "The new registration.",
          schema: datastoreSchema,
          headers: { Location: "The datastore's URL." },
        },
        400: { description: "The request is not valid; `errors` names each field." },
        413: { description: "The body is over 64 KiB." },
        415: { description: "The body is not JSON." },
      },
      run: async (request, services) => {
        const name = datastoreNameOf(requiredParam(request, "name"));
        const definition = parseInput(
          datastoreDefinitionSchema,
          await readJsonBody(request, [JSON_CONTENT_TYPE]),
        );
        // Whether the listed settings are set was checked at start, so the answer says nothing about the others.
        const refused = datastoreAccessProblem({ name, ...definition }, services.datastores.policy);
        if (refused !== undefined) throw new ValidationError([refused]);
        const { record, created } = await services.datastores.registry.put(
          name,
          definition,
          services.clock(),
        );
        return created
          ? { status: 201, headers: { Location: `/api/datastores/${name}` }, jsonBody: record }
          : { status: 200, jsonBody: record };
      },
    },
    {
      name: "datastores-list",
      route: "datastores",
      method: "GET",
      summary: "The registered datastores.",
      responses: { 200: { description: "Every registered datastore.", schema: datastoreListSchema } },
      run: async (_request, services) => ({
        status: 200,
        jsonBody: { value: await services.datastores.registry.list() },
      }),
    },
    {
      name: "datastores-get",
      route: "datastores/{name}",
      method: "GET",
      summary: "One registered datastore.",
      pathParameters: NAME_PARAMETER,
      responses: { 200: { description: "The datastore.", schema: datastoreSchema }, 404: NOT_FOUND },
      run: async (request, services) => ({
        status: 200,
        jsonBody: await findDatastore(services, requiredParam(request, "name")),
      }),
    },
    {
      name: "datastores-delete",
      route: "datastores/{name}",
      method: "DELETE",
      summary: "Unregister a datastore; refused while a schedule (Active or Disabled) names it.",
      pathParameters: NAME_PARAMETER,
      responses: {
        204: { description: "Unregistered." },
        404: NOT_FOUND,
        409: { description: "A schedule names this datastore; delete it or change its trigger first." },
      },
      run: async (request, services) => {
        const datastore = await findDatastore(services, requiredParam(request, "name"));
        const user = await firstScheduleWatching(services, datastore.name);
        if (user !== undefined) {
          throw new ConflictError(
            `The schedule ${user} watches datastore ${datastore.name}; delete it or change its trigger first`,
          );
        }
        if (!(await services.datastores.registry.delete(datastore.name))) {
          throw new NotFoundError(`There is no datastore named ${datastore.name}`);
        }
        return { status: 204 };
      },
    },
  ];
}

/** The `isDatastoreRegistered` check of the schedule routes (CONTRACT 4). */
export async function isDatastoreRegistered(services: Services, name: string): Promise<boolean> {
  return (await services.datastores.registry.get(name)) !== undefined;
}

function datastoreNameOf(text: string): string {
  return parseInput(datastoreNameSchema, text, ["name"]);
}

async function findDatastore(services: Services, name: string): Promise<DatastoreRecord> {
  const record = datastoreNameSchema.safeParse(name).success
    ? await services.datastores.registry.get(name)
    : undefined;
  if (!record) throw new NotFoundError(`There is no datastore named ${name}`);
  return record;
}

/** The name of a schedule whose trigger names the datastore, if any: a scan of the change-based schedules. */
async function firstScheduleWatching(services: Services, datastoreName: string): Promise<string | undefined> {
  let continuationToken: string | undefined;
  do {
    const page = await services.schedules.list({
      triggerType: "datastore",
      top: SCHEDULE_PAGE,
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    const user = page.items.find(
      (schedule) =>
        schedule.definition.trigger.type === "datastore" &&
        schedule.definition.trigger.datastoreName === datastoreName,
    );
    if (user !== undefined) return user.definition.name;
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return undefined;
}
