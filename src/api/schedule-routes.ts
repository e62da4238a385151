import type { HttpResponseInit } from "@azure/functions";
import type { Services } from "./services.js";
import { formatLocalIso, zoneOf } from "../recurrence/time-zones.js";
import { toLastRun, type LastRun } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import { forEachConcurrently } from "../concurrency.js";
import { claimHorizon, fireDueSchedule } from "../scheduling/scheduling-pass.js";
import {
  createSchedule,
  deleteSchedule,
  findSchedule,
  listSchedules,
  patchSchedule,
  previewFireTimes,
  setScheduleStatus,
  upcomingFireTimes,
  type FolderBaselines,
  type ScheduleUseCaseContext,
} from "../schedule-management/schedule-service.js";
import { parseInput } from "../schedules/parse-input.js";
import { scheduleDefinitionSchema, type ScheduleStatus } from "../schedules/schema.js";
import { scheduleResource } from "./schedule-resource.js";
import { ifMatchOf, parseQuery, requiredParam, type ApiResponseDoc, type ApiRoute } from "./api-route.js";
import {
  fireTimesSchema,
  listSchedulesQuerySchema,
  nextFireTimesQuerySchema,
  scheduleListSchema,
  scheduleSchema,
  triggerPreviewRequestSchema,
  type FireTimes,
  type ListSchedulesQuery,
  type ScheduleList,
} from "./api-schemas.js";
import { JSON_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, readJsonBody } from "./request-body.js";

export interface ScheduleRouteOptions {
  /** When given, a datastore trigger must name a registered datastore (CONTRACT 4). */
  isDatastoreRegistered?: (services: Services, name: string) => Promise<boolean>;
  /** When given, activating a change-based schedule lists its folder as the baseline first (CONTRACT 2.3). */
  folderBaselines?: (services: Services) => FolderBaselines;
}

const ID_PARAMETER = { id: "The schedule's id." };
const IF_MATCH = { "If-Match": 'The schedule\'s ETag, or "*" for any; 412 when it does not match.' };
const ETAG_HEADER = { ETag: "The schedule's ETag, for If-Match." };

const scheduleResponse = (
  description: string,
  headers: Record<string, string> = ETAG_HEADER,
): ApiResponseDoc => ({
  description,
  schema: scheduleSchema,
  headers,
});
const BAD_REQUEST: ApiResponseDoc = { description: "The request is not valid; `errors` names each field." };
const NOT_FOUND: ApiResponseDoc = { description: "There is no such schedule." };
const PRECONDITION_FAILED: ApiResponseDoc = { description: "If-Match does not match the schedule's ETag." };
/** An activation of a change-based schedule lists its folder first (CONTRACT 2.3); storage may not answer. */
const FOLDER_UNAVAILABLE: ApiResponseDoc = {
  description:
    "A change-based schedule's folder could not be listed for its baseline; nothing was saved. `Retry-After` says when to try again.",
  headers: { "Retry-After": "Seconds to wait before trying again." },
};
const ENABLE_ERRORS: Record<number, ApiResponseDoc> = {
  400: { description: "A change-based schedule whose datastore cannot be listed as registered." },
  503: FOLDER_UNAVAILABLE,
};
const BODY_ERRORS: Record<number, ApiResponseDoc> = {
  400: BAD_REQUEST,
  413: { description: "The body is over 64 KiB." },
  415: { description: "The body is not JSON." },
};

