import type { ApiRoute } from "../api/api-route.js";
import { problemForError } from "../api/problem.js";
import { apiRoutes, type ApiOptions } from "../api/routes.js";
import type { GetServices } from "../api/services.js";
import { statusPageRoute } from "../ui/status-page-route.js";
import type { HttpTriggerSpec } from "./trigger-list.js";

/** The host-facing trigger: errors become problem+json, unexpected ones a logged 500. */
export function httpTriggerOf(route: ApiRoute, getServices: GetServices): HttpTriggerSpec {
  return {
    kind: "http",
    name: route.name,
    route: route.route,
    methods: [route.method],
    ...(route.authLevel === undefined ? {} : { authLevel: route.authLevel }),
    handler: async (request, context) => {
      try {
        return await route.run(request, await getServices(), context);
      } catch (error) {
        return problemForError(error, context);
      }
    },
  };
}

/** One HTTP trigger per operation of the API and the status page, for the Azure Functions app and the local host alike. */
export function apiTriggers(getServices: GetServices, options: ApiOptions = {}): HttpTriggerSpec[] {
  return apiRoutes({ ...options, pageRoutes: [statusPageRoute(), ...(options.pageRoutes ?? [])] }).map(
    (route) => httpTriggerOf(route, getServices),
  );
}
