import { fireLagSummarySchema, summarizeFireLags } from "../runs/fire-lag.js";
import { findSchedule } from "../schedule-management/schedule-service.js";
import { parseQuery, requiredParam, type ApiRoute } from "./api-route.js";
import { z } from "zod";
import { pagingQuerySchema } from "./api-schemas.js";

/** GET /schedules/{id}/lag: how late the schedule's recent runs fired (issue 15, "Measure fire lag everywhere"). */

const lagQuerySchema = z.object({
  top: pagingQuerySchema.shape.top.meta({
    description: "How many of the schedule's latest runs to look at, 1-1000.",
  }),
});

export function lagRoutes(): ApiRoute[] {
  return [
    {
      name: "schedules-lag",
      route: "schedules/{id}/lag",
      method: "GET",
      summary:
        "The median and 99th percentile of the fire lag (first POST minus `scheduledFor`) of the schedule's " +
        "latest runs: of the latest `top` runs (default 100), those that were POSTed for an occurrence.",
      pathParameters: { id: "The schedule's id or name." },
      query: lagQuerySchema,
      responses: {
        200: { description: "The fire lag summary.", schema: fireLagSummarySchema },
        400: { description: "The query is not valid." },
        404: { description: "There is no such schedule." },
      },
      run: async (request, services) => {
        const { top } = parseQuery(request, lagQuerySchema);
        const schedule = await findSchedule(services.schedules, requiredParam(request, "id"));
        const lags = await services.runs.recentFireLags(schedule.id, top);
        return { status: 200, jsonBody: summarizeFireLags(lags) };
      },
    },
  ];
}