export function scheduleRoutes(options: ScheduleRouteOptions = {}): ApiRoute[] {
  const { isDatastoreRegistered, folderBaselines } = options;
  const useCases = (services: Services): ScheduleUseCaseContext => ({
    store: services.schedules,
    settings: services.settings,
    now: services.clock(),
    allowLoopbackEndpoints: services.allowLoopbackEndpoints,
    ...(isDatastoreRegistered === undefined
      ? {}
      : { isDatastoreRegistered: (name: string) => isDatastoreRegistered(services, name) }),
    ...(folderBaselines === undefined ? {} : { folderBaselines: folderBaselines(services) }),
  });

  const statusRoute = (status: ScheduleStatus, verb: "enable" | "disable"): ApiRoute => ({
    name: `schedules-${verb}`,
    route: `schedules/{id}/${verb}`,
    method: "POST",
    summary: `Set the schedule's status to ${status}.`,
    pathParameters: ID_PARAMETER,
    requestHeaders: IF_MATCH,
    responses: {
      200: scheduleResponse(`The schedule, now ${status}.`),
      ...(status === "Active" ? ENABLE_ERRORS : {}),
      404: NOT_FOUND,
      412: PRECONDITION_FAILED,
    },
    run: async (request, services) => {
      const record = await setScheduleStatus(
        useCases(services),
        requiredParam(request, "id"),
        status,
        ifMatchOf(request),
      );
      return scheduleOk(services, await fireIfDueNow(services, record));
    },
  });

  return [
    {
      name: "schedules-create",
      route: "schedules",
      method: "POST",
      summary: "Create a schedule; it is Active unless `status` says otherwise.",
      requestBody: { schema: scheduleDefinitionSchema, mediaTypes: [JSON_CONTENT_TYPE] },
      responses: {
        201: scheduleResponse("The new schedule.", { ...ETAG_HEADER, Location: "The schedule's URL." }),
        ...BODY_ERRORS,
        409: { description: "A schedule with that name exists." },
        503: FOLDER_UNAVAILABLE,
      },
      run: async (request, services) => {
        const body = await readJsonBody(request, [JSON_CONTENT_TYPE]);
        const record = await fireIfDueNow(services, await createSchedule(useCases(services), body));
        return scheduleOk(services, record, 201, { Location: `/api/schedules/${record.id}` });
      },
    },
    {
      name: "schedules-list",
      route: "schedules",
      method: "GET",
      summary: "List schedules, a page at a time.",
      query: listSchedulesQuerySchema,
      responses: {
        200: { description: "A page of schedules.", schema: scheduleListSchema },
        400: BAD_REQUEST,
      },
      run: async (request, services) => {
        const query = parseQuery(request, listSchedulesQuerySchema);
        const page = await listSchedules(services.schedules, query);
        const lastRuns = await lastRunsOf(services, page.items);
        const body: ScheduleList = {
          value: page.items.map((record, index) => scheduleResource(record, lastRuns[index] ?? null)),
          nextLink: page.continuationToken === undefined ? null : nextLinkOf(query, page.continuationToken),
        };
        return { status: 200, jsonBody: body };
      },
    },
    {
      name: "schedules-get",
      route: "schedules/{id}",
      method: "GET",
      summary: "One schedule, by id or by name.",
      pathParameters: { id: "The schedule's id or name." },
      responses: { 200: scheduleResponse("The schedule."), 404: NOT_FOUND },
      run: async (request, services) =>
        scheduleOk(services, await findSchedule(services.schedules, requiredParam(request, "id"))),
    },
    {
      name: "schedules-patch",
      route: "schedules/{id}",
      method: "PATCH",
      summary:
        "JSON merge patch (RFC 7396) of name, description, target, parameterAssignments, dataPathAssignments, " +
        "dataSetDefinitionValueAssignments, continueOnStepFailure, trigger, policy or status; null removes a " +
        "field (status excepted); the merged result is validated as a whole.",
      pathParameters: ID_PARAMETER,
      requestHeaders: IF_MATCH,
      requestBody: {
        schema: scheduleDefinitionSchema.partial(),
        mediaTypes: [MERGE_PATCH_CONTENT_TYPE, JSON_CONTENT_TYPE],
      },
      responses: {
        200: scheduleResponse("The updated schedule."),
        ...BODY_ERRORS,
        404: NOT_FOUND,
        409: { description: "Another schedule has the new name." },
        412: PRECONDITION_FAILED,
        503: FOLDER_UNAVAILABLE,
      },
      run: async (request, services) => {
        const patch = await readJsonBody(request, [JSON_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE]);
        const id = requiredParam(request, "id");
        const record = await patchSchedule(useCases(services), id, patch, ifMatchOf(request));
        return scheduleOk(services, await fireIfDueNow(services, record));
      },
    },
    {
      name: "schedules-delete",
      route: "schedules/{id}",
      method: "DELETE",
      summary: "Delete a Disabled schedule.",
      pathParameters: ID_PARAMETER,
      requestHeaders: IF_MATCH,
      responses: {
        204: { description: "Deleted." },
        404: NOT_FOUND,
        409: { description: "The schedule is Active; disable it first." },
        412: PRECONDITION_FAILED,
      },
      run: async (request, services) => {
        const id = requiredParam(request, "id");
        await deleteSchedule(useCases(services), id, ifMatchOf(request));
        // A change-based schedule's folder cursor goes with it (a no-op for the others).
        await services.datastores.cursors.delete(id);
        return { status: 204 };
      },
    },
    statusRoute("Active", "enable"),
    statusRoute("Disabled", "disable"),
    {
      name: "schedules-next",
      route: "schedules/{id}/next",
      method: "GET",
      summary: "The next instants at which the schedule fires; none for Disabled and change-based schedules.",
      pathParameters: { id: "The schedule's id or name." },
      query: nextFireTimesQuerySchema,
      responses: {
        200: { description: "Fire instants.", schema: fireTimesSchema },
        400: BAD_REQUEST,
        404: NOT_FOUND,
      },
      run: async (request, services) => {
        const query = parseQuery(request, nextFireTimesQuerySchema);
        const record = await findSchedule(services.schedules, requiredParam(request, "id"));
        const after = query.after === undefined ? services.clock() : new Date(query.after);
        return { status: 200, jsonBody: fireTimesOf(upcomingFireTimes(record, after, query.count), record) };
      },
    },
    {
      name: "triggers-preview",
      route: "triggers/preview",
      method: "POST",
      summary: "The instants at which a schedule with this trigger would fire, without creating anything.",
      requestBody: { schema: triggerPreviewRequestSchema, mediaTypes: [JSON_CONTENT_TYPE] },
      responses: { 200: { description: "Fire instants.", schema: fireTimesSchema }, ...BODY_ERRORS },
      run: async (request, services) => {
        const body = await readJsonBody(request, [JSON_CONTENT_TYPE]);
        const preview = parseInput(triggerPreviewRequestSchema, body);
        const instants = previewFireTimes(
          {
            trigger: preview.trigger,
            count: preview.count,
            after: preview.after === undefined ? undefined : new Date(preview.after),
            createdAt: preview.createdAt === undefined ? undefined : new Date(preview.createdAt),
          },
          services.clock(),
        );
        return {
          status: 200,
          jsonBody: fireTimesInZone(
            instants,
            preview.trigger.type === "datastore" ? undefined : preview.trigger.timeZone,
          ),
        };
      },
    },
  ];
}

