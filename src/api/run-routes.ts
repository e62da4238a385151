import { z } from "zod";
import { NotFoundError } from "../errors.js";
import type { Services } from "./services.js";
import { runSchema, toRunResponse, type RunRecord } from "../runs/run-record.js";
import { findSchedule } from "../schedule-management/schedule-service.js";
import { newScheduleRun } from "../submit/new-run.js";
import { enqueueNewRun } from "../runs/run-queue.js";
import { parseQuery, requiredParam, type ApiRoute } from "./api-route.js";
import { pagingQuerySchema } from "./api-schemas.js";

/** Run history and run-now (CONTRACT 4). */

export const runListSchema = z
  .object({
    value: z.array(runSchema),
    nextLink: z.string().nullable().meta({ description: "The next page; null on the last page." }),
  })
  .meta({ id: "RunList" });

const SCHEDULE_NOT_FOUND = { description: "There is no such schedule." };

export function runRoutes(): ApiRoute[] {
  return [
    {
      name: "schedules-trigger",
      route: "schedules/{id}/trigger",
      method: "POST",
      summary: "Run the schedule's pipeline now, out of schedule, also when it is Disabled.",
      pathParameters: { id: "The schedule's id or name." },
      responses: {
        202: {
          description: "The run, Pending until its submission is done.",
          schema: runSchema,
          headers: { Location: "The run's URL." },
        },
        404: SCHEDULE_NOT_FOUND,
      },
      run: async (request, services) => {
        const schedule = await findSchedule(services.schedules, requiredParam(request, "id"));
        const now = services.clock();
        const run = newScheduleRun(
          schedule,
          { scheduledFor: null, reason: "manual" },
          now,
          services.targeting,
        );
        const created = await services.runs.create(run);
        if (!created.created) throw new Error(`Run ${run.id} was not created`);
        await enqueueNewRun(services.firing, created.run);
        return runAccepted(created.run);
      },
    },
    {
      name: "schedules-runs",
      route: "schedules/{id}/runs",
      method: "GET",
      summary: "The schedule's run history, newest first.",
      pathParameters: { id: "The schedule's id or name." },
      query: pagingQuerySchema,
      responses: {
        200: { description: "A page of runs.", schema: runListSchema },
        400: { description: "The query is not valid." },
        404: SCHEDULE_NOT_FOUND,
      },
      run: async (request, services) => {
        const query = parseQuery(request, pagingQuerySchema);
        const schedule = await findSchedule(services.schedules, requiredParam(request, "id"));
        const page = await services.runs.listForSchedule(schedule.id, query.top, query.continuationToken);
        const nextLink =
          page.continuationToken === undefined
            ? null
            : `/api/schedules/${schedule.id}/runs?${new URLSearchParams({
                top: String(query.top),
                continuationToken: page.continuationToken,
              }).toString()}`;
        return { status: 200, jsonBody: { value: page.items.map(toRunResponse), nextLink } };
      },
    },
    {
      name: "runs-get",
      route: "runs/{runId}",
      method: "GET",
      summary: "One run.",
      pathParameters: { runId: "The run's id." },
      responses: {
        200: { description: "The run.", schema: runSchema },
        404: { description: "There is no such run." },
      },
      run: async (request, services) => ({
        status: 200,
        jsonBody: toRunResponse(await findRun(services, request.params.runId)),
      }),
    },
  ];
}

export async function findRun(services: Services, runId: string | undefined): Promise<RunRecord> {
  const run = runId === undefined ? undefined : await services.runs.get(runId);
  if (!run) throw new NotFoundError(`There is no run with id ${runId}`);
  return run;
}

export function runAccepted(run: RunRecord, location = `/api/runs/${run.id}`) {
  return { status: 202, headers: { Location: location }, jsonBody: toRunResponse(run) };
}