async function scheduleOk(
  services: Services,
  record: ScheduleRecord,
  status = 200,
  headers: Record<string, string> = {},
): Promise<HttpResponseInit> {
  const [lastRun] = await lastRunsOf(services, [record]);
  return {
    status,
    headers: { ...headers, ETag: record.etag },
    jsonBody: scheduleResource(record, lastRun ?? null),
  };
}

async function lastRunsOf(
  services: Services,
  records: readonly ScheduleRecord[],
): Promise<(LastRun | null)[]> {
  const lastRuns: (LastRun | null)[] = records.map(() => null);
  await forEachConcurrently([...records.keys()], 16, async (index) => {
    const latest = await services.runs.latestForSchedule(records[index]?.id ?? "");
    lastRuns[index] = latest === undefined ? null : toLastRun(latest);
  });
  return lastRuns;
}

/**
 * A write that leaves the schedule due now fires it at once: the "runs once immediately" of a simple recurrence
 * created or re-enabled without startTime (CONTRACT 2.1.1, 2.1.4). Its first occurrences before the next
 * scheduling pass are claimed now too, to fire on their second. Should this fail, the schedule stays due and the
 * next scheduling pass fires it, still on time.
 */
async function fireIfDueNow(services: Services, record: ScheduleRecord): Promise<ScheduleRecord> {
  const now = services.clock();
  const horizon = claimHorizon(services.firing, now);
  if (record.nextRunAt === null || Date.parse(record.nextRunAt) > horizon.getTime()) return record;
  try {
    await fireDueSchedule(services.firing, record, now);
  } catch (error) {
    services.log(
      `schedule ${record.id}: the immediate run is left to the next scheduling pass: ${String(error)}`,
    );
    return record;
  }
  return (await services.schedules.get(record.id)) ?? record;
}

/** The next page keeps the filters and the page size of this one. */
function nextLinkOf(query: ListSchedulesQuery, continuationToken: string): string {
  const params = new URLSearchParams();
  for (const key of ["status", "pipelineId", "pipelineEndpointId", "triggerType"] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, value);
  }
  params.set("top", String(query.top));
  params.set("continuationToken", continuationToken);
  return `/api/schedules?${params.toString()}`;
}

function fireTimesOf(instants: Date[], record: ScheduleRecord): FireTimes {
  const trigger = record.definition.trigger;
  return fireTimesInZone(instants, trigger.type === "datastore" ? undefined : trigger.timeZone);
}

function fireTimesInZone(instants: Date[], timeZone: string | undefined): FireTimes {
  const zone = zoneOf(timeZone ?? "UTC");
  return {
    value: instants.map((instant) => ({
      at: instant.toISOString(),
      local: formatLocalIso(instant.getTime(), zone),
    })),
  };
}
